// One OCI container under a conmon monitor, from creation to deletion. Both a
// sandbox's infra container and the pod's containers live this way; their
// state is always derived afresh from runc, conmon's files and ours.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type { ContainerState } from '../types.ts';
import { type CgroupMount, monitorCgroupProcs } from './cgroups.ts';
import type { Launcher } from './launcher.ts';
import { type MonitorFiles, type StateLayout, writeFileAtomic, writeJsonAtomic } from './layout.ts';
import { monitorAlive, readMonitorExit } from './monitor.ts';
import { type MonitorFacts, readPid } from './monitor-facts.ts';
import type { ContainerRecord, RecordCache, SandboxRecord } from './records.ts';
import type { Runc, RuncState } from './runc.ts';
import type { OciSpec } from './spec.ts';

export interface Context {
  layout: StateLayout;
  /** Starts runc, conmon and mount (see launcher.ts). */
  launcher: Launcher;
  sandboxRecords: RecordCache<SandboxRecord>;
  containerRecords: RecordCache<ContainerRecord>;
  runc: Runc;
  conmonPath: string;
  catatonitPath: string;
  cgroupParent: string;
  logSizeMax?: number;
  createTimeoutMs: number;
  logger: Logger;
  clock: Clock;
  /** Capabilities we hold and so may grant. */
  availableCapabilities(): Promise<ReadonlySet<string>>;
  /** The host's cgroup hierarchies, read once. */
  cgroupMounts(): Promise<CgroupMount[]>;
  monitorFacts: MonitorFacts;
}

/** How long conmon may take to record an exit after runc saw the container stop. */
const exitRecordMs = 2000;
/** After SIGKILL a container is gone within moments; waiting longer means something is wrong. */
const killWaitMs = 10000;
const pollMs = 20;

export interface CreateRequest {
  id: string;
  files: MonitorFiles;
  spec: OciSpec;
  logPath: string;
  tty: boolean;
  stdin: boolean;
  /** Keep stdin open when an attach client leaves (Kubernetes stdinOnce false). */
  leaveStdinOpen?: boolean;
  /** The pod's cgroup, where the monitor is placed. */
  podCgroup: string;
}

/** Writes the bundle and has conmon create the container; returns the init pid. */
export async function createMonitored(ctx: Context, req: CreateRequest): Promise<number> {
  await mkdir(ctx.layout.socketsDir, { recursive: true });
  await writeJsonAtomic(join(req.files.dir, 'config.json'), req.spec);
  return ctx.launcher.monitor({
    conmonPath: ctx.conmonPath,
    runtimePath: ctx.runc.path,
    runtimeArgs: ctx.runc.globalArgs,
    id: req.id,
    files: req.files,
    logPath: req.logPath,
    socketsDir: ctx.layout.socketsDir,
    tty: req.tty,
    stdin: req.stdin,
    leaveStdinOpen: req.leaveStdinOpen,
    logSizeMax: ctx.logSizeMax,
    cgroupProcs: await monitorCgroupProcs(req.podCgroup, await ctx.cgroupMounts()),
    timeoutMs: ctx.createTimeoutMs,
  });
}

export async function startMonitored(ctx: Context, id: string, files: MonitorFiles): Promise<void> {
  // Taken before the start: a quick container may have ended by the time runc returns.
  const startedAt = ctx.clock.now();
  await ctx.runc.start(id, await readPid(files.pidFile));
  await writeFileAtomic(files.startedFile, startedAt.toISOString());
}

/**
 * The container's state from conmon's exit record, runc's view and our start
 * time. `known` is runc's state when the caller already listed them all;
 * without it runc is asked only when the files cannot tell (see MonitorFacts).
 */
