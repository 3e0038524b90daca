// The client side of an exec/attach as plain Node streams, whatever carries
// it: WebSocket channels (v5/v4.channel.k8s.io) or SPDY streams (v4 over
// SPDY/3.1, what clients use when a WebSocket upgrade fails). The relay in
// remotecommand.ts pipes a process to these and never sees the transport.
import { PassThrough, type Readable, Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { channelSender } from './channel-sender.ts';
import type { SpdySession, SpdyStream } from './spdy/session.ts';

export interface CommandChannels {
  /** What the client types; ends at the client's EOF. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal sizes as JSON objects ({"Width":…,"Height":…}), one after another. */
  resize?: Readable;
  /** Sends the final Status after all output, then closes the connection. */
  finish(status: object): void;
  /** Resolves when the client has gone, finished or not. */
  closed: Promise<void>;
}

export interface WantedChannels {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** How long a SPDY client gets to close the connection itself once its command has ended. */
const clientCloseGraceMs = 10_000;

export function websocketChannels(ws: WebSocket, v5: boolean, wanted: WantedChannels): CommandChannels {
  const { send } = channelSender(ws);
  const output = (ch: number) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        send(ch, chunk, () => cb());
      },
    });

  const stdin = wanted.stdin ? new PassThrough() : undefined;
  const resize = wanted.tty ? new PassThrough() : undefined;
  stdin?.on('drain', () => ws.resume());
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case channel.stdin:
        if (stdin && !stdin.writableEnded && payload.length > 0 && !stdin.write(payload)) ws.pause();
        return;
      case channel.resize:
        resize?.write(payload);
        return;
      case channel.close:
        if (v5 && payload[0] === channel.stdin) stdin?.end();
        return;
    }
  });
  // Not events.once: it would reject on the 'error' that precedes a failed connection's 'close'.
  const closed = new Promise<void>((resolve) => {
    ws.once('close', () => {
      stdin?.end();
      resize?.end();
      resolve();
    });
  });
  ws.on('error', () => {});
  return {
    stdin,
    stdout: wanted.stdout ? output(channel.stdout) : undefined,
    stderr: wanted.stderr && !wanted.tty ? output(channel.stderr) : undefined,
    resize,
    finish(status) {
      send(channel.error, Buffer.from(JSON.stringify(status)));
      ws.close(1000);
    },
    closed,
  };
}

/**
 * Collects the streams a SPDY client opens for a command (each with header
 * streamType: error, stdin, stdout, stderr, resize) and answers each; `ready`
 * resolves once all expected ones are there and rejects if they do not come.
 */
export function spdyChannels(
  session: SpdySession,
  wanted: WantedChannels,
  timeoutMs: number,
  closed: Promise<void>,
): { onStream(s: SpdyStream): void; ready: Promise<CommandChannels> } {
  const expected = new Set(['error']);
  if (wanted.stdin) expected.add('stdin');
  if (wanted.stdout) expected.add('stdout');
  if (wanted.stderr && !wanted.tty) expected.add('stderr');
  if (wanted.tty) expected.add('resize');
  const got = new Map<string, SpdyStream>();
  let arrived!: () => void;
  const all = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const build = (): CommandChannels => {
    const error = got.get('error')!;
    error.resume();
    return {
      stdin: got.get('stdin'),
      stdout: got.get('stdout'),
      stderr: got.get('stderr'),
      resize: got.get('resize'),
      finish(status) {
        error.end(JSON.stringify(status));
        session.closeAfter(clientCloseGraceMs);
      },
      closed,
    };
  };
  // Settling twice is a no-op, so whichever comes first wins.
  const ready = new Promise<CommandChannels>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('timed out waiting for client to create streams')),
      timeoutMs,
    );
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error('connection closed before the client created its streams'));
    });
    void all.then(() => {
      clearTimeout(timer);
      resolve(build());
    });
  });
  return {
    onStream(s) {
      const type = s.headers.get('streamtype') ?? '';
      if (!expected.has(type) || got.has(type)) {
        s.reject();
        return;
      }
      s.accept();
      s.on('error', () => {});
      got.set(type, s);
      if (got.size === expected.size) arrived();
    },
    ready,
  };
}
