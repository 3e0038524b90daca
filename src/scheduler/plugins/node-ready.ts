// NodeReady: a node whose Ready condition is not True takes no new pods.
// Upstream expresses this through taints the node lifecycle controller adds
// (not-ready when Ready is False, unreachable when it is Unknown or was
// never reported); orca checks the condition directly so it holds before
// any controller has tainted the node, and reports it in the same words a
// user would see upstream. Pods that tolerate that taint may still go there.
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { tolerationsTolerate, untoleratedTaintReason } from './tolerations.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';

/** The NoSchedule taint the node's Ready condition implies, if any. */
export function readinessTaint(node: KubeObject): V1Taint | undefined {
  const ready = (node.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  return { key: ready?.status === 'False' ? notReadyTaintKey : unreachableTaintKey, effect: 'NoSchedule' };
}

export function checkNodeReady(
  tolerations: V1Toleration[] | undefined,
  node: KubeObject,
): FilterFailure | undefined {
  const taint = readinessTaint(node);
  if (!taint || tolerationsTolerate(tolerations, taint)) return undefined;
  return {
    plugin: 'NodeReady',
    code: 'UnschedulableAndUnresolvable',
    reasons: [untoleratedTaintReason(taint)],
  };
}

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter: (pod, node) => checkNodeReady(pod.spec.tolerations, node.node!),
};
