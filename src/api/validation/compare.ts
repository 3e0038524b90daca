// Semantic comparison of decoded objects, as upstream's immutability checks
// use it: a field left out equals its empty value (Go cannot tell an absent
// slice, map or scalar from an empty one), and quantities are compared after
// defaulting has made them canonical.
import { isRecord } from './object.ts';

function normalize(v: unknown): unknown {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => normalize(x) ?? null);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

function equalNormalized(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equalNormalized(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && equalNormalized(a[k], b[k]));
  }
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return equalNormalized(normalize(a), normalize(b));
}

function show(v: unknown): string {
  return v === undefined ? '<unset>' : JSON.stringify(v);
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (equalNormalized(a, b)) return;
  if (isRecord(a) && isRecord(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
      walk(a[k], b[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => {
      walk(x, b[i], `${path}[${i}]`, out);
    });
    return;
  }
  out.push(`- ${path}: ${show(a)}`, `+ ${path}: ${show(b)}`);
}

/** Changed leaves between two objects, "- path: old" / "+ path: new", for error details. */
export function describeDiff(before: unknown, after: unknown, root: string): string {
  const out: string[] = [];
  walk(normalize(before), normalize(after), root, out);
  return out.join('\n');
}
