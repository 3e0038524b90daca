// conmon as the per-container monitor (containerd's shim role): it runs
// `runc create`, becomes the container's parent (subreaper), copies stdout and
// stderr into a CRI-format log file and writes the exit code into the
// container's directory when the container ends. It detaches from us (double
// fork + setsid), so containers and their exit records outlive the agent.
//
// conmon speaks to its parent over two inherited descriptors, as Podman and
// CRI-O hand them over: it blocks on the start pipe (_OCI_STARTPIPE) until the
// parent has placed it in a cgroup, and reports the container's pid (or the
// runtime's error) as one JSON line on the sync pipe (_OCI_SYNCPIPE):
// {"data": <pid>} or {"data": -1, "message": "..."}. Without those descriptors
// it has nobody to report to and exits silently.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { cleanMessage } from './command.ts';
import { type MonitorFiles, readTextIfExists } from './layout.ts';
import { processAlive } from './proc.ts';

/** Plain data, so the launch can be handed to the launcher's helper process. */
export interface MonitorLaunch {
  conmonPath: string;
  /** The OCI runtime conmon runs, and the global arguments it passes it. */
  runtimePath: string;
  runtimeArgs: string[];
  id: string;
  /** The bundle (config.json) directory; conmon also keeps its files here. */
  files: MonitorFiles;
  logPath: string;
  socketsDir: string;
  tty: boolean;
  stdin: boolean;
  /**
   * Keep the container's stdin open when an attach client leaves (Kubernetes
   * stdinOnce false). Without it conmon closes stdin as soon as any attach
   * client leaves or ends its input.
   */
  leaveStdinOpen?: boolean;
  logSizeMax?: number;
  /** cgroup.procs files conmon's pid is written to while it waits on the start pipe. */
  cgroupProcs: string[];
  /** How long runc create may take before we give up and kill the monitor. */
  timeoutMs: number;
}

/** Starts conmon, which creates the container (state "created"); returns the container's init pid. */
export async function launchMonitor(l: MonitorLaunch): Promise<number> {
  const args = [
    '--api-version',
    '1',
    '--cid',
    l.id,
    '--cuuid',
    l.id,
    '--name',
    l.id,
    '--runtime',
    l.runtimePath,
    ...l.runtimeArgs.map((a) => `--runtime-arg=${a}`),
    '--bundle',
    l.files.dir,
    '--container-pidfile',
    l.files.pidFile,
    '--conmon-pidfile',
    l.files.conmonPidFile,
    '--persist-dir',
    l.files.dir,
    '--log-path',
    `k8s-file:${l.logPath}`,
    '--socket-dir-path',
    l.socketsDir,
    ...(l.tty ? ['--terminal'] : []),
    ...(l.stdin ? ['--stdin'] : []),
    ...(l.stdin && l.leaveStdinOpen ? ['--leave-stdin-open'] : []),
    ...(l.logSizeMax ? ['--log-size-max', String(l.logSizeMax)] : []),
  ];
  const child = spawn(l.conmonPath, args, {
    cwd: l.files.dir,
    // TZ=UTC: conmon stamps log lines in local time; UTC keeps them comparable across nodes.
    env: { ...process.env, TZ: 'UTC', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const sync = child.stdio[3] as Readable;
  const start = child.stdio[4] as Writable;
  // A conmon that dies early (bad arguments) closes these under us; the exit code tells why.
  sync.on('error', () => {});
  start.on('error', () => {});
  const stderr: Buffer[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));
  child.stdout?.resume();
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
  const deadline = AbortSignal.timeout(l.timeoutMs);
  // Listening from the start: once the first conmon exits, Node resumes its
  // unread pipes, and a report that arrived before that would be dropped
  // unheard (it happens when the daemon is quicker than our event loop).
  const reported = firstLine(sync, deadline);
  reported.catch(() => {});
  try {
    for (const procs of l.cgroupProcs) if (child.pid !== undefined) await writeFile(procs, String(child.pid));
    start.end('0');
    // The first conmon exits once it has forked the daemon that does the work.
    const code = await exited;
    if (code !== 0) throw new Error(`conmon exited ${code}: ${Buffer.concat(stderr).toString().trim()}`);
    const line = await reported;
    if (line === undefined) throw new Error('conmon ended without reporting the container');
    const report = JSON.parse(line) as { data: number; message?: string };
    if (report.data <= 0)
      throw new Error(`creating container: ${cleanMessage(report.message ?? 'unknown error')}`);
    return report.data;
  } catch (e) {
    // Before the start pipe is written conmon has not forked, so the child itself
    // must go: on EOF from the start pipe it would carry on and create the container.
    child.kill('SIGKILL');
    await killMonitor(l.files);
    throw deadline.aborted ? new Error(`creating container ${l.id} timed out after ${l.timeoutMs}ms`) : e;
  } finally {
    // conmon keeps its end for the container's lifetime; ours must not keep us alive.
    sync.destroy();
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}

function firstLine(stream: Readable, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (value: string | undefined, error?: Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl));
    };
    const onEnd = () => done(buf.trim() || undefined);
    const onAbort = () => done(undefined, new Error('timed out'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    signal.addEventListener('abort', onAbort);
  });
}

export interface MonitorExit {
  exitCode: number;
  finishedAt: Date;
  oomKilled: boolean;
}

/** The exit conmon recorded, or undefined while the container has not ended (or never ran under conmon). */
export async function readMonitorExit(files: MonitorFiles): Promise<MonitorExit | undefined> {
  const text = await readTextIfExists(files.exitFile);
  if (text === undefined || text.trim() === '') return undefined;
  const { mtime } = statSync(files.exitFile);
  const oomKilled = (await readTextIfExists(files.oomFile)) !== undefined;
  return { exitCode: Number.parseInt(text.trim(), 10), finishedAt: mtime, oomKilled };
}

export async function monitorPid(files: MonitorFiles): Promise<number | undefined> {
  const text = await readTextIfExists(files.conmonPidFile);
  const pid = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function monitorAlive(files: MonitorFiles): Promise<boolean> {
  const pid = await monitorPid(files);
  return pid !== undefined && (await processAlive(pid));
}

/** Used when creation fails half-way; conmon's `runc create` child dies with it (parent-death signal). */
async function killMonitor(files: MonitorFiles): Promise<void> {
  const pid = await monitorPid(files);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
