// One scheduling decision, with no I/O: run the filters over every node
// (stopping at a node's first failure, as upstream does), score the nodes
// that pass and pick the best, breaking ties at random so equal nodes share
// the load. Synchronous on purpose: the caller assumes the result before
// anything else can look at the cache.
import { noNodesMessage, unschedulableMessage } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';
import { leastAllocated } from './plugins/least-allocated.ts';
import { nodeAffinity } from './plugins/node-affinity.ts';
import { nodePorts } from './plugins/node-ports.ts';
import { nodeReady } from './plugins/node-ready.ts';
import { nodeResourcesFit } from './plugins/node-resources-fit.ts';
import { nodeUnschedulable } from './plugins/node-unschedulable.ts';
import { taintToleration } from './plugins/taint-toleration.ts';
import type { FilterFailure, FilterPlugin, ScorePlugin } from './plugins/types.ts';
import type { PodInfo } from './pod-info.ts';

/** Upstream's order: cheap, unresolvable checks first, resources last. */
export const defaultFilters: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeReady,
  taintToleration,
  nodeAffinity,
  nodePorts,
  nodeResourcesFit,
];

export const defaultScore: ScorePlugin = leastAllocated;

export type Decision =
  | { kind: 'fit'; node: string; score: number; feasible: number }
  | { kind: 'unschedulable'; message: string; failures: Map<string, FilterFailure> }
  | { kind: 'noNodes'; message: string };

export interface SelectOptions {
  filters?: readonly FilterPlugin[];
  score?: ScorePlugin;
  /** [0, 1); injected so tests can fix tie-breaking. */
  random?: () => number;
}

export function firstFailure(
  pod: PodInfo,
  node: NodeInfo,
  filters: readonly FilterPlugin[],
): FilterFailure | undefined {
  for (const f of filters) {
    const failure = f.filter(pod, node);
    if (failure) return failure;
  }
  return undefined;
}

/** `nodes` must all carry their Node object. */
export function selectNode(pod: PodInfo, nodes: NodeInfo[], opts: SelectOptions = {}): Decision {
  if (nodes.length === 0) return { kind: 'noNodes', message: noNodesMessage };
  const filters = opts.filters ?? defaultFilters;
  const score = opts.score ?? defaultScore;
  const random = opts.random ?? Math.random;
  const failures = new Map<string, FilterFailure>();
  let best: NodeInfo | undefined;
  let bestScore = -1;
  let ties = 0;
  let feasible = 0;
  for (const node of nodes) {
    const failure = firstFailure(pod, node, filters);
    if (failure) {
      failures.set(node.name, failure);
      continue;
    }
    feasible++;
    const s = score.score(pod, node);
    if (s > bestScore) {
      best = node;
      bestScore = s;
      ties = 1;
    } else if (s === bestScore) {
      // Reservoir sampling: each of the k equal nodes ends up chosen with chance 1/k.
      ties++;
      if (random() * ties < 1) best = node;
    }
  }
  if (!best) {
    return {
      kind: 'unschedulable',
      message: unschedulableMessage(pod.spec, [...failures.values()]),
      failures,
    };
  }
  return { kind: 'fit', node: best.name, score: bestScore, feasible };
}
