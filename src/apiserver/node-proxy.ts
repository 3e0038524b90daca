// Pod streams of pods on other nodes: the API server passes the request on to
// the agent of the pod's node, as upstream's apiserver does to the kubelet's
// port. The agent is reached at the node's InternalIP and the port it reports
// in status.daemonEndpoints.kubeletEndpoint, over TLS: its certificate must
// chain to the cluster CA and name that address, and the server shows its
// own client certificate for agents. A log answer (status, headers, body —
// an error Status included) is piped back as it comes; an upgrade request
// (exec, attach, port-forward; WebSocket or SPDY) is sent on with the user's
// credentials removed, and from then on both connections are relayed raw, so
// the client and the agent speak the stream protocol end to end.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';
import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';
import { rejectUpgrade, type StreamKind, type StreamServer } from '../streams/index.ts';
import type { Logger } from '../util/log.ts';
import type { Pem } from './tls.ts';

export interface NodeProxyOptions {
  /** The Node object of that name, or undefined when there is none. */
  getNode(name: string): Promise<KubeObject | undefined>;
  /** The cluster CA: agents' serving certificates must chain to it. */
  ca: string;
  /** The certificate and key the server shows agents. */
  client: Pem;
  log: Logger;
  /** How long reaching an agent may take, TLS handshake included (default 10 s). */
  connectTimeoutMs?: number;
}

interface AgentAddress {
  host: string;
  port: number;
}

/** Headers of the agent's log answer that describe the body rather than the connection. */
const passedResponseHeaders = ['content-type', 'cache-control', 'x-content-type-options'];
/** What the agent must not see of the user's request: their credentials, and our own hop. */
const droppedRequestHeaders = new Set(['authorization', 'host', 'proxy-authorization']);
/** How long a relayed connection may take to flush after its other half closed. */
const closeGraceMs = 10_000;

function agentPath(kind: StreamKind, pod: KubeObject, query: URLSearchParams): string {
  const ns = encodeURIComponent(pod.metadata.namespace ?? 'default');
  const name = encodeURIComponent(pod.metadata.name ?? '');
  const q = query.toString();
  return `/api/v1/namespaces/${ns}/pods/${name}/${kind}${q ? `?${q}` : ''}`;
}

function hostHeader(a: AgentAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function nodeStreamProxy(o: NodeProxyOptions): StreamServer {
  const timeoutMs = o.connectTimeoutMs ?? 10_000;
  const tlsOptions = { ca: o.ca, cert: o.client.cert, key: o.client.key };
  // Worded as upstream's: "error dialing backend: dial tcp 10.0.0.5:10250: connect ECONNREFUSED".
  const dialError = (a: AgentAddress, err: NodeJS.ErrnoException) =>
    errors.unavailable(
      `error dialing backend: dial tcp ${hostHeader(a)}: ${err.syscall && err.code ? `${err.syscall} ${err.code}` : err.message}`,
    );

  async function locate(pod: KubeObject): Promise<AgentAddress> {
    const nodeName: string = pod.spec?.nodeName;
    const node = await o.getNode(nodeName);
    if (!node) {
      throw errors.unavailable(
        `pod "${pod.metadata.name}" is bound to node "${nodeName}", which does not exist: no agent to reach for its streams`,
      );
    }
    const addresses: { type: string; address: string }[] = node.status?.addresses ?? [];
    const host = (
      addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP')
    )?.address;
    if (!host)
      throw errors.unavailable(`node "${nodeName}" reports no InternalIP address to reach its agent at`);
    const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw errors.unavailable(`node "${nodeName}" reports no port for its agent's stream endpoint`);
    }
    return { host, port };
  }

  /** A TLS connection to the agent, its certificate checked; rejects with 503 when it cannot be made in time. */
  function dial(a: AgentAddress): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: a.host, port: a.port, ...tlsOptions, ALPNProtocols: ['http/1.1'] });
      const timer = setTimeout(
        () => socket.destroy(new Error(`i/o timeout after ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        // From here a failure just ends the connection; relay() closes the other side.
        socket.on('error', () => socket.destroy());
        resolve(socket);
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(dialError(a, err));
      };
      socket.once('error', fail);
    });
  }

  function proxyLog(a: AgentAddress, path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve, reject) => {
      const out = request({
        host: a.host,
        port: a.port,
        path,
        method: 'GET',
        agent: false,
        headers: { Accept: req.headers.accept ?? '*/*' },
        ...tlsOptions,
      });
      const timer = setTimeout(
        () => out.destroy(new Error(`i/o timeout after ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      out.once('socket', (s) => s.once('secureConnect', () => clearTimeout(timer)));
      out.on('error', (err) => {
        clearTimeout(timer);
        if (!res.headersSent) reject(dialError(a, err));
        else {
          res.destroy();
          resolve();
        }
      });
      // The client went away (kubectl logs -f stopped): stop reading the agent too.
      res.once('close', () => {
        if (!res.writableFinished) out.destroy();
        resolve();
      });
      out.once('response', (answer) => {
        clearTimeout(timer);
        res.writeHead(answer.statusCode ?? 502, pickHeaders(answer.headers));
        res.flushHeaders();
        answer.pipe(res);
        // The agent's connection broke mid-answer: the client must not take a cut-off log for a whole one.
        answer.once('error', () => res.destroy());
        answer.once('close', () => {
          if (!answer.complete) res.destroy();
        });
      });
      out.end();
    });
  }

  return {
    async handle(kind, pod, req, res, query) {
      if (kind !== 'log') throw errors.badRequest('Upgrade request required');
      const a = await locate(pod);
      await proxyLog(a, agentPath(kind, pod, query), req, res);
    },
    async handleUpgrade(kind, pod, req, socket, head, query) {
      socket.on('error', () => socket.destroy());
      let upstream: TLSSocket;
      try {
        const a = await locate(pod);
        upstream = await dial(a);
        if (socket.destroyed) {
          upstream.destroy();
          return;
        }
        upstream.write(requestHead(req, a, agentPath(kind, pod, query)));
        if (head.length > 0) upstream.write(head);
      } catch (err) {
        o.log.debug('stream proxy refused', { kind, pod: pod.metadata.name, err });
        rejectUpgrade(socket, err);
        return;
      }
      relay(socket, upstream);
    },
  };
}

function pickHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of passedResponseHeaders) {
    const v = h[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** The request line and headers of the user's upgrade request, addressed to the agent. */
function requestHead(req: IncomingMessage, a: AgentAddress, path: string): string {
  const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`, `Host: ${hostHeader(a)}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (droppedRequestHeaders.has(raw[i].toLowerCase())) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * Copies bytes both ways until both sides are done. When one side closes,
 * the other gets an orderly end (its pending bytes still go out) and is
 * destroyed once flushed, or after a grace period if its peer stopped reading.
 */
function relay(client: Duplex, agent: TLSSocket): void {
  client.pipe(agent);
  agent.pipe(client);
  const finish = (s: Duplex) => {
    if (s.destroyed) return;
    if (s.writableFinished) {
      s.destroy();
      return;
    }
    s.once('finish', () => s.destroy());
    s.end();
    setTimeout(() => s.destroy(), closeGraceMs).unref();
  };
  client.once('close', () => finish(agent));
  agent.once('close', () => finish(client));
}
