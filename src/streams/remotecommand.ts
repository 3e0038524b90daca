// exec and attach. Over WebSocket (v5.channel.k8s.io, or v4 without the close
// signal): binary messages whose first byte is the channel — 0 stdin, 1
// stdout, 2 stderr, 3 error (one JSON Status when the command ends), 4 resize
// ({"Width","Height"}), 255 close ([255, 0] = stdin's EOF, v5 only). Over SPDY
// (v4.channel.k8s.io, the fallback of clients whose WebSocket upgrade failed):
// the same channels as separate streams named by their streamType header.
//
// Everything that can fail is checked before the upgrade — container, node,
// protocol, starting the process — so clients get an HTTP error they show.
import type { IncomingMessage } from 'node:http';
import { type Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import { errors, StatusError } from '../api/status.ts';
import type { Logger } from '../util/log.ts';
import {
  type CommandChannels,
  spdyChannels,
  type WantedChannels,
  websocketChannels,
} from './command-channels.ts';
import { pickContainer, requireNode } from './pod-checks.ts';
import { SpdySession } from './spdy/session.ts';
import { socketTransport } from './spdy/transport.ts';
import type { ExecSession, PodStreamsResolver, TerminalSize } from './types.ts';
import {
  acceptSpdyUpgrade,
  flag,
  NodeStreamError,
  requestedUpgrade,
  type WebSocketUpgrader,
} from './upgrade.ts';

export const channelProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const spdyChannelProtocols = ['v4.channel.k8s.io'];

/** How long a SPDY client may take to open its streams (upstream: 30 s). */
const streamCreationTimeoutMs = 30_000;

export interface RemoteCommandDeps {
  resolve: PodStreamsResolver;
  upgradeWebSocket: WebSocketUpgrader;
  log: Logger;
}

interface CommandRequest extends WantedChannels {
  command: string[];
}

function parseRequest(kind: 'exec' | 'attach', query: URLSearchParams): CommandRequest {
  const tty = flag(query, 'tty');
  const r: CommandRequest = {
    command: query.getAll('command'),
    tty,
    stdin: flag(query, 'stdin'),
    stdout: flag(query, 'stdout'),
    // A terminal merges stderr into stdout.
    stderr: flag(query, 'stderr') && !tty,
  };
  if (!r.stdin && !r.stdout && !r.stderr) {
    throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  }
  if (kind === 'exec' && r.command.length === 0)
    throw errors.badRequest('you must specify at least 1 command');
  return r;
}

function negotiate(req: IncomingMessage): { transport: 'websocket' | 'spdy'; protocol: string } {
  const upgrade = requestedUpgrade(req);
  if (upgrade.kind === 'none') throw errors.badRequest('Upgrade request required');
  const supported = upgrade.kind === 'websocket' ? channelProtocols : spdyChannelProtocols;
  const protocol = supported.find((p) => upgrade.protocols.includes(p));
  if (!protocol) {
    throw errors.badRequest(
      `unable to upgrade: none of the offered protocols [${upgrade.protocols.join(', ')}] is supported; ` +
        `supported: [${supported.join(', ')}]`,
    );
  }
  return { transport: upgrade.kind, protocol };
}

/** Checks the request, starts the process, upgrades and relays. Throws before upgrading. */
export async function startRemoteCommand(
  deps: RemoteCommandDeps,
  kind: 'exec' | 'attach',
  pod: KubeObject,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  query: URLSearchParams,
): Promise<void> {
  const container = pickContainer(pod, query.get('container'));
  requireNode(pod);
  const r = parseRequest(kind, query);
  const { transport, protocol } = negotiate(req);
  const streams = (await deps.resolve(pod)).container(container);
  if (!streams) throw new NodeStreamError(`container not found ("${container}")`);
  let session: ExecSession;
  try {
    session =
      kind === 'exec'
        ? await streams.exec({
            command: r.command,
            tty: r.tty,
            stdin: r.stdin,
            stdout: r.stdout,
            stderr: r.stderr,
          })
        : await streams.attach({ tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr });
  } catch (e) {
    throw e instanceof StatusError ? e : new NodeStreamError((e as Error).message ?? String(e));
  }
  // Read the output from now on: a child process's pipes that nobody reads when
  // it exits are drained into the void by Node, and the client is not here yet.
  const output = { stdout: hold(session.stdout), stderr: hold(session.stderr) };
  const relayOn = (channels: CommandChannels) => {
    relay(channels, session, output, kind, r.command, deps.log).catch((err) => {
      deps.log.error(`${kind} relay failed`, { err });
      void Promise.resolve(session.kill()).catch(() => {});
    });
  };

  if (transport === 'spdy') {
    acceptSpdyUpgrade(socket, protocol);
    let connectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    const spdy: SpdySession = new SpdySession({
      onStream: (s) => collector.onStream(s),
      onClose: () => connectionClosed(),
      log: deps.log,
    });
    const collector = spdyChannels(spdy, r, streamCreationTimeoutMs, closed);
    spdy.start(
      socketTransport(socket, { data: (c) => spdy.receive(c), closed: () => spdy.transportClosed() }),
    );
    if (head.length > 0) spdy.receive(head);
    collector.ready.then(relayOn, (err) => {
      deps.log.info(`${kind} streams never arrived`, { err });
      void Promise.resolve(session.kill()).catch(() => {});
      spdy.close();
    });
    return;
  }

  let upgraded = false;
  // A handshake ws refuses never calls back; the socket closing tells us to let the process go.
  socket.once('close', () => {
    if (!upgraded) void Promise.resolve(session.kill()).catch(() => {});
  });
  deps.upgradeWebSocket(req, socket, head, protocol, (ws) => {
    upgraded = true;
    relayOn(websocketChannels(ws, protocol === 'v5.channel.k8s.io', r));
  });
}

/** A buffer in front of a process's output stream, reading it from now on (with backpressure). */
function hold(from: Readable | null): Readable | null {
  if (!from) return null;
  const held = new PassThrough();
  from.on('error', (err) => held.destroy(err));
  from.pipe(held);
  return held;
}

async function relay(
  ch: CommandChannels,
  session: ExecSession,
  output: { stdout: Readable | null; stderr: Readable | null },
  kind: 'exec' | 'attach',
  command: string[],
  log: Logger,
): Promise<void> {
  let finished = false;
  void ch.closed.then(() => {
    if (!finished) void Promise.resolve(session.kill()).catch(() => {});
  });
  if (ch.stdin && session.stdin) {
    session.stdin.on('error', () => {}); // the process may exit without reading everything
    ch.stdin.pipe(session.stdin);
  } else ch.stdin?.resume();
  if (ch.resize) {
    followResizes(ch.resize, (size) => {
      Promise.resolve(session.resize(size)).catch((err) => log.debug('resize failed', { err }));
    });
  }
  const outputs = Promise.all([forward(output.stdout, ch.stdout), forward(output.stderr, ch.stderr)]);
  let status: object;
  try {
    const code = await session.exitCode;
    await outputs;
    status = kind === 'attach' || code === 0 ? success : nonZeroExit(command, code);
  } catch (e) {
    status = internalError(`error executing command in container: ${(e as Error).message}`);
  }
  finished = true;
  ch.finish(status);
}

/** Pipes process output to the client; resolves once all of it has been handed over. */
function forward(from: Readable | null, to: Writable | undefined): Promise<void> {
  if (!from) {
    to?.end();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    from.once('error', () => to?.end());
    if (!to) {
      from.once('close', () => resolve());
      from.once('end', () => resolve());
      from.resume();
      return;
    }
    to.once('finish', () => resolve());
    to.once('close', () => resolve());
    to.on('error', () => {});
    from.pipe(to);
  });
}

/** Parses the newline-separated JSON sizes kubectl sends. */
function followResizes(from: Readable, apply: (size: TerminalSize) => void): void {
  let carry = '';
  from.on('data', (chunk: Buffer) => {
    const lines = (carry + chunk.toString('utf8')).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const v = JSON.parse(line);
        if (Number.isInteger(v.Width) && Number.isInteger(v.Height) && v.Width > 0 && v.Height > 0) {
          apply({ columns: v.Width, rows: v.Height });
        }
      } catch {
        // not a size; ignore it as upstream does
      }
    }
  });
}

const success = { metadata: {}, status: 'Success' };

function nonZeroExit(command: string[], code: number): object {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalError(message: string): object {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}
