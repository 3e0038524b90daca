// A pod's resource requests as the scheduler counts them. App containers run
// together, so they add up; ordinary init containers run one at a time
// before them, so only the largest counts — but native sidecars (init
// containers with restartPolicy Always) keep running, so each one adds to
// the app containers and to every init container started after it. Pod
// overhead comes on top.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import type { KubeObject } from '../api/object.ts';
import { resourceAmount } from '../api/quantity.ts';

/** Amounts in the units the scheduler compares: millicores for cpu, bytes or units otherwise. */
export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Extended and other resources (hugepages-*, example.com/gpu), whole units. */
  scalar: Record<string, number>;
}

export interface Allocatable extends Resources {
  pods: number;
}

// What a container that names no cpu or memory request is taken to use when
// spreading load, so that many best-effort pods do not pile onto one node
// (upstream's DefaultMilliCPURequest and DefaultMemoryRequest).
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

type List = Map<string, number>;

function parseList(list: Record<string, string | number> | undefined): List {
  const out: List = new Map();
  for (const [name, value] of Object.entries(list ?? {})) {
    try {
      out.set(name, resourceAmount(name, value));
    } catch {
      // Validation rejects unparsable quantities; a stray one counts as nothing.
    }
  }
  return out;
}

function addTo(into: List, add: List): void {
  for (const [name, v] of add) into.set(name, (into.get(name) ?? 0) + v);
}

function maxInto(into: List, other: List): void {
  for (const [name, v] of other) into.set(name, Math.max(into.get(name) ?? 0, v));
}

function containerRequests(c: V1Container, nonZero: boolean): List {
  const reqs = parseList(c.resources?.requests as Record<string, string> | undefined);
  if (nonZero) {
    // Only a request left out gets the default; an explicit zero stays zero.
    if (!reqs.has('cpu')) reqs.set('cpu', defaultMilliCpuRequest);
    if (!reqs.has('memory')) reqs.set('memory', defaultMemoryRequest);
  }
  return reqs;
}

function toResources(list: List): Resources {
  const scalar: Record<string, number> = {};
  for (const [name, v] of list) {
    if (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods')
      scalar[name] = v;
  }
  return {
    milliCpu: list.get('cpu') ?? 0,
    memory: list.get('memory') ?? 0,
    ephemeralStorage: list.get('ephemeral-storage') ?? 0,
    scalar,
  };
}

export function isSidecar(c: V1Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The pod's effective requests. With `nonZero`, containers that leave cpu or
 * memory out count the defaults above — the figure least-allocated scoring
 * uses, never the fit check.
 */
export function podRequests(spec: V1PodSpec | undefined, opts: { nonZero?: boolean } = {}): Resources {
  const nonZero = opts.nonZero ?? false;
  const total: List = new Map();
  for (const c of spec?.containers ?? []) addTo(total, containerRequests(c, nonZero));
  const sidecars: List = new Map();
  const initPeak: List = new Map();
  for (const c of spec?.initContainers ?? []) {
    const own = containerRequests(c, nonZero);
    let whileRunning: List;
    if (isSidecar(c)) {
      addTo(total, own);
      addTo(sidecars, own);
      whileRunning = sidecars;
    } else {
      whileRunning = new Map(own);
      addTo(whileRunning, sidecars);
    }
    maxInto(initPeak, whileRunning);
  }
  maxInto(total, initPeak);
  if (spec?.overhead) addTo(total, parseList(spec.overhead as Record<string, string>));
  return toResources(total);
}

/** A node's status.allocatable in the same units; absent resources are zero. */
export function allocatableOf(node: KubeObject | undefined): Allocatable {
  const list = parseList(node?.status?.allocatable);
  return { ...toResources(list), pods: list.get('pods') ?? 0 };
}

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: {} };
}

/** Adds `b` times `sign` (1 or -1) into `a`. */
export function accumulate(a: Resources, b: Resources, sign: 1 | -1): void {
  a.milliCpu += sign * b.milliCpu;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  for (const [name, v] of Object.entries(b.scalar)) {
    const next = (a.scalar[name] ?? 0) + sign * v;
    if (next === 0) delete a.scalar[name];
    else a.scalar[name] = next;
  }
}
