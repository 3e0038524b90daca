// TEST HARNESS ONLY — never shipped. A PodStreams whose "containers" are
// plain local processes, log files the test writes, and TCP servers on
// loopback, so the stream protocols can be driven by the real kubectl before
// the node agent runs real pods. Every process it starts is killed by close().
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { type Duplex, PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type {
  AttachOptions,
  ContainerLog,
  ContainerStreams,
  ExecOptions,
  ExecSession,
  PodStreams,
  TerminalSize,
} from '../../src/streams/index.ts';

const execFileP = promisify(execFile);

export interface LocalContainer {
  /** exec/attach refuse a container that is not running, as the kubelet does. */
  running: boolean;
  log?: ContainerLog;
  previousLog?: ContainerLog;
  /** The container's own process, for attach: started on first attach. */
  mainCommand?: string[];
}

export interface LocalPodOptions {
  containers: Record<string, LocalContainer>;
  /** Pod port → port of a TCP server on 127.0.0.1. */
  ports?: Record<number, number>;
}

export interface LocalPod extends PodStreams {
  /** Kills every process started for this pod. */
  close(): Promise<void>;
}

export function localPodStreams(opts: LocalPodOptions): LocalPod {
  const children = new Set<ChildProcess>();
  const mains = new Map<string, ChildProcess>();
  const track = (c: ChildProcess) => {
    children.add(c);
    c.once('exit', () => children.delete(c));
    c.once('error', () => children.delete(c)); // never started (e.g. ENOENT): there is no 'exit'
    return c;
  };
  const notRunning = (name: string) => new Error(`container not found ("${name}")`);

  const container = (name: string): ContainerStreams | undefined => {
    const c = opts.containers[name];
    if (!c) return undefined;
    return {
      async exec(o) {
        if (!c.running) throw notRunning(name);
        return o.tty ? ttyExec(o, track) : pipeExec(o, track);
      },
      async attach(o) {
        if (!c.running || !c.mainCommand) throw notRunning(name);
        let main = mains.get(name);
        if (!main || main.exitCode !== null) {
          main = track(spawn(c.mainCommand[0], c.mainCommand.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }));
          mains.set(name, main);
        }
        return attachTo(main, o);
      },
      async log({ previous }) {
        const l = previous ? c.previousLog : c.log;
        if (!l) throw new Error(`no ${previous ? 'previous ' : ''}log for ${name}`);
        return l;
      },
    };
  };

  return {
    container,
    portForward(port: number): Promise<Duplex> {
      const local = opts.ports?.[port];
      if (!local) {
        return Promise.reject(new Error(`dial tcp4 127.0.0.1:${port}: connect: connection refused`));
      }
      return new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: local, allowHalfOpen: true });
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      });
    },
    async close() {
      for (const c of children) c.kill('SIGKILL');
      while (children.size > 0) await sleep(10);
    },
  };
}

function exitCodeOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ENOENT' ? 127 : e.code === 'EACCES' ? 126 : 1),
    );
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
  });
}

function pipeExec(o: ExecOptions, track: (c: ChildProcess) => ChildProcess): ExecSession {
  const child = track(
    spawn(o.command[0], o.command.slice(1), { stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }),
  );
  return {
    stdin: child.stdin,
    stdout: child.stdout!,
    stderr: child.stderr,
    exitCode: exitCodeOf(child),
    resize() {},
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** A terminal the way the runtime makes one: util-linux `script` gives the command a pty and relays it. */
function ttyExec(o: ExecOptions, track: (c: ChildProcess) => ChildProcess): ExecSession {
  const quoted = o.command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = track(
    spawn(
      'script',
      ['--quiet', '--return', '--command', `stty rows 24 cols 80; exec ${quoted}`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
        env: { ...process.env, SHELL: '/bin/sh', PS1: '$ ', TERM: 'xterm' },
      },
    ),
  );
  let terminal: string | undefined;
  return {
    stdin: child.stdin,
    stdout: child.stdout!,
    stderr: null,
    exitCode: exitCodeOf(child),
    async resize(size: TerminalSize) {
      terminal ??= await ptyOf(child.pid!);
      await execFileP('stty', ['-F', terminal, 'rows', String(size.rows), 'cols', String(size.columns)]);
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

/** The pty `script` made: fd 0 of its only child. */
async function ptyOf(scriptPid: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const children = await readFile(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').catch(() => '');
    const pid = children.trim().split(/\s+/)[0];
    if (pid) return readlink(`/proc/${pid}/fd/0`);
    await sleep(10);
  }
  throw new Error('no terminal yet');
}

function attachTo(main: ChildProcess, o: AttachOptions): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const onOut = (d: Buffer) => stdout.write(d);
  const onErr = (d: Buffer) => stderr.write(d);
  main.stdout!.on('data', onOut);
  main.stderr!.on('data', onErr);
  let detach!: () => void;
  const exitCode = new Promise<number>((resolve) => {
    const done = () => {
      main.stdout!.off('data', onOut);
      main.stderr!.off('data', onErr);
      stdout.end();
      stderr.end();
      resolve(0);
    };
    detach = done;
    main.once('close', done);
  });
  // The client's stdin EOF does not close the container's stdin (no stdinOnce here).
  const stdin = new PassThrough();
  stdin.on('data', (d) => main.stdin!.write(d));
  return {
    stdin: o.stdin ? stdin : null,
    stdout,
    stderr: o.tty ? null : stderr,
    exitCode,
    resize() {},
    kill: () => detach(),
  };
}
