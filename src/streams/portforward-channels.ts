// Port-forward over WebSocket channels (v4.channel.k8s.io), what clients such
// as @kubernetes/client-node speak: `?ports=80,8080` names the ports; for the
// i-th port channel 2i carries data both ways and channel 2i+1 our error
// message. Our first message on each channel is the port, 2 bytes little-
// endian. One pod connection per port, opened at once; the WebSocket closes
// when all of them are done, and closing it drops them.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';
import type { Logger } from '../util/log.ts';
import { channelSender } from './channel-sender.ts';
import type { PodStreams } from './types.ts';

export const portForwardChannelProtocol = 'v4.channel.k8s.io';

/** The ports a channel port-forward asks for (`ports`, repeated or comma-separated). */
export function requestedPorts(query: URLSearchParams): number[] {
  const raw = [...query.getAll('ports'), ...query.getAll('port')].flatMap((v) => v.split(','));
  if (raw.length === 0) throw errors.badRequest('query parameter "port" is required');
  return raw.map((p) => {
    const n = Number(p.trim());
    if (!/^\d+$/.test(p.trim()) || n < 1 || n > 65535) {
      throw errors.badRequest(`unable to parse "${p}" as a port: must be between 1 and 65535`);
    }
    return n;
  });
}

export function serveChannelPortForward(
  ws: WebSocket,
  ports: number[],
  streams: PodStreams,
  pod: KubeObject,
  log: Logger,
): void {
  const { send } = channelSender(ws);
  const conns = new Map<number, Duplex>();
  let open = ports.length;
  const finished = () => {
    if (--open === 0) ws.close(1000);
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length < 2 || data[0] % 2 !== 0) return;
    const conn = conns.get(data[0] / 2);
    if (conn && !conn.writableEnded && !conn.write(data.subarray(1))) {
      ws.pause();
      conn.once('drain', () => ws.resume());
    }
  });
  ws.on('close', () => {
    for (const c of conns.values()) c.destroy();
  });
  ws.on('error', () => {});

  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    streams.portForward(port).then(
      (conn) => {
        if (ws.readyState !== ws.OPEN) {
          conn.destroy();
          return;
        }
        conns.set(i, conn);
        conn.on('data', (chunk: Buffer) => {
          conn.pause();
          send(2 * i, chunk, () => conn.resume());
        });
        conn.on('error', (err) => log.debug('port-forward connection failed', { port, err }));
        conn.once('close', finished);
      },
      (err: Error) => {
        const m = pod.metadata;
        const message = `error forwarding port ${port} to pod ${m.name}_${m.namespace}, uid ${m.uid ?? ''}: ${err.message}`;
        send(2 * i + 1, Buffer.from(message));
        finished();
      },
    );
  });
}
