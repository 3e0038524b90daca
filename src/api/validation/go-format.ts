// Go %#v renderings of the few values whose error text users know by heart,
// e.g. `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:...}: field
// is immutable`. Maps print with sorted keys, as Go's fmt does.
import type { V1LabelSelector } from '@kubernetes/client-node';
import { type GoSyntax, goQuote, goSyntax } from './field.ts';

function stringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const body = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`)
    .join(', ');
  return `map[string]string{${body}}`;
}

function stringSlice(values: readonly string[] | undefined | null): string {
  if (!values) return '[]string(nil)';
  return `[]string{${values.map((v) => goQuote(String(v))).join(', ')}}`;
}

export function goStringMap(m: Record<string, string> | undefined | null): GoSyntax {
  return goSyntax(stringMap(m));
}

export function goStringSlice(values: readonly string[] | undefined | null): GoSyntax {
  return goSyntax(stringSlice(values));
}

/** A label selector as a `*metav1.LabelSelector` prints; nil prints as "null". */
export function goLabelSelector(sel: V1LabelSelector | undefined | null): GoSyntax | null {
  if (!sel) return null;
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map(
          (r) =>
            `v1.LabelSelectorRequirement{Key:${goQuote(String(r.key ?? ''))}, Operator:${goQuote(String(r.operator ?? ''))}, Values:${stringSlice(r.values)}}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return goSyntax(`v1.LabelSelector{MatchLabels:${stringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`);
}
