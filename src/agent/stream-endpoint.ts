// The agent's HTTPS endpoint for pod streams (the kubelet's port 10250): the
// API server proxies logs, exec, attach and port-forward of this node's pods
// here, on the same paths and query strings it serves them on itself.
//
// Only the API server may call: a client certificate signed by the cluster CA
// whose user is the server's client identity for agents. No certificate, or
// one from another issuer, is 401; another user of the cluster CA (the admin,
// say) is 403. The pod is read from the API, so a pod bound elsewhere, or one
// that does not exist, is 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { errors, StatusError } from '../api/status.ts';
import type { Client } from '../client/types.ts';
import { rejectUpgrade, type StreamKind, type StreamServer } from '../streams/index.ts';
import type { Logger } from '../util/log.ts';

const pods = resources.find((r) => r.kind === 'Pod' && r.group === '')!;
const streamPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(log|exec|attach|portforward)\/?$/;

export interface StreamEndpointOptions {
  /** The node's address; the endpoint listens there only. */
  host: string;
  /** 0 picks a free port (see `port` once started). */
  port: number;
  /** This node's serving certificate and key, and the CA that signed them and the API server's client certificate. */
  tls: { cert: string; key: string; ca: string };
  /** The one user (certificate CN) allowed to call: the API server's identity towards agents. */
  apiserverUser: string;
  nodeName: string;
  client: Client;
  /** Serves this node's pods. */
  streams: StreamServer;
  logger: Logger;
}

interface Target {
  kind: StreamKind;
  namespace: string;
  name: string;
  query: URLSearchParams;
}

export class StreamEndpoint {
  private readonly o: StreamEndpointOptions;
  private readonly log: Logger;
  private server?: Server;

  constructor(o: StreamEndpointOptions) {
    this.o = o;
    this.log = o.logger.child('stream-endpoint');
  }

  /** Listens until `signal` aborts; resolves once listening. */
  async start(signal: AbortSignal): Promise<void> {
    const server = createServer(
      {
        cert: this.o.tls.cert,
        key: this.o.tls.key,
        ca: this.o.tls.ca,
        requestCert: true,
        // Checked per request instead, so a refused caller gets a Status it can show.
        rejectUnauthorized: false,
      },
      (req, res) => {
        this.handle(req, res).catch((err) => sendStatus(res, err, this.log));
      },
    );
    this.server = server;
    // Followed logs stay open as long as the client wants.
    server.requestTimeout = 0;
    server.on('clientError', (_err, socket) => socket.destroy());
    server.on('secureConnection', (socket) => socket.disableRenegotiation());
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      this.handleUpgrade(req, socket, head).catch((err) => rejectUpgrade(socket, err));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    signal.addEventListener(
      'abort',
      () => {
        server.close();
        server.closeAllConnections();
      },
      { once: true },
    );
    this.log.info('serving pod streams', { address: `${this.o.host}:${this.port}` });
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the stream endpoint is not listening');
    return address.port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t = this.target(req);
    const pod = await this.pod(t);
    await this.o.streams.handle(t.kind, pod, req, res, t.query);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const t = this.target(req);
    const pod = await this.pod(t);
    await this.o.streams.handleUpgrade(t.kind, pod, req, socket, head, t.query);
  }

  /** Who may call, then what they ask for; throws the Status to answer with. */
  private target(req: IncomingMessage): Target {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) throw errors.unauthorized();
    const cn = socket.getPeerCertificate()?.subject?.CN;
    const user = Array.isArray(cn) ? cn[0] : cn;
    if (user !== this.o.apiserverUser) {
      throw errors.forbidden(
        `User "${user ?? ''}" cannot reach the pod streams of node "${this.o.nodeName}": only the API server may`,
      );
    }
    const url = new URL(req.url ?? '/', 'https://node');
    const m = streamPath.exec(url.pathname);
    if (!m) throw new StatusError('NotFound', 'the server could not find the requested resource');
    return {
      kind: m[3] as StreamKind,
      namespace: decodeURIComponent(m[1]),
      name: decodeURIComponent(m[2]),
      query: url.searchParams,
    };
  }

  /** The pod as the API has it now (fresher than an informer's copy), if it is bound to this node. */
  private async pod(t: Target): Promise<KubeObject> {
    const pod = await this.o.client.get(pods, t.namespace, t.name);
    if (!pod || pod.spec?.nodeName !== this.o.nodeName) {
      throw new StatusError(
        'NotFound',
        `pod "${t.name}" in namespace "${t.namespace}" does not run on node "${this.o.nodeName}"`,
        { name: t.name, kind: 'pods' },
      );
    }
    return pod;
  }
}

function sendStatus(res: ServerResponse, err: unknown, log: Logger): void {
  const se = err instanceof StatusError ? err : errors.internal((err as Error)?.message ?? String(err));
  if (!(err instanceof StatusError)) log.warn('stream request failed', { err: err as Error });
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(se.status);
  res.writeHead(se.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
