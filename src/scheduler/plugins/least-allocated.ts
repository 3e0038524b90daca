// Least allocated (NodeResourcesFit's default scoring strategy): prefer the
// node where cpu and memory, weighted equally, would have the largest share
// left free after placing the pod. Requests here count the cpu/memory
// defaults for containers that name none, so best-effort pods spread too.
import type { NodeInfo } from '../node-info.ts';
import type { Resources } from '../requests.ts';
import { maxNodeScore, type ScorePlugin } from './types.ts';

/** 0..100, integer: the free share after adding `requested` to a node of `capacity`. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * maxNodeScore) / capacity);
}

export function leastAllocatedScore(nonZeroRequests: Resources, node: NodeInfo): number {
  const dims = [
    {
      capacity: node.allocatable.milliCpu,
      requested: node.nonZeroRequested.milliCpu + nonZeroRequests.milliCpu,
    },
    { capacity: node.allocatable.memory, requested: node.nonZeroRequested.memory + nonZeroRequests.memory },
  ];
  let total = 0;
  let weights = 0;
  for (const d of dims) {
    // A resource the node does not report takes no part, rather than scoring zero.
    if (d.capacity === 0) continue;
    total += leastRequestedScore(d.requested, d.capacity);
    weights += 1;
  }
  return weights === 0 ? 0 : Math.floor(total / weights);
}

export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  score: (pod, node) => leastAllocatedScore(pod.nonZeroRequests, node),
};
