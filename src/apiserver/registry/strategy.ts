// Per-resource rules the generic registry applies: which parts of an object a
// write through the main resource or the status subresource may change, what
// create resets, and which kinds track metadata.generation.
import type { KubeObject } from '../../api/object.ts';
import { clone, deepEqual } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/resources.ts';

const tracksGeneration = new Set(['apps', 'batch']);

export function usesGeneration(info: ResourceInfo): boolean {
  return tracksGeneration.has(info.group);
}

/** Everything but metadata and status: what a generation counts changes of. */
function specOf(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

export function specChanged(a: KubeObject, b: KubeObject): boolean {
  return !deepEqual(specOf(a), specOf(b));
}

/** Status as a fresh object of this kind starts with (before defaults). */
export function prepareForCreate(info: ResourceInfo, obj: KubeObject): void {
  if (info.hasStatus && info.kind !== 'Node') {
    if (info.kind === 'Namespace') obj.status = { phase: 'Active' };
    else if (info.kind === 'Service') obj.status = { loadBalancer: {} };
    else delete obj.status;
  }
  if (usesGeneration(info)) obj.metadata.generation = 1;
}

/**
 * A write through the main resource keeps the stored status; one through
 * /status keeps everything but status (and labels/annotations, which upstream
 * lets status writers change too).
 */
export function prepareForUpdate(
  info: ResourceInfo,
  next: KubeObject,
  old: KubeObject,
  subresource: 'status' | undefined,
): KubeObject {
  if (subresource === 'status') {
    const merged = clone(old);
    merged.status = next.status;
    merged.metadata.labels = next.metadata.labels;
    merged.metadata.annotations = next.metadata.annotations;
    merged.metadata.resourceVersion = next.metadata.resourceVersion;
    return merged;
  }
  if (info.hasStatus) {
    if (old.status === undefined) delete next.status;
    else next.status = clone(old.status);
  }
  return next;
}

/** Metadata a client may not change; copied from the stored object on every update. */
export function keepSystemMetadata(next: KubeObject, old: KubeObject): void {
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.namespace = o.namespace;
  m.name = o.name;
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generateName) m.generateName = o.generateName;
}

export function isTerminalPod(o: KubeObject): boolean {
  const phase = o.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The grace period a delete actually gets: pods that never reached a node or
 * have finished go at once; others wait for their node (the agent) to confirm.
 */
export function effectiveGracePeriod(
  info: ResourceInfo,
  obj: KubeObject,
  requested: number | undefined,
): number {
  if (info.kind !== 'Pod' || info.group !== '') return 0;
  let grace = requested ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
  if (grace < 0) grace = 0;
  if (!obj.spec?.nodeName || isTerminalPod(obj)) return 0;
  // Upstream turns an explicit 0 into 1 for pods unless forced; `--force --grace-period=0` sends 0 and wants it gone now.
  return grace;
}

/**
 * Whether an object marked for deletion may now leave the store: no
 * finalizers left, no grace period running and, for a namespace, its
 * spec.finalizers emptied by the namespace controller.
 */
export function readyToDelete(info: ResourceInfo, o: KubeObject): boolean {
  const m = o.metadata;
  if (!m.deletionTimestamp || m.finalizers?.length || m.deletionGracePeriodSeconds) return false;
  return !(info.kind === 'Namespace' && o.spec?.finalizers?.length);
}
