// NodePorts: a pod cannot go where one of the host ports it wants is
// already held (same protocol and port; 0.0.0.0 overlaps every address).
import type { HostPort, NodeInfo } from '../node-info.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export const reasonPortsTaken = "node(s) didn't have free ports for the requested pod ports";

export function checkNodePorts(wanted: HostPort[], node: NodeInfo): FilterFailure | undefined {
  if (!wanted.some((p) => node.portInUse(p))) return undefined;
  return { plugin: 'NodePorts', code: 'Unschedulable', reasons: [reasonPortsTaken] };
}

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter: (pod, node) => checkNodePorts(pod.hostPorts, node),
};
