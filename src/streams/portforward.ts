// kubectl port-forward: one SPDY/3.1 connection per kubectl, reached either by
// a WebSocket upgrade with subprotocol SPDY/3.1+portforward.k8s.io (SPDY bytes
// tunnelled in binary messages; what kubectl 1.30+ tries first) or by a plain
// `Upgrade: SPDY/3.1` (X-Stream-Protocol-Version: portforward.k8s.io). A
// WebSocket offering only v4.channel.k8s.io gets the channel protocol instead
// (portforward-channels.ts).
//
// Each local connection kubectl accepts becomes two streams sharing a
// requestID: "error" (we write a failure message there, then close it) and
// "data" (bytes both ways, relayed to a TCP connection into the pod). Half
// closes pass through: the client's FIN ends our write side to the pod, the
// pod's EOF becomes our FIN, and the error stream closes once both are done.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';
import type { Logger } from '../util/log.ts';
import { requireNode } from './pod-checks.ts';
import {
  portForwardChannelProtocol,
  requestedPorts,
  serveChannelPortForward,
} from './portforward-channels.ts';
import { SpdySession, type SpdyStream } from './spdy/session.ts';
import { socketTransport, websocketTransport } from './spdy/transport.ts';
import type { PodStreams, PodStreamsResolver } from './types.ts';
import { acceptSpdyUpgrade, requestedUpgrade, type WebSocketUpgrader } from './upgrade.ts';

export const portForwardProtocol = 'portforward.k8s.io';
export const portForwardTunnelProtocol = 'SPDY/3.1+portforward.k8s.io';

export interface PortForwardDeps {
  resolve: PodStreamsResolver;
  upgradeWebSocket: WebSocketUpgrader;
  log: Logger;
  /** How long the second stream of a pair may keep us waiting (upstream: 30 s). */
  pairTimeoutMs?: number;
}

/** Checks the request, then upgrades and serves streams until kubectl disconnects. Throws before upgrading. */
export async function startPortForward(
  deps: PortForwardDeps,
  pod: KubeObject,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  query: URLSearchParams,
): Promise<void> {
  requireNode(pod);
  const upgrade = requestedUpgrade(req);
  if (upgrade.kind === 'none') throw errors.badRequest('Upgrade request required');
  if (
    upgrade.kind === 'websocket' &&
    !upgrade.protocols.includes(portForwardTunnelProtocol) &&
    upgrade.protocols.includes(portForwardChannelProtocol)
  ) {
    const ports = requestedPorts(query);
    const streams = await deps.resolve(pod);
    deps.upgradeWebSocket(req, socket, head, portForwardChannelProtocol, (ws) =>
      serveChannelPortForward(ws, ports, streams, pod, deps.log),
    );
    return;
  }
  const wanted = upgrade.kind === 'websocket' ? portForwardTunnelProtocol : portForwardProtocol;
  if (!upgrade.protocols.includes(wanted)) {
    throw errors.badRequest(
      `unable to upgrade: none of the offered protocols [${upgrade.protocols.join(', ')}] is supported; supported: [${wanted}]`,
    );
  }
  const streams = await deps.resolve(pod);
  const handler = new PairHandler(pod, streams, deps);
  const session = new SpdySession({
    onStream: (s) => handler.onStream(s),
    onClose: () => handler.closeAll(),
    log: deps.log,
  });
  const events = { data: (c: Buffer) => session.receive(c), closed: () => session.transportClosed() };
  if (upgrade.kind === 'spdy') {
    acceptSpdyUpgrade(socket, portForwardProtocol);
    session.start(socketTransport(socket, events));
    if (head.length > 0) session.receive(head);
    return;
  }
  deps.upgradeWebSocket(req, socket, head, portForwardTunnelProtocol, (ws) => {
    session.start(websocketTransport(ws, events));
  });
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

class PairHandler {
  private readonly pod: KubeObject;
  private readonly streams: PodStreams;
  private readonly deps: PortForwardDeps;
  private readonly pairs = new Map<string, Pair>();

  constructor(pod: KubeObject, streams: PodStreams, deps: PortForwardDeps) {
    this.pod = pod;
    this.streams = streams;
    this.deps = deps;
  }

  onStream(s: SpdyStream): void {
    const problem = checkHeaders(s);
    if (problem) {
      this.deps.log.info('port-forward stream refused', { problem });
      s.reject();
      return;
    }
    s.accept();
    s.on('error', () => {}); // a reset or a dropped connection; the pair's cleanup handles the rest
    const type = s.headers.get('streamtype') as 'error' | 'data';
    // Old clients send no requestID: the error stream's id pairs with the data stream's id - 2.
    const id = s.headers.get('requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    let pair = this.pairs.get(id);
    if (!pair) {
      pair = { timer: setTimeout(() => this.timedOut(id), this.deps.pairTimeoutMs ?? 30_000) };
      pair.timer.unref();
      this.pairs.set(id, pair);
    }
    if (pair[type]) {
      s.reject();
      return;
    }
    pair[type] = s;
    if (type === 'error') s.resume(); // the client sends nothing on it; reading lets its FIN be seen
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      this.pairs.delete(id);
      void this.forward(pair.error, pair.data);
    }
  }

  closeAll(): void {
    for (const p of this.pairs.values()) clearTimeout(p.timer);
    this.pairs.clear();
  }

  private timedOut(id: string): void {
    const p = this.pairs.get(id);
    if (!p) return;
    this.pairs.delete(id);
    p.error?.end('timed out waiting for streams');
    p.data?.end();
  }

  private async forward(errorStream: SpdyStream, data: SpdyStream): Promise<void> {
    const port = Number(data.headers.get('port'));
    let conn: Duplex;
    try {
      conn = await this.streams.portForward(port);
    } catch (e) {
      const m = this.pod.metadata;
      errorStream.end(
        `error forwarding port ${port} to pod ${m.name}_${m.namespace}, uid ${m.uid ?? ''}: ${(e as Error).message}`,
      );
      data.end();
      data.resume();
      return;
    }
    if (data.destroyed) {
      conn.destroy();
      return;
    }
    let open = 2;
    const oneClosed = () => {
      if (--open === 0 && !errorStream.destroyed) errorStream.end();
    };
    conn.once('close', oneClosed);
    data.once('close', oneClosed);
    conn.on('error', (err) => {
      this.deps.log.debug('port-forward connection failed', { port, err });
      data.destroy();
    });
    // A reset from the client, or the whole connection going away, drops the pod connection too.
    data.once('error', () => conn.destroy());
    conn.pipe(data);
    data.pipe(conn);
  }
}

function checkHeaders(s: SpdyStream): string | undefined {
  const port = s.headers.get('port');
  if (!port) return '"port" header is required';
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `invalid port "${port}"`;
  const type = s.headers.get('streamtype');
  if (!type) return '"streamType" header is required';
  if (type !== 'error' && type !== 'data') return `invalid stream type "${type}"`;
  return undefined;
}
