// Sending on the Kubernetes WebSocket channel protocols: each binary message
// is one channel byte and the payload. Tracks what ws has not written yet, so
// producers can wait instead of queueing without bound.
import type { WebSocket } from 'ws';

/** Bytes queued on a WebSocket above which producers wait; they resume below a quarter of it. */
const highWaterBytes = 1 << 20;

export interface ChannelSender {
  /** Sends on `channel`; `ready` runs once the connection can take more (at once unless it is behind). */
  send(channel: number, data: Buffer, ready?: () => void): void;
}

export function channelSender(ws: WebSocket): ChannelSender {
  let pending = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const cb of w) cb();
  };
  ws.once('close', wake);
  return {
    send(channel, data, ready) {
      if (ws.readyState !== ws.OPEN) {
        ready?.();
        return;
      }
      const msg = Buffer.allocUnsafe(data.length + 1);
      msg[0] = channel;
      data.copy(msg, 1);
      pending += msg.length;
      ws.send(msg, { binary: true }, () => {
        pending -= msg.length;
        if (pending < highWaterBytes / 4 && waiters.length > 0) wake();
      });
      if (!ready) return;
      if (pending < highWaterBytes) ready();
      else waiters.push(ready);
    },
  };
}
