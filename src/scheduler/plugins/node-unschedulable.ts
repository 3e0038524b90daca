// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods,
// except pods that tolerate the unschedulable taint — the way DaemonSet
// pods still land on cordoned nodes.
import type { V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { tolerationsTolerate } from './tolerations.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export const unschedulableTaintKey = 'node.kubernetes.io/unschedulable';
export const reasonNodeUnschedulable = 'node(s) were unschedulable';

export function checkNodeUnschedulable(
  tolerations: V1Toleration[] | undefined,
  node: KubeObject,
): FilterFailure | undefined {
  if (!node.spec?.unschedulable) return undefined;
  if (tolerationsTolerate(tolerations, { key: unschedulableTaintKey, effect: 'NoSchedule' }))
    return undefined;
  return {
    plugin: 'NodeUnschedulable',
    code: 'UnschedulableAndUnresolvable',
    reasons: [reasonNodeUnschedulable],
  };
}

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter: (pod, node) => checkNodeUnschedulable(pod.spec.tolerations, node.node!),
};
