// Pod quality-of-service class, computed the way upstream does: it decides
// eviction order and the cgroup a pod lands in, and is frozen into
// status.qosClass when the pod is created.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import {
  addQuantities,
  compareQuantities,
  type Quantity,
  tryParseQuantity,
  zeroQuantity,
} from './quantity.ts';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

// Only these two take part; extended resources and storage never change QoS.
const qosResources = ['cpu', 'memory'] as const;

type Totals = Map<string, Quantity>;

/** Adds every positive cpu/memory amount in `list` to `totals`; returns the names seen. */
function accumulate(totals: Totals, list: Record<string, string> | undefined): Set<string> {
  const seen = new Set<string>();
  for (const name of qosResources) {
    const q = tryParseQuantity(list?.[name]);
    if (!q || compareQuantities(q, zeroQuantity) <= 0) continue;
    seen.add(name);
    const prior = totals.get(name);
    totals.set(name, prior ? addQuantities(prior, q) : q);
  }
  return seen;
}

function hasPodLevelResources(spec: V1PodSpec): boolean {
  const r = spec.resources;
  if (!r) return false;
  return qosResources.some((name) => r.requests?.[name] !== undefined || r.limits?.[name] !== undefined);
}

/**
 * The QoS class of a pod spec. BestEffort: no cpu/memory requests or limits
 * anywhere. Guaranteed: every container limits both cpu and memory and the
 * summed requests equal the summed limits. Burstable: everything else.
 * Pod-level resources, when set, replace the per-container view.
 */
export function computeQosClass(spec: V1PodSpec | undefined): QosClass {
  const requests: Totals = new Map();
  const limits: Totals = new Map();
  let guaranteed = true;
  if (spec && hasPodLevelResources(spec)) {
    accumulate(requests, spec.resources?.requests);
    const limited = accumulate(limits, spec.resources?.limits);
    if (spec.resources?.limits && !(limited.has('cpu') && limited.has('memory'))) guaranteed = false;
  } else {
    // Ephemeral containers cannot declare resources, so they never count.
    const containers: V1Container[] = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
    for (const c of containers) {
      accumulate(requests, c.resources?.requests);
      const limited = accumulate(limits, c.resources?.limits);
      if (!(limited.has('cpu') && limited.has('memory'))) guaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(lim, req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** The class recorded in status, or computed when the pod has none yet. */
export function podQosClass(pod: { spec?: V1PodSpec; status?: { qosClass?: string } }): QosClass {
  const recorded = pod.status?.qosClass;
  if (recorded === 'Guaranteed' || recorded === 'Burstable' || recorded === 'BestEffort') return recorded;
  return computeQosClass(pod.spec);
}
