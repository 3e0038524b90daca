// Prepares, refreshes and removes the volumes of the pods on this node.
// Everything it knows is on disk and in the mount table, so it holds no
// state between calls and a restarted agent picks up where the last one
// stopped. Calls for one pod run one at a time; different pods in parallel.

import { rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import type { Client } from '../../client/types.ts';
import type { Mount } from '../../runtime/types.ts';
import type { Logger } from '../../util/log.ts';
import { type ConfigSource, clientConfigSource, memoized } from '../config-sources.ts';
import { containerMounts, type PodVolumes } from './container-mounts.ts';
import { type VolumeFailure, VolumeSetupError } from './errors.ts';
import { mountsUnder, unmount } from './mount-table.ts';
import { podVolumesDir } from './paths.ts';
import {
  isVolumePublished,
  projectedKind,
  publishVolume,
  type SourceContext,
  setUpVolume,
} from './volume-sources.ts';

export interface VolumeManagerOptions {
  /** <dataDir>/pods: each pod's volumes go under <podsDir>/<uid>/volumes. */
  podsDir: string;
  client: Client;
  logger: Logger;
  /** Node allocatable (cpu, memory): sizes memory volumes and fills unset limits in downwardAPI files. */
  nodeAllocatable?: () => Record<string, string>;
  /** Where ConfigMaps and Secrets are read; defaults to the client (a cache can stand in). */
  configSource?: ConfigSource;
}

export interface RefreshResult {
  /** Volumes whose files changed. */
  updated: string[];
  /** Volumes that could not be rendered; their previous files stay. */
  failures: VolumeFailure[];
}

const machineAllocatable = (): Record<string, string> => ({
  cpu: String(cpus().length),
  memory: String(totalmem()),
});

export class VolumeManager {
  private readonly o: VolumeManagerOptions;
  private readonly source: ConfigSource;
  private readonly busy = new Map<string, Promise<void>>();

  constructor(o: VolumeManagerOptions) {
    this.o = o;
    this.source = o.configSource ?? clientConfigSource(o.client);
  }

  /**
   * Makes every volume of the pod ready and says where each is on the node.
   * All volumes are tried; if any failed, throws VolumeSetupError naming
   * each failure (the others stay ready for the next attempt).
   */
  setUp(pod: KubeObject, signal: AbortSignal): Promise<PodVolumes> {
    const p = pod as V1Pod;
    return this.exclusive(uidOf(p), async () => {
      const ctx = this.context(p, signal);
      const out: PodVolumes = new Map();
      const failures: VolumeFailure[] = [];
      for (const v of (p.spec?.volumes ?? []) as V1Volume[]) {
        signal.throwIfAborted();
        try {
          out.set(v.name, await setUpVolume(v, ctx));
        } catch (err) {
          signal.throwIfAborted();
          failures.push({ volume: v.name, message: (err as Error).message });
        }
      }
      if (failures.length) throw new VolumeSetupError(failures);
      return out;
    });
  }

  /** Renders configMap, secret, downwardAPI and projected volumes again where their sources changed. */
  refresh(pod: KubeObject, signal: AbortSignal): Promise<RefreshResult> {
    const p = pod as V1Pod;
    return this.exclusive(uidOf(p), async () => {
      const ctx = this.context(p, signal);
      const result: RefreshResult = { updated: [], failures: [] };
      for (const v of (p.spec?.volumes ?? []) as V1Volume[]) {
        const kind = projectedKind(v);
        if (!kind || !(await isVolumePublished(v, kind, ctx))) continue;
        signal.throwIfAborted();
        try {
          if (await publishVolume(v, kind, ctx)) result.updated.push(v.name);
        } catch (err) {
          signal.throwIfAborted();
          result.failures.push({ volume: v.name, message: (err as Error).message });
        }
      }
      if (result.updated.length)
        this.o.logger.info('volumes updated', { pod: p.metadata?.name, volumes: result.updated });
      return result;
    });
  }

  /**
   * Unmounts every memory-backed volume of the pod and removes its volume
   * directories. Safe to repeat, and finds the pod's mounts in the kernel's
   * mount table, so it also cleans up after a previous agent.
   */
  tearDown(podUid: string): Promise<void> {
    return this.exclusive(podUid, async () => {
      const dir = podVolumesDir(this.o.podsDir, podUid);
      for (const m of await mountsUnder(dir)) await unmount(m);
      const left = await mountsUnder(dir);
      // Never remove files through a mount that is still there.
      if (left.length) throw new Error(`volumes of pod ${podUid} are still mounted: ${left.join(', ')}`);
      await rm(dir, { recursive: true, force: true });
    });
  }

  /** The container's volumeMounts as runtime mounts; env feeds subPathExpr. */
  mountsFor(
    pod: KubeObject,
    container: KubeObject['spec'],
    volumes: PodVolumes,
    env: ReadonlyMap<string, string> = new Map(),
  ): Mount[] {
    return containerMounts(pod as V1Pod, container as V1Container, volumes, env);
  }

  private context(pod: V1Pod, signal: AbortSignal): SourceContext {
    return {
      podsDir: this.o.podsDir,
      pod,
      // One read of each object per pass, however many volumes name it.
      source: memoized(this.source),
      nodeAllocatable: (this.o.nodeAllocatable ?? machineAllocatable)(),
      logger: this.o.logger,
      signal,
    };
  }

  private async exclusive<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const before = this.busy.get(uid);
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    this.busy.set(uid, mine);
    try {
      if (before) await before;
      return await fn();
    } finally {
      release();
      if (this.busy.get(uid) === mine) this.busy.delete(uid);
    }
  }
}

function uidOf(pod: V1Pod): string {
  const uid = pod.metadata?.uid;
  if (!uid) throw new Error('pod has no metadata.uid');
  return uid;
}
