// Attaching to a container's own process (`kubectl attach`). conmon holds
// the container's stdio and serves it on an attach socket in the bundle
// directory: output goes to every connected client as it is written, and
// what a client sends goes to the container's stdin (or its terminal).
// Node cannot open that socket (it is SOCK_SEQPACKET), so a small relay
// program (attach-relay.c, built by scripts/build.sh) connects to it and
// frames its packets on a pipe we can read; see attach-frames.ts.
//
// Terminal resizes go through conmon's control FIFO (`ctl` in the bundle
// directory): a line "<type> <rows> <columns>", type 1 being a resize.
//
// Following the log file instead would lag behind the container (a file is
// polled, and rotated under the reader) and could not carry input; the
// socket is what conmon offers attach clients: live, each read one packet
// naming its stream.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { errors } from '../../api/status.ts';
import type { AttachOptions, AttachSession, TerminalSize } from '../types.ts';
import { AttachFrameReader } from './attach-frames.ts';
import { monitorFiles } from './layout.ts';
import { type Context, observe } from './lifecycle.ts';
import { readContainerRecord } from './records.ts';

/** conmon's control message for a terminal resize (its WIN_RESIZE_EVENT). */
const resizeMessage = 1;
/** conmon ignores sizes beyond this. */
const sizeLimit = 1000;
/**
 * How long a detach waits for input already written to reach conmon, which
 * stops taking it while the container does not read its stdin.
 */
const inputFlushMs = 5000;

/**
 * Where scripts/build.sh puts the relay: beside this module in dist/. Run
 * from the sources (tests), the same place in the repository's dist/.
 */
export function defaultAttachRelayPath(): string {
  const here = import.meta.url;
  const relative = here.endsWith('.ts')
    ? '../../../dist/runtime/oci/orca-attach-relay'
    : './orca-attach-relay';
  return fileURLToPath(new URL(relative, here));
}

/** Attaches to a running container (Runtime.attach). */
export async function attachToContainer(
  ctx: Context,
  relayPath: string,
  id: string,
  options: AttachOptions = {},
): Promise<AttachSession> {
  const record = await readContainerRecord(ctx.layout, id);
  if (!record) throw errors.notFound({ resource: 'containers', name: id });
  const dir = ctx.layout.containerDir(id);
  const state = await observe(ctx, id, monitorFiles(dir));
  if (state.kind !== 'running') throw errors.badRequest(`container ${id} is not running`);
  return startAttach(relayPath, {
    dir,
    tty: record.config.tty ?? false,
    hasStdin: record.config.stdin ?? false,
    options,
  });
}

interface AttachTarget {
  /** The bundle directory, where conmon keeps the `attach` socket and `ctl` FIFO. */
  dir: string;
  tty: boolean;
  hasStdin: boolean;
  options: AttachOptions;
}

async function startAttach(relayPath: string, t: AttachTarget): Promise<AttachSession> {
  const child = spawn(relayPath, [t.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  const relayOut = child.stdout;
  const stdout = new PassThrough();
  const stderr = t.tty ? null : new PassThrough();
  let complaint = '';
  child.stderr.on('data', (d: Buffer) => {
    complaint = (complaint + d.toString()).slice(-1024);
  });
  // The relay's stdin is its line to the container; it fails once the relay is gone.
  child.stdin.on('error', () => {});

  let isConnected = false;
  let connected = () => {};
  const ready = new Promise<void>((resolve) => {
    connected = () => {
      isConnected = true;
      resolve();
    };
  });
  let inputPassedOn = () => {};
  const inputDone = new Promise<void>((resolve) => {
    inputPassedOn = resolve;
  });
  // Backpressure: a reader that is behind pauses the relay, which stops reading the socket.
  const full = new Set<PassThrough>();
  const reader = new AttachFrameReader();
  relayOut.on('data', (chunk: Buffer) => {
    for (const p of reader.read(chunk)) {
      if (p.kind === 'connected') connected();
      if (p.kind === 'inputEnded') inputPassedOn();
      if (p.kind !== 'output') continue;
      // With a terminal everything is one stream; anything on conmon's stderr pipe then is the runtime's.
      const to = p.pipe === 'stderr' && stderr ? stderr : stdout;
      if (!to.write(p.data) && !full.has(to)) {
        full.add(to);
        relayOut.pause();
        to.once('drain', () => {
          full.delete(to);
          if (full.size === 0) relayOut.resume();
        });
      }
    }
  });

  const closed = new Promise<void>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(`attach relay not found at ${relayPath} (scripts/build.sh builds it)`)
          : err,
      ),
    );
    child.once('close', (code, signal) => {
      stdout.end();
      stderr?.end();
      if (code === 0 || signal) resolve();
      else reject(new Error(complaint.trim() || `attach relay exited with code ${code}`));
    });
  });
  closed.catch(() => {});
  // A relay that could not connect rejects here with its complaint.
  await Promise.race([ready, closed]);
  if (!isConnected) throw new Error('the container ended before the attachment was made');

  const detach = async () => {
    // Input written before its end reaches the container first, unless the container will not take it.
    if (child.stdin.writableEnded)
      await Promise.race([inputDone, closed.catch(() => {}), pause(inputFlushMs)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed.catch(() => {});
  };
  const signal = t.options.signal;
  if (signal?.aborted) await detach();
  else signal?.addEventListener('abort', () => void detach(), { once: true });

  // Without input asked for, the relay's stdin stays open until it ends: ending
  // it would tell conmon the input is over, which closes a stdinOnce container's stdin.
  const wantsInput = (t.options.stdin ?? false) && t.hasStdin;
  return {
    stdin: wantsInput ? child.stdin : null,
    stdout,
    stderr,
    tty: t.tty,
    ended: closed.catch(() => {}),
    resize: (size) => (t.tty ? resizeTerminal(t.dir, size) : Promise.resolve()),
    detach,
  };
}

/** A wait that does not keep the process alive. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function resizeTerminal(dir: string, size: TerminalSize): Promise<void> {
  const rows = Math.min(size.rows, sizeLimit);
  const columns = Math.min(size.columns, sizeLimit);
  // Non-blocking: with conmon gone nobody reads the FIFO, and a plain open would wait forever.
  const fifo = await open(join(dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fifo.write(`${resizeMessage} ${rows} ${columns}\n`);
  } finally {
    await fifo.close();
  }
}
