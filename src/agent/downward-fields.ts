// The downward API's values: pod fields (fieldRef) and container resources
// (resourceFieldRef), rendered exactly as the kubelet renders them for env
// vars and downwardAPI volume files.
import type {
  V1Container,
  V1ObjectFieldSelector,
  V1Pod,
  V1ResourceFieldSelector,
} from '@kubernetes/client-node';
import { parseQuantity, type Quantity, scaledValue } from '../api/quantity.ts';
import { splitSubscript } from '../api/validation/env.ts';
import { isQualifiedName } from '../api/validation/names.ts';

/** What the pod object does not say but env fieldRefs may ask for. */
export interface PodRuntimeFields {
  hostIP: string;
  hostIPs?: string[];
  podIP: string;
  podIPs?: string[];
}

const goEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** A double-quoted string as Go's strconv.Quote writes it (what `%q` prints). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s.toWellFormed()) {
    const cp = ch.codePointAt(0)!;
    if (goEscapes[ch]) out += goEscapes[ch];
    else if (printable.test(ch)) out += ch;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Labels or annotations as one `key="value"` line each, sorted by key, no final newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${goQuote(m![k])}`).join('\n');
}

/** The metadata fields a downwardAPI volume may show (and env vars, through podFieldValue). */
export function metadataFieldValue(pod: V1Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const { path, key } = splitSubscript(fieldPath);
  if (key !== undefined) {
    switch (path) {
      case 'metadata.annotations': {
        const errs = isQualifiedName(key.toLowerCase());
        if (errs.length) throw new Error(`invalid key subscript in ${fieldPath}: ${errs.join(';')}`);
        return meta.annotations?.[key] ?? '';
      }
      case 'metadata.labels': {
        const errs = isQualifiedName(key);
        if (errs.length) throw new Error(`invalid key subscript in ${fieldPath}: ${errs.join(';')}`);
        return meta.labels?.[key] ?? '';
      }
      default:
        throw new Error(`fieldPath "${fieldPath}" does not support subscript`);
    }
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** An env var's fieldRef: the pod's own fields plus what only the node knows. */
export function podFieldValue(pod: V1Pod, ref: V1ObjectFieldSelector, runtime: PodRuntimeFields): string {
  const apiVersion = ref.apiVersion ?? 'v1';
  if (apiVersion !== 'v1') throw new Error(`unsupported pod version: ${apiVersion}`);
  switch (ref.fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return runtime.hostIP;
    case 'status.hostIPs':
      return (runtime.hostIPs ?? [runtime.hostIP]).join(',');
    case 'status.podIP':
      return runtime.podIP;
    case 'status.podIPs':
      return (runtime.podIPs ?? (runtime.podIP ? [runtime.podIP] : [])).join(',');
  }
  return metadataFieldValue(pod, ref.fieldPath);
}

// Upstream fills only these from node allocatable when a container sets no limit.
const allocatableDefaults = ['cpu', 'memory', 'ephemeral-storage'];

function findContainer(pod: V1Pod, name: string): V1Container {
  const spec = pod.spec;
  const c = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((x) => x.name === name);
  if (!c) throw new Error(`container ${name} not found`);
  return c;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) return 0n;
  if (a <= 0n) return a / b;
  return (a + b - 1n) / b;
}

/**
 * A resourceFieldRef's value: the container's limit or request divided by the
 * divisor and rounded up — CPU compared in millicores, everything else in
 * whole units. Limits left unset read as the node's allocatable amount.
 */
export function containerResourceValue(
  ref: V1ResourceFieldSelector,
  pod: V1Pod,
  container: V1Container | undefined,
  nodeAllocatable: Record<string, string>,
): string {
  const c = ref.containerName ? findContainer(pod, ref.containerName) : container;
  if (!c) throw new Error('resourceFieldRef needs a containerName here');
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  const standard = allocatableDefaults.includes(name) || name.startsWith('hugepages-');
  if ((kind !== 'limits' && kind !== 'requests') || !standard)
    throw new Error(`unsupported container resource : ${ref.resource}`);
  let amount: string | number | undefined =
    kind === 'limits'
      ? (c.resources?.limits?.[name] as string | undefined)
      : (c.resources?.requests?.[name] as string | undefined);
  if (amount === undefined && kind === 'limits' && allocatableDefaults.includes(name))
    amount = nodeAllocatable[name];
  const quantity: Quantity = parseQuantity(amount ?? '0');
  const divisor = parseQuantity(ref.divisor === undefined || ref.divisor === '' ? '1' : String(ref.divisor));
  const usable = divisor.mantissa === 0n ? parseQuantity('1') : divisor;
  const scale = name === 'cpu' ? -3 : 0;
  return ceilDiv(scaledValue(quantity, scale), scaledValue(usable, scale)).toString();
}
