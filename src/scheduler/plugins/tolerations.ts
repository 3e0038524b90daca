// Whether a pod's tolerations cover a node's taint, by upstream's rules: an
// empty toleration effect matches every effect, an empty key with Exists
// matches every taint, Exists ignores the value and Equal (the default)
// compares it.
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';

export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (t.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function tolerationsTolerate(tolerations: V1Toleration[] | undefined, taint: V1Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** Effects a filter enforces; PreferNoSchedule only ever affects scoring. */
export function blocksScheduling(taint: V1Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

/** The first NoSchedule/NoExecute taint (in the node's order) the tolerations leave uncovered. */
export function firstUntoleratedTaint(
  taints: V1Taint[] | undefined,
  tolerations: V1Toleration[] | undefined,
): V1Taint | undefined {
  return (taints ?? []).find((taint) => blocksScheduling(taint) && !tolerationsTolerate(tolerations, taint));
}

/** The reason upstream's TaintToleration filter gives, e.g. "{node-role.kubernetes.io/control-plane: }". */
export function untoleratedTaintReason(taint: V1Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}
