// TaintToleration: a node's NoSchedule and NoExecute taints keep off every
// pod that does not tolerate them. PreferNoSchedule never filters.
import type { V1Toleration } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { firstUntoleratedTaint, untoleratedTaintReason } from './tolerations.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export function checkTaints(
  tolerations: V1Toleration[] | undefined,
  node: KubeObject,
): FilterFailure | undefined {
  const taint = firstUntoleratedTaint(node.spec?.taints, tolerations);
  if (!taint) return undefined;
  return {
    plugin: 'TaintToleration',
    code: 'UnschedulableAndUnresolvable',
    reasons: [untoleratedTaintReason(taint)],
  };
}

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter: (pod, node) => checkTaints(pod.spec.tolerations, node.node!),
};
