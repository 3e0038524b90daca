// The messages a pod that fits nowhere gets, worded as upstream's scheduler
// words them since users grep for them: "0/N nodes are available: " then
// each distinct reason with the number of nodes that gave it, sorted as
// text, then what preemption made of it.
import type { V1PodSpec } from '@kubernetes/client-node';
import type { FilterFailure } from './plugins/types.ts';

export const noNodesMessage = 'no nodes available to schedule pods';
export const notHelpfulReason = 'Preemption is not helpful for scheduling';
export const noVictimsReason = 'No preemption victims found for incoming pod';
export const preemptionNeverMessage = 'not eligible due to preemptionPolicy=Never.';

/** "2 Insufficient memory, 1 node(s) were unschedulable" — counts first, sorted as plain strings. */
export function reasonHistogram(failures: Iterable<FilterFailure>): string {
  const counts = new Map<string, number>();
  for (const f of failures) for (const r of f.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([reason, n]) => `${n} ${reason}`);
  // Byte order, as Go's sort.Strings: "10 …" sorts before "2 …".
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.join(', ');
}

export function fitErrorMessage(
  numNodes: number,
  failures: Iterable<FilterFailure>,
  postFilter?: string,
): string {
  let msg = `0/${numNodes} nodes are available:`;
  const histogram = reasonHistogram(failures);
  if (histogram) msg += ` ${histogram}.`;
  if (postFilter) msg += ` ${postFilter}`;
  return msg;
}

/**
 * What default preemption reports when it cannot help. orca does not evict
 * yet and every pod has the same priority until PriorityClasses exist, so a
 * node that failed for a reason eviction could fix (resources, ports) has no
 * victims, and one that failed for any other reason is not worth trying.
 */
export function preemptionMessage(spec: V1PodSpec, failures: FilterFailure[]): string {
  if (spec.preemptionPolicy === 'Never') return `preemption: ${preemptionNeverMessage}`;
  const perNode: FilterFailure[] = failures.map((f) => ({
    plugin: 'DefaultPreemption',
    code: 'UnschedulableAndUnresolvable',
    reasons: [f.code === 'UnschedulableAndUnresolvable' ? notHelpfulReason : noVictimsReason],
  }));
  return `preemption: ${fitErrorMessage(failures.length, perNode)}`;
}

/** The whole FailedScheduling message for a pod every node rejected, one failure per node. */
export function unschedulableMessage(spec: V1PodSpec, failures: FilterFailure[]): string {
  return fitErrorMessage(failures.length, failures, preemptionMessage(spec, failures));
}

// Events carry at most this much message; longer ones are cut with a marker.
const maxEventMessage = 1024;
const cutMarker = ' ...';

export function truncateMessage(message: string): string {
  if (message.length <= maxEventMessage) return message;
  return message.slice(0, maxEventMessage - cutMarker.length) + cutMarker;
}
