// The shape every scheduling plugin has: a filter says why a node cannot
// take the pod (or nothing when it can); a score ranks the nodes that can.
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';

/**
 * Unschedulable: evicting lower-priority pods might make room.
 * UnschedulableAndUnresolvable: nothing short of a change to the node or
 * the pod helps, so preemption is not even tried there.
 */
export type FilterCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface FilterFailure {
  plugin: string;
  code: FilterCode;
  /** Upstream's wording: these are what the FailedScheduling message counts. */
  reasons: string[];
}

export interface FilterPlugin {
  readonly name: string;
  filter(pod: PodInfo, node: NodeInfo): FilterFailure | undefined;
}

/** Scores are 0 (worst) to 100 (best), as upstream's MaxNodeScore. */
export interface ScorePlugin {
  readonly name: string;
  score(pod: PodInfo, node: NodeInfo): number;
}

export const maxNodeScore = 100;
