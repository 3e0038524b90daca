// A pod's containers: each joins its sandbox's namespaces, runs under its own
// conmon, and keeps its record in <stateDir>/containers/<id>/.
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errors } from '../../api/status.ts';
import type {
  ContainerConfig,
  ContainerFilter,
  ContainerState,
  ContainerStatus,
  ExecOptions,
  ExecSession,
} from '../types.ts';
import { resolveCapabilities } from './capabilities.ts';
import { startExec } from './exec.ts';
import { isValidId, monitorFiles, readJsonIfExists, writeJsonAtomic } from './layout.ts';
import {
  type Context,
  createMonitored,
  deleteMonitored,
  observe,
  observeAll,
  startMonitored,
  stopMonitored,
} from './lifecycle.ts';
import {
  type ContainerRecord,
  containerRecordFile,
  labelsMatch,
  readContainerRecord,
  readSandboxRecord,
} from './records.ts';
import type { RuncState } from './runc.ts';
import { containerSpec, type OciSpec, type SandboxView } from './spec.ts';

const notFound = (id: string) => errors.notFound({ resource: 'containers', name: id });

export async function createContainer(ctx: Context, config: ContainerConfig): Promise<void> {
  if (!isValidId(config.id)) throw errors.badRequest(`invalid container id "${config.id}"`);
  const sandbox = await readSandboxRecord(ctx.layout, config.sandboxId);
  if (!sandbox) throw errors.notFound({ resource: 'sandboxes', name: config.sandboxId });
  const infra = await observe(ctx, sandbox.id, monitorFiles(ctx.layout.sandboxDir(sandbox.id)));
  if (infra.kind !== 'running') throw errors.badRequest(`sandbox ${sandbox.id} is not ready`);

  const dir = ctx.layout.containerDir(config.id);
  await mkdir(ctx.layout.containersDir, { recursive: true });
  try {
    await mkdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw errors.alreadyExists({ resource: 'containers', name: config.id });
    }
    throw e;
  }
  const record: ContainerRecord = {
    config,
    createdAt: ctx.clock.now().toISOString(),
    podCgroup: sandbox.podCgroup,
  };
  try {
    await writeJsonAtomic(containerRecordFile(ctx.layout, config.id), record);
    await mkdir(dirname(config.logPath), { recursive: true });
    const sandboxDir = ctx.layout.sandboxDir(sandbox.id);
    const view: SandboxView = {
      infraPid: infra.pid,
      network: sandbox.network,
      hostIPC: sandbox.hostIPC,
      pidMode: sandbox.pidMode,
      hostname: sandbox.hostname,
      hostnamePath: join(sandboxDir, 'hostname'),
      hostsPath: sandbox.hostsPath,
      resolvConfPath: sandbox.resolvConfPath,
      shmPath: sandbox.hostIPC ? '/dev/shm' : join(sandboxDir, 'shm'),
    };
    const caps = resolveCapabilities(
      config.capabilities,
      config.privileged ?? false,
      await ctx.availableCapabilities(),
    );
    const spec = containerSpec(config, view, join(sandbox.podCgroup, config.id), caps);
    await createMonitored(ctx, {
      id: config.id,
      files: monitorFiles(dir),
      spec,
      logPath: config.logPath,
      tty: config.tty ?? false,
      stdin: config.stdin ?? false,
      leaveStdinOpen: (config.stdin ?? false) && !(config.stdinOnce ?? false),
      podCgroup: sandbox.podCgroup,
    });
  } catch (e) {
    await removeContainer(ctx, config.id).catch((cleanup: unknown) =>
      ctx.logger.warn('cleanup after failed create', { id: config.id, error: cleanup }),
    );
    throw e;
  }
}

export async function startContainer(ctx: Context, id: string): Promise<void> {
  await recordOf(ctx, id);
  await startMonitored(ctx, id, monitorFiles(ctx.layout.containerDir(id)));
}

export async function stopContainer(
  ctx: Context,
  id: string,
  gracePeriodSeconds: number,
  abort?: AbortSignal,
): Promise<void> {
  const record = await recordOf(ctx, id);
  const files = monitorFiles(ctx.layout.containerDir(id));
  await stopMonitored(ctx, id, files, record.config.stopSignal ?? 'TERM', gracePeriodSeconds * 1000, abort);
}

export async function removeContainer(
  ctx: Context,
  id: string,
  options: { removeLogs?: boolean } = {},
): Promise<void> {
  const dir = ctx.layout.containerDir(id);
  const record = await readContainerRecord(ctx.layout, id);
  await deleteMonitored(ctx, id, monitorFiles(dir));
  await rm(dir, { recursive: true, force: true });
  ctx.containerRecords.forget(id);
  ctx.monitorFacts.forget(dir);
  if (record && options.removeLogs) {
    await rm(record.config.logPath, { force: true });
    // The per-container log directory goes too once nothing else is in it.
    await rmdir(dirname(record.config.logPath)).catch(() => {});
  }
}

export async function containerStatus(
  ctx: Context,
  id: string,
  known?: RuncState | null,
): Promise<ContainerStatus> {
  return statusOf(ctx, await recordOf(ctx, id), known);
}

export async function listContainers(ctx: Context, filter: ContainerFilter = {}): Promise<ContainerStatus[]> {
  const records = (await ctx.containerRecords.list()).filter(
    (r) =>
      (filter.sandboxId === undefined || r.config.sandboxId === filter.sandboxId) &&
      labelsMatch(r.config.labels, filter.labels),
  );
  const states = await observeAll(
    ctx,
    records.map((r) => ({ id: r.config.id, files: monitorFiles(ctx.layout.containerDir(r.config.id)) })),
  );
  return records.map((r, i) => statusFrom(r, states[i]));
}

export async function execInContainer(ctx: Context, id: string, options: ExecOptions): Promise<ExecSession> {
  const record = await recordOf(ctx, id);
  const state = await observe(ctx, id, monitorFiles(ctx.layout.containerDir(id)));
  if (state.kind !== 'running') throw errors.badRequest(`container ${id} is not running`);
  const dir = ctx.layout.containerDir(id);
  const spec = await readJsonIfExists<OciSpec>(join(dir, 'config.json'));
  if (!spec) throw errors.badRequest(`container ${id} has no bundle`);
  return startExec(ctx.runc, record.config.id, dir, spec.process, options);
}

async function recordOf(ctx: Context, id: string): Promise<ContainerRecord> {
  const record = await readContainerRecord(ctx.layout, id);
  if (!record) throw notFound(id);
  return record;
}

async function statusOf(
  ctx: Context,
  record: ContainerRecord,
  known?: RuncState | null,
): Promise<ContainerStatus> {
  const state = await observe(
    ctx,
    record.config.id,
    monitorFiles(ctx.layout.containerDir(record.config.id)),
    known,
  );
  return statusFrom(record, state);
}

function statusFrom(record: ContainerRecord, state: ContainerState): ContainerStatus {
  const c = record.config;
  return {
    id: c.id,
    sandboxId: c.sandboxId,
    name: c.name,
    attempt: c.attempt ?? 0,
    image: c.image ?? '',
    createdAt: new Date(record.createdAt),
    logPath: c.logPath,
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    state,
  };
}