export async function observe(
  ctx: Context,
  id: string,
  files: MonitorFiles,
  known?: RuncState | null,
): Promise<ContainerState> {
  const read = await ctx.monitorFacts.observe(files, known === undefined);
  if (read.state) return read.state;
  const { startedAt } = read;
  const runcState = known === undefined ? await ctx.runc.state(id) : (known ?? undefined);
  if (!runcState)
    return { kind: 'unknown', message: 'the OCI runtime has no such container and no exit was recorded' };
  switch (runcState.status) {
    case 'creating':
    case 'created':
      return { kind: 'created' };
    case 'running':
    case 'paused':
      return { kind: 'running', pid: runcState.pid, startedAt: startedAt ?? runcState.created };
    case 'stopped':
      // conmon writes the exit record after draining the container's output.
      if ((await waitForExit(ctx, id, files, exitRecordMs)) && (await readMonitorExit(files))) {
        return observe(ctx, id, files, runcState);
      }
      return { kind: 'unknown', message: 'the container stopped but its monitor recorded no exit code' };
  }
}

/**
 * Beyond this many containers one `runc list` is cheaper than looking at
 * each one's processes (a few files apiece).
 */
const filesOnlyUpTo = 16;

/**
 * The states of many containers at once: a pod's few from their files where
 * those suffice, with one shared `runc list` for the rest; a whole node's
 * from one `runc list`.
 */
export async function observeAll(
  ctx: Context,
  targets: readonly { id: string; files: MonitorFiles }[],
): Promise<ContainerState[]> {
  if (targets.length > filesOnlyUpTo) {
    const states = await ctx.runc.list();
    return Promise.all(targets.map((t) => observe(ctx, t.id, t.files, states.get(t.id) ?? null)));
  }
  const read = await Promise.all(targets.map((t) => ctx.monitorFacts.observe(t.files, true)));
  if (read.every((r) => r.state !== undefined)) return read.map((r) => r.state!);
  const states = await ctx.runc.list();
  return Promise.all(
    targets.map((t, i) => read[i].state ?? observe(ctx, t.id, t.files, states.get(t.id) ?? null)),
  );
}

/**
 * Sends stopSignal, waits up to graceMs (aborting cuts the wait short), then
 * kills everything in the container's cgroup and waits for the exit record.
 */
export async function stopMonitored(
  ctx: Context,
  id: string,
  files: MonitorFiles,
  stopSignal: string,
  graceMs: number,
  abort?: AbortSignal,
): Promise<void> {
  const state = await observe(ctx, id, files);
  if (state.kind === 'exited') return;
  if (state.kind === 'running' && graceMs > 0 && !abort?.aborted) {
    await ctx.runc.kill(id, stopSignal);
    if (await waitForExit(ctx, id, files, graceMs, abort)) return;
  }
  await ctx.runc.kill(id, 'KILL', true);
  if (!(await waitForExit(ctx, id, files, killWaitMs))) {
    throw new Error(`container ${id} did not exit after SIGKILL`);
  }
}

/** Kills if needed and deletes the runtime's container; our files stay for the caller to remove. */
export async function deleteMonitored(ctx: Context, id: string, files: MonitorFiles): Promise<void> {
  await stopMonitored(ctx, id, files, 'KILL', 0);
  await ctx.runc.delete(id);
  // conmon's link to its attach socket; it unlinks it itself unless it was killed.
  await rm(join(ctx.layout.socketsDir, id), { force: true });
}

/** True once the container has ended; false when time runs out or the wait is aborted. */
async function waitForExit(
  ctx: Context,
  id: string,
  files: MonitorFiles,
  ms: number,
  abort?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await hasEnded(ctx, id, files)) return true;
    if (Date.now() >= deadline || abort?.aborted) return false;
    await sleep(pollMs);
  }
}

async function hasEnded(ctx: Context, id: string, files: MonitorFiles): Promise<boolean> {
  if (await readMonitorExit(files)) return true;
  if (await monitorAlive(files)) return false;
  // No monitor is left to record an exit (it was killed): ask the OCI runtime.
  const state = await ctx.runc.state(id);
  return state === undefined || state.status === 'stopped';
}
