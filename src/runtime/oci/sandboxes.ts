// Pod sandboxes: an infra container (catatonit) that holds the pod's network,
// IPC and UTS namespaces (and PID, when shared) so containers can come and go
// around it, plus the pod's /dev/shm and /etc/hostname.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname as nodeHostname } from 'node:os';
import { join } from 'node:path';
import { errors } from '../../api/status.ts';
import type { ContainerState, SandboxConfig, SandboxFilter, SandboxStatus } from '../types.ts';
import { podCgroup, removePodCgroups } from './cgroups.ts';
import { removeContainer } from './containers.ts';
import { ensureInfraRootfs } from './infra-rootfs.ts';
import { isValidId, monitorFiles, writeJsonAtomic } from './layout.ts';
import {
  type Context,
  createMonitored,
  deleteMonitored,
  observe,
  observeAll,
  startMonitored,
  stopMonitored,
} from './lifecycle.ts';
import { mountTmpfs, unmountAll } from './mounts.ts';
import { labelsMatch, readSandboxRecord, type SandboxRecord, sandboxRecordFile } from './records.ts';
import type { RuncState } from './runc.ts';
import { sandboxSpec } from './spec.ts';

/** Same size limit Docker and containerd give /dev/shm. */
const shmOptions = ['nosuid', 'nodev', 'noexec', 'mode=1777', 'size=65536k'];

export async function createSandbox(ctx: Context, config: SandboxConfig): Promise<string> {
  if (!isValidId(config.podUid)) throw errors.badRequest(`invalid pod uid "${config.podUid}"`);
  const id = randomBytes(16).toString('hex');
  const dir = ctx.layout.sandboxDir(id);
  const hostNetwork = config.network.kind === 'host';
  const record: SandboxRecord = {
    id,
    podUid: config.podUid,
    name: config.name,
    namespace: config.namespace,
    attempt: config.attempt ?? 0,
    hostname: hostNetwork ? nodeHostname() : (config.hostname ?? config.name),
    network: config.network,
    hostIPC: config.hostIPC ?? false,
    pidMode: config.pidMode ?? 'container',
    hostsPath: config.hostsPath,
    resolvConfPath: config.resolvConfPath,
    labels: config.labels ?? {},
    annotations: config.annotations ?? {},
    createdAt: ctx.clock.now().toISOString(),
    podCgroup: podCgroup(ctx.cgroupParent, config.podUid),
  };
  await mkdir(dir, { recursive: true });
  // The record comes first: whatever happens next, a remove finds and undoes it.
  await writeJsonAtomic(sandboxRecordFile(ctx.layout, id), record);
  try {
    await ensureInfraRootfs(ctx.layout.infraRootfs, ctx.catatonitPath);
    await writeFile(join(dir, 'hostname'), `${record.hostname}\n`);
    // Only the pod's containers mount /dev/shm, so the infra container starts meanwhile.
    const shm = record.hostIPC
      ? Promise.resolve()
      : mkdir(join(dir, 'shm')).then(() => mountTmpfs(ctx.launcher, join(dir, 'shm'), shmOptions));
    const files = monitorFiles(dir);
    const spec = sandboxSpec({
      rootfs: ctx.layout.infraRootfs,
      hostname: record.hostname,
      network: record.network,
      hostIPC: record.hostIPC,
      pidMode: record.pidMode,
      cgroupsPath: join(record.podCgroup, id),
    });
    const infra = createMonitored(ctx, {
      id,
      files,
      spec,
      logPath: join(dir, 'infra.log'),
      tty: false,
      stdin: false,
      podCgroup: record.podCgroup,
    }).then(() => startMonitored(ctx, id, files));
    const [shmMounted, infraStarted] = await Promise.allSettled([shm, infra]);
    if (infraStarted.status === 'rejected') throw infraStarted.reason;
    if (shmMounted.status === 'rejected') throw shmMounted.reason;
  } catch (e) {
    await removeSandbox(ctx, id).catch((cleanup: unknown) =>
      ctx.logger.warn('cleanup after failed sandbox create', { id, error: cleanup }),
    );
    throw e;
  }
  return id;
}

/** Kills the sandbox's containers and its infra container, and frees its /dev/shm. */
export async function stopSandbox(ctx: Context, id: string): Promise<void> {
  await recordOf(ctx, id);
  const containers = (await ctx.containerRecords.list()).filter((c) => c.config.sandboxId === id);
  await Promise.all(
    containers.map((c) =>
      stopMonitored(ctx, c.config.id, monitorFiles(ctx.layout.containerDir(c.config.id)), 'KILL', 0),
    ),
  );
  await stopMonitored(ctx, id, monitorFiles(ctx.layout.sandboxDir(id)), 'KILL', 0);
  await unmountAll(ctx.launcher, join(ctx.layout.sandboxDir(id), 'shm'));
}

export async function removeSandbox(ctx: Context, id: string): Promise<void> {
  const record = await readSandboxRecord(ctx.layout, id);
  if (!record) return;
  const dir = ctx.layout.sandboxDir(id);
  const containers = (await ctx.containerRecords.list()).filter((c) => c.config.sandboxId === id);
  await Promise.all(containers.map((c) => removeContainer(ctx, c.config.id)));
  await deleteMonitored(ctx, id, monitorFiles(dir));
  await unmountAll(ctx.launcher, join(dir, 'shm'));
  // A pod's next sandbox (a higher attempt) may already share the pod cgroup.
  const others = (await ctx.sandboxRecords.list()).filter(
    (s) => s.id !== id && s.podCgroup === record.podCgroup,
  );
  if (others.length === 0) await removePodCgroups(record.podCgroup, await ctx.cgroupMounts());
  // The record goes last, so a remove that failed half-way can be repeated.
  await rm(dir, { recursive: true, force: true });
  ctx.sandboxRecords.forget(id);
  ctx.monitorFacts.forget(dir);
}

export async function sandboxStatus(
  ctx: Context,
  id: string,
  known?: RuncState | null,
): Promise<SandboxStatus> {
  return statusOf(ctx, await recordOf(ctx, id), known);
}

export async function listSandboxes(ctx: Context, filter: SandboxFilter = {}): Promise<SandboxStatus[]> {
  const records = (await ctx.sandboxRecords.list()).filter(
    (r) =>
      (filter.podUid === undefined || r.podUid === filter.podUid) && labelsMatch(r.labels, filter.labels),
  );
  const states = await observeAll(
    ctx,
    records.map((r) => ({ id: r.id, files: monitorFiles(ctx.layout.sandboxDir(r.id)) })),
  );
  return records.map((r, i) => statusFrom(r, states[i]));
}

async function recordOf(ctx: Context, id: string): Promise<SandboxRecord> {
  const record = await readSandboxRecord(ctx.layout, id);
  if (!record) throw errors.notFound({ resource: 'sandboxes', name: id });
  return record;
}

async function statusOf(ctx: Context, r: SandboxRecord, known?: RuncState | null): Promise<SandboxStatus> {
  return statusFrom(r, await observe(ctx, r.id, monitorFiles(ctx.layout.sandboxDir(r.id)), known));
}

function statusFrom(r: SandboxRecord, infra: ContainerState): SandboxStatus {
  return {
    id: r.id,
    podUid: r.podUid,
    name: r.name,
    namespace: r.namespace,
    attempt: r.attempt,
    hostname: r.hostname,
    network: r.network,
    createdAt: new Date(r.createdAt),
    labels: r.labels,
    annotations: r.annotations,
    state: infra.kind === 'running' ? { kind: 'ready', pid: infra.pid } : { kind: 'notReady' },
  };
}
