// Builders for the scheduler's unit tests: nodes and pods as the API would
// return them, and NodeInfos with pods already placed.
import type { KubeObject } from '../../src/api/object.ts';
import { NodeInfo } from '../../src/scheduler/node-info.ts';
import { type PodInfo, podInfo } from '../../src/scheduler/pod-info.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures reach into arbitrary decoded JSON.
export type Obj = Record<string, any>;

export interface NodeOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Obj[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown' | 'absent';
}

export function node(name: string, o: NodeOpts = {}): KubeObject {
  const allocatable = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  const ready = o.ready ?? 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      allocatable,
      capacity: allocatable,
      conditions: ready === 'absent' ? [] : [{ type: 'Ready', status: ready }],
    },
  };
}

export function pod(name: string, spec: Obj = {}, container: Obj = {}, status: Obj = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'app', image: 'busybox', ...container }],
      ...spec,
    },
    status: { phase: 'Pending', ...status },
  };
}

export const requesting = (cpu: string, memory: string): Obj => ({
  resources: { requests: { cpu, memory } },
});

export function info(p: KubeObject): PodInfo {
  return podInfo(p);
}

/** A NodeInfo for `n` with `pods` already counted against it. */
export function nodeInfo(n: KubeObject, pods: KubeObject[] = []): NodeInfo {
  const ni = new NodeInfo(n.metadata.name!, n);
  for (const p of pods) ni.addPod(podInfo(p));
  return ni;
}
