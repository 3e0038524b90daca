// NodeResourcesFit: the pod's requests must fit in what the node's
// allocatable leaves after the requests of the pods already there, and the
// node must have room for one more pod. Every shortfall is reported, not
// just the first.
import type { NodeInfo } from '../node-info.ts';
import type { Resources } from '../requests.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export const reasonTooManyPods = 'Too many pods';

/** The reasons (upstream's words) the node cannot hold the request; empty when it can. */
export function insufficientResources(req: Resources, node: NodeInfo): string[] {
  const out: string[] = [];
  const alloc = node.allocatable;
  const used = node.requested;
  if (node.pods.size + 1 > alloc.pods) out.push(reasonTooManyPods);
  // A zero request fits even on an overcommitted node.
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) out.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) out.push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage)
    out.push('Insufficient ephemeral-storage');
  for (const [name, amount] of Object.entries(req.scalar)) {
    if (amount > 0 && amount > (alloc.scalar[name] ?? 0) - (used.scalar[name] ?? 0))
      out.push(`Insufficient ${name}`);
  }
  return out;
}

export function checkResourcesFit(req: Resources, node: NodeInfo): FilterFailure | undefined {
  const reasons = insufficientResources(req, node);
  if (reasons.length === 0) return undefined;
  return { plugin: 'NodeResourcesFit', code: 'Unschedulable', reasons };
}

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter: (pod, node) => checkResourcesFit(pod.requests, node),
};
