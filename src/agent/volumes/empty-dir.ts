// emptyDir volumes: a world-writable directory on the node's disk, or with
// `medium: Memory` a tmpfs — sized as the kubelet sizes it: the node's
// allocatable memory, lowered to the pod's memory limit and then to the
// volume's sizeLimit when those are smaller. Secret and projected volumes
// sit on such a tmpfs too, so their contents never touch the disk.

import { chmod, mkdir } from 'node:fs/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { memoryBytes } from '../../api/quantity.ts';
import { mountAt, mountTmpfs } from './mount-table.ts';

/** The pod's memory limit: only defined when every container declares one. */
export function podMemoryLimit(pod: V1Pod): number {
  const limitOf = (c: { resources?: { limits?: Record<string, string> } }) => {
    const l = c.resources?.limits?.memory;
    return l === undefined ? undefined : memoryBytes(l);
  };
  const app = (pod.spec?.containers ?? []).map(limitOf);
  const init = (pod.spec?.initContainers ?? []).map(limitOf);
  if ([...app, ...init].some((l) => l === undefined)) return 0;
  const sum = app.reduce<number>((a, b) => a + (b ?? 0), 0);
  return Math.max(sum, ...init.map((l) => l ?? 0));
}

export function memoryMediumSize(
  pod: V1Pod,
  sizeLimit: string | undefined,
  allocatableMemory: number,
): number {
  let size = allocatableMemory;
  const podLimit = podMemoryLimit(pod);
  if (podLimit > 0 && (size <= 0 || podLimit <= size)) size = podLimit;
  const volumeLimit = sizeLimit === undefined ? 0 : memoryBytes(sizeLimit);
  if (volumeLimit > 0 && (size <= 0 || volumeLimit <= size)) size = volumeLimit;
  return size;
}

/** A directory anyone in the pod can write to, whatever the agent's umask. */
export async function makeSharedDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o777 });
  await chmod(dir, 0o777);
}

/** Mounts a tmpfs on dir unless one is there already (setUp again after a restart). */
export async function ensureTmpfs(dir: string, sizeBytes: number): Promise<void> {
  const current = await mountAt(dir);
  if (current?.fsType === 'tmpfs') return;
  await makeSharedDir(dir);
  await mountTmpfs(dir, sizeBytes);
}
