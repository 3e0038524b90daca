// The OCI runtime: runc (or crun) under one conmon per container. It keeps no
// state in memory, so any number of instances over the same state directory
// agree, and a restarted agent simply builds a new one.
import { basename, join } from 'node:path';
import { type Clock, systemClock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import type {
  AttachOptions,
  AttachSession,
  ContainerConfig,
  ContainerFilter,
  ContainerStatus,
  ExecOptions,
  ExecSession,
  Runtime,
  RuntimeVersion,
  SandboxConfig,
  SandboxFilter,
  SandboxStatus,
} from '../types.ts';
import { attachToContainer, defaultAttachRelayPath } from './attach.ts';
import { allCapabilities } from './capabilities.ts';
import { type CgroupMount, cgroupMounts } from './cgroups.ts';
import * as containers from './containers.ts';
import { HelperLauncher, type Launcher } from './launcher.ts';
import { StateLayout } from './layout.ts';
import type { Context } from './lifecycle.ts';
import { MonitorFacts } from './monitor-facts.ts';
import { boundingCapabilities } from './proc.ts';
import { containerRecordCache, sandboxRecordCache } from './records.ts';
import { Runc } from './runc.ts';
import * as sandboxes from './sandboxes.ts';

export interface OciRuntimeOptions {
  /** Everything the runtime keeps, e.g. <dataDir>/runtime. */
  stateDir: string;
  /** The OCI runtime binary: runc by default; crun works where the cgroup layout suits it. */
  runtimePath?: string;
  /** The OCI runtime's own state root; default <stateDir>/<runtime binary name>. */
  runtimeRoot?: string;
  conmonPath?: string;
  catatonitPath?: string;
  /** Parent of all pod cgroups, relative to each hierarchy's root. */
  cgroupParent?: string;
  /** Per-container log size at which conmon truncates (rotation proper is the agent's). */
  logSizeMax?: number;
  /** Longest a container creation may take. */
  createTimeoutMs?: number;
  /**
   * Where runc, conmon and mount are started from: by default a small helper
   * process (see launcher.ts); inProcessLauncher starts them from this one.
   */
  launcher?: Launcher;
  /** The attach relay program (attach-relay.c); default: where scripts/build.sh puts it. */
  attachRelayPath?: string;
  logger: Logger;
  clock?: Clock;
}

export class OciRuntime implements Runtime {
  readonly #ctx: Context;
  readonly #attachRelayPath: string;

  constructor(options: OciRuntimeOptions) {
    const runtimePath = options.runtimePath ?? '/usr/sbin/runc';
    let capabilities: Promise<ReadonlySet<string>> | undefined;
    let cgroupHierarchies: Promise<CgroupMount[]> | undefined;
    const layout = new StateLayout(options.stateDir);
    const launcher = options.launcher ?? new HelperLauncher();
    this.#attachRelayPath = options.attachRelayPath ?? defaultAttachRelayPath();
    this.#ctx = {
      layout,
      launcher,
      sandboxRecords: sandboxRecordCache(layout),
      monitorFacts: new MonitorFacts(),
      containerRecords: containerRecordCache(layout),
      runc: new Runc(
        runtimePath,
        options.runtimeRoot ?? join(options.stateDir, basename(runtimePath)),
        launcher,
      ),
      conmonPath: options.conmonPath ?? '/usr/bin/conmon',
      catatonitPath: options.catatonitPath ?? '/usr/bin/catatonit',
      cgroupParent: options.cgroupParent ?? '/orca',
      logSizeMax: options.logSizeMax,
      createTimeoutMs: options.createTimeoutMs ?? 60_000,
      logger: options.logger,
      clock: options.clock ?? systemClock,
      availableCapabilities: () => {
        capabilities ??= boundingCapabilities(allCapabilities);
        return capabilities;
      },
      cgroupMounts: () => {
        cgroupHierarchies ??= cgroupMounts().catch((err: unknown) => {
          cgroupHierarchies = undefined;
          throw err;
        });
        return cgroupHierarchies;
      },
    };
  }

  async version(): Promise<RuntimeVersion> {
    return { name: basename(this.#ctx.runc.path), version: await this.#ctx.runc.version() };
  }

  createSandbox(config: SandboxConfig): Promise<string> {
    return sandboxes.createSandbox(this.#ctx, config);
  }
  stopSandbox(id: string): Promise<void> {
    return sandboxes.stopSandbox(this.#ctx, id);
  }
  removeSandbox(id: string): Promise<void> {
    return sandboxes.removeSandbox(this.#ctx, id);
  }
  sandboxStatus(id: string): Promise<SandboxStatus> {
    return sandboxes.sandboxStatus(this.#ctx, id);
  }
  listSandboxes(filter?: SandboxFilter): Promise<SandboxStatus[]> {
    return sandboxes.listSandboxes(this.#ctx, filter);
  }

  createContainer(config: ContainerConfig): Promise<void> {
    return containers.createContainer(this.#ctx, config);
  }
  startContainer(id: string): Promise<void> {
    return containers.startContainer(this.#ctx, id);
  }
  stopContainer(id: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<void> {
    return containers.stopContainer(this.#ctx, id, gracePeriodSeconds, signal);
  }
  removeContainer(id: string, options?: { removeLogs?: boolean }): Promise<void> {
    return containers.removeContainer(this.#ctx, id, options);
  }
  containerStatus(id: string): Promise<ContainerStatus> {
    return containers.containerStatus(this.#ctx, id);
  }
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]> {
    return containers.listContainers(this.#ctx, filter);
  }
  exec(id: string, options: ExecOptions): Promise<ExecSession> {
    return containers.execInContainer(this.#ctx, id, options);
  }
  attach(id: string, options?: AttachOptions): Promise<AttachSession> {
    return attachToContainer(this.#ctx, this.#attachRelayPath, id, options);
  }
}
