// A pod as the scheduler reads it, with everything derived once: requests
// (plain and with scoring defaults) and the host ports it wants. Built when a
// pod enters the cache or a scheduling attempt, never per node.
import type { V1PodSpec } from '@kubernetes/client-node';
import { type KubeObject, objectKey } from '../api/object.ts';
import { anyHostIP, type HostPort } from './node-info.ts';
import { isSidecar, podRequests, type Resources } from './requests.ts';

export interface PodInfo {
  key: string;
  pod: KubeObject;
  spec: V1PodSpec;
  requests: Resources;
  nonZeroRequests: Resources;
  hostPorts: HostPort[];
}

/** Host ports of app containers and of sidecars (which run as long as the pod does). */
export function hostPortsOf(spec: V1PodSpec | undefined): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(spec?.initContainers ?? []).filter(isSidecar), ...(spec?.containers ?? [])];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ hostIP: p.hostIP || anyHostIP, protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

export function podInfo(pod: KubeObject): PodInfo {
  const spec = (pod.spec ?? {}) as V1PodSpec;
  return {
    key: objectKey(pod),
    pod,
    spec,
    requests: podRequests(spec),
    nonZeroRequests: podRequests(spec, { nonZero: true }),
    hostPorts: hostPortsOf(spec),
  };
}

/** Succeeded and Failed pods hold nothing on their node. */
export function isTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
