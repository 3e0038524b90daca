// A real `bin/orca server` process for the benchmark (own temp data dir, free
// port, --disable-agent), on SQLite or on a throwaway etcd, plus the things
// the benchmark reads from outside: its log lines and its resident memory.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Credentials, credentialsFrom } from '../../test/helpers/api.ts';
import { startEtcd } from '../../test/helpers/etcd.ts';
import { orcaBin } from '../../test/helpers/orca.ts';

export type Datastore = 'sqlite' | 'etcd';

export interface ServerOptions {
  datastore: Datastore;
  extraArgs?: string[];
  /** Extra environment, e.g. NODE_OPTIONS for --cpu-prof. */
  env?: Record<string, string>;
  /** Time the server gets to exit after SIGTERM (a CPU profile takes a while to write). */
  stopGraceMs?: number;
}

export interface LogEntry {
  msg?: string;
  ts?: string;
  [field: string]: unknown;
}

export interface BenchServer {
  /** PID of the server's node process (bin/orca execs node, so it is the spawned PID). */
  pid: number;
  credentials: Credentials;
  /** Calls `listener` with every JSON log line from now on; returns an unsubscribe. */
  onLog(listener: (entry: LogEntry) => void): () => void;
  /** The last few KiB of output, for error messages. */
  tail(): string;
  stop(): Promise<void>;
}

const STARTUP_MS = 30_000;
const TAIL_CHARS = 8_000;

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const etcd = options.datastore === 'etcd' ? await startEtcd() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'orca-bench-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const args = [
    'server',
    '--data-dir',
    join(dir, 'data'),
    '--listen',
    '127.0.0.1:0',
    '--write-kubeconfig',
    kubeconfig,
    '--disable-agent',
    ...(etcd ? ['--datastore-endpoint', etcd.endpoint] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(orcaBin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let tail = '';
  let partial = '';
  const listeners = new Set<(entry: LogEntry) => void>();
  const onOutput = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-TAIL_CHARS);
    partial += text;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
      if (!line.startsWith('{') || listeners.size === 0) continue;
      try {
        const entry = JSON.parse(line) as LogEntry;
        for (const l of listeners) l(entry);
      } catch {
        // not a log entry
      }
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  const kill = async () => {
    try {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const grace = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 5_000);
        await exited;
        clearTimeout(grace);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await etcd?.stop();
    }
  };

  let stopping: Promise<void> | undefined;
  // Every caller gets the same promise, so a second stop() waits for the first.
  const stop = () => {
    stopping ??= kill();
    return stopping;
  };

  try {
    const deadline = Date.now() + STARTUP_MS;
    while (!existsSync(kubeconfig)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`orca server did not start:\n${tail}`);
      await sleep(20);
    }
    const pid = child.pid!;
    assertNodeProcess(pid);
    return {
      pid,
      credentials: credentialsFrom(kubeconfig),
      onLog(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      tail: () => tail,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** bin/orca is a bash script that execs node: by now the spawned PID must be node running orca's main module. */
function assertNodeProcess(pid: number): void {
  const exe = basename(readlinkSync(`/proc/${pid}/exe`));
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  if (exe !== 'node' || !cmdline.some((a) => /(src\/cli\/main\.ts|dist\/cli\/main\.js)$/.test(a))) {
    throw new Error(`PID ${pid} is ${exe} (${cmdline.join(' ')}), not the orca node process`);
  }
}

/** Resident set size of a process, in bytes (VmRSS of /proc/PID/status). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for PID ${pid}`);
  return Number(m[1]) * 1024;
}
