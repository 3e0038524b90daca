// Processes run inside a running container (`kubectl exec`, exec probes) with
// `runc exec`, which joins the container's namespaces and cgroups and takes the
// container's own env, user and capabilities.
//
// Without a terminal, runc gives the process pipes and we stream them as they are.
// With one, runc wants to hand the terminal's master side to whoever calls it,
// either over a unix socket as a passed descriptor (which Node cannot receive)
// or by relaying it through its own stdin/stdout when those are a terminal. So
// we run runc under util-linux `script`, which gives it a pseudo-terminal and
// relays that to our pipes; runc then relays to the container's terminal and
// passes window-size changes on. Resizing = `stty -F` on script's terminal: the
// kernel signals runc (SIGWINCH), and runc resizes the container's terminal.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecOptions, ExecSession, TerminalSize } from '../types.ts';
import { runChecked, signalNumber } from './command.ts';
import { childPids } from './proc.ts';
import type { Runc } from './runc.ts';

const defaultSize: TerminalSize = { columns: 80, rows: 24 };
/** Polls (10 ms apart) for runc's pid file before giving up on the process ever starting. */
const pidFileWaits = 500;

/**
 * Starts the process. `template` is the container's own process (from its
 * config.json): the exec inherits its env, user, cwd and capabilities. The
 * process file and pid file live in scratchDir while the process runs.
 */
export async function startExec(
  runc: Runc,
  id: string,
  scratchDir: string,
  template: Record<string, unknown>,
  options: ExecOptions,
): Promise<ExecSession> {
  const base = join(scratchDir, `exec-${randomBytes(6).toString('hex')}`);
  const pidFile = `${base}.pid`;
  const processFile = `${base}.json`;
  const size = options.size ?? defaultSize;
  // consoleSize: runc sizes the terminal before the process starts, so its first look is right.
  const processSpec = {
    ...template,
    args: options.cmd,
    terminal: options.tty ?? false,
    ...(options.tty ? { consoleSize: { height: size.rows, width: size.columns } } : {}),
  };
  await writeFile(processFile, JSON.stringify(processSpec));
  const runcArgs = [...runc.globalArgs, 'exec', '--process', processFile, '--pid-file', pidFile, id];

  let child: ChildProcess;
  if (options.tty) {
    // raw -echo: until runc switches the relay terminal to raw itself, early input must not echo twice.
    const command = `stty rows ${size.rows} cols ${size.columns} raw -echo && exec ${[runc.path, ...runcArgs].map(shellQuote).join(' ')}`;
    child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, SHELL: '/bin/sh' },
    });
  } else {
    child = spawn(runc.path, runcArgs, { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  }

  const exitCode = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  }).finally(() => Promise.all([rm(pidFile, { force: true }), rm(processFile, { force: true })]));

  // Signals the process itself: killing runc would leave it running in the
  // container. runc writes the pid file once the process exists, so wait for it.
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    for (let attempt = 0; child.exitCode === null && child.signalCode === null; attempt++) {
      const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')) || '0', 10);
      if (pid > 0 || attempt >= pidFileWaits) {
        try {
          // Without a pid runc never got the process going: end runc instead.
          if (pid > 0) process.kill(pid, signal);
          else child.kill('SIGKILL');
        } catch {
          // already gone
        }
        return;
      }
      await sleep(10);
    }
  };
  const onAbort = () => {
    kill().catch(() => {});
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let terminalPath: string | undefined;
  const resize = async (size: TerminalSize) => {
    if (!options.tty || child.pid === undefined) return;
    terminalPath ??= await relayTerminal(child.pid);
    await runChecked('stty', ['-F', terminalPath, 'rows', String(size.rows), 'cols', String(size.columns)]);
  };

  return {
    stdin: options.stdin && child.stdin ? child.stdin : null,
    stdout: child.stdout as Readable,
    stderr: options.tty ? null : (child.stderr as Readable),
    exitCode,
    resize,
    kill,
  };
}

/** The terminal script gave runc: fd 0 of script's only child. */
async function relayTerminal(scriptPid: number): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const [pid] = await childPids(scriptPid);
    if (pid !== undefined) return readlink(`/proc/${pid}/fd/0`);
    await sleep(10);
  }
  throw new Error('exec terminal is not ready');
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
