// NodeAffinity: the pod's nodeSelector (every label must match) and its
// required node affinity (any one nodeSelectorTerm must match; within a
// term every expression and field requirement must). Preferred affinity
// only ranks nodes, which orca does not do yet.
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PodSpec } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import type { FilterFailure, FilterPlugin } from './types.ts';

export const reasonAffinityMismatch = "node(s) didn't match Pod's node affinity/selector";

const integerPattern = /^[+-]?\d+$/;

function integer(s: string | undefined): bigint | undefined {
  return s !== undefined && integerPattern.test(s) ? BigInt(s) : undefined;
}

/** One matchExpressions entry against the node's labels. Malformed requirements match nothing. */
export function labelRequirementMatches(
  r: V1NodeSelectorRequirement,
  labels: Record<string, string>,
): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const want = integer(values[0]);
      const got = integer(value);
      if (want === undefined || got === undefined) return false;
      return r.operator === 'Gt' ? got > want : got < want;
    }
    default:
      return false;
  }
}

/** One matchFields entry: only metadata.name with In or NotIn is defined. */
export function fieldRequirementMatches(r: V1NodeSelectorRequirement, nodeName: string): boolean {
  if (r.key !== 'metadata.name') return false;
  const values = r.values ?? [];
  if (r.operator === 'In') return values.length === 1 && values[0] === nodeName;
  if (r.operator === 'NotIn') return values.length === 1 && values[0] !== nodeName;
  return false;
}

/** A term with no requirements at all selects no node. */
export function termMatches(term: V1NodeSelectorTerm, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return (
    exprs.every((r) => labelRequirementMatches(r, labels)) &&
    fields.every((r) => fieldRequirementMatches(r, node.metadata.name ?? ''))
  );
}

export function matchesNodeSelectorAndAffinity(spec: V1PodSpec, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
    if (labels[k] !== v) return false;
  }
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
}

export function checkNodeAffinity(spec: V1PodSpec, node: KubeObject): FilterFailure | undefined {
  if (matchesNodeSelectorAndAffinity(spec, node)) return undefined;
  return { plugin: 'NodeAffinity', code: 'UnschedulableAndUnresolvable', reasons: [reasonAffinityMismatch] };
}

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter: (pod, node) => checkNodeAffinity(pod.spec, node.node!),
};
