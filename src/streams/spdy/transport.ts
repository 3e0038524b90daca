// What a SPDY session runs over: a WebSocket carrying SPDY bytes in binary
// messages (kubectl's tunnel; message boundaries mean nothing), or the raw
// upgraded socket (a plain `Upgrade: SPDY/3.1`). Both give in-order bytes,
// backpressure both ways, and a close signal.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

export interface FrameTransport {
  /** Queues the buffers in order, without copying. False once the peer is behind: wait for onDrain. */
  send(bufs: Buffer[]): boolean;
  /** Runs `cb` once everything queued so far has gone out (at once when nothing is waiting). */
  onDrain(cb: () => void): void;
  /** Stops delivering input until resume(), so a slow consumer slows the peer down. */
  pause(): void;
  resume(): void;
  /** Sends what is queued, then closes. */
  end(): void;
  /** Closes at once. */
  destroy(): void;
}

export interface TransportEvents {
  data(chunk: Buffer): void;
  /** The connection is gone, whichever side ended it. Called once. */
  closed(): void;
}

/** Queued bytes above which a sender is told to wait; it resumes below a quarter of it. */
const highWaterBytes = 1 << 20;

export function websocketTransport(ws: WebSocket, events: TransportEvents): FrameTransport {
  let pending = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const cb of w) cb();
  };
  const sent = (len: number) => () => {
    pending -= len;
    if (pending <= highWaterBytes / 4 && waiters.length) wake();
  };
  ws.on('message', (data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean) => {
    if (!isBinary) return;
    if (Array.isArray(data)) for (const d of data) events.data(d);
    else events.data(Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    wake();
    events.closed();
  };
  ws.on('close', onClose);
  ws.on('error', onClose);
  return {
    send(bufs) {
      if (closed || ws.readyState !== ws.OPEN) return true;
      for (const b of bufs) {
        if (b.length === 0) continue;
        pending += b.length;
        ws.send(b, { binary: true }, sent(b.length));
      }
      return pending < highWaterBytes;
    },
    onDrain(cb) {
      if (pending <= highWaterBytes / 4 || closed) cb();
      else waiters.push(cb);
    },
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
  };
}

export function socketTransport(socket: Duplex, events: TransportEvents): FrameTransport {
  let waiters: (() => void)[] = [];
  socket.on('drain', () => {
    const w = waiters;
    waiters = [];
    for (const cb of w) cb();
  });
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    const w = waiters;
    waiters = [];
    for (const cb of w) cb();
    events.closed();
  };
  socket.on('close', onClose);
  socket.on('error', () => socket.destroy());
  socket.on('end', () => socket.end());
  return {
    send(bufs) {
      if (closed || socket.destroyed || socket.writableEnded) return true;
      socket.cork();
      for (const b of bufs) if (b.length) socket.write(b);
      socket.uncork();
      return !socket.writableNeedDrain;
    },
    onDrain(cb) {
      if (!socket.writableNeedDrain || closed) cb();
      else waiters.push(cb);
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}
