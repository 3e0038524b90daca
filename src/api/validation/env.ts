// Container environment: variable names, valueFrom sources, envFrom, and the
// downward API field selectors shared with downwardAPI volumes.
import type {
  V1EnvFromSource,
  V1EnvVar,
  V1ObjectFieldSelector,
  V1ResourceFieldSelector,
} from '@kubernetes/client-node';
import { formatQuantity, tryParseQuantity } from '../quantity.ts';
import type { StatusCause } from '../status.ts';
import { child, index, invalid, invalidEach, notSupported, required, sorted } from './field.ts';
import { isConfigMapKey, isEnvVarName, isQualifiedName, nameIsDnsSubdomain } from './names.ts';

const envFieldPaths = sorted([
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);
const volumeFieldPaths = sorted([
  'metadata.name',
  'metadata.namespace',
  'metadata.labels',
  'metadata.annotations',
  'metadata.uid',
]);
// Every label the v1 pod field selector knows; anything else fails conversion.
const convertibleFieldPaths = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** Splits "metadata.labels['app']" into path and key. */
export function splitSubscript(fieldPath: string): { path: string; key?: string } {
  if (!fieldPath.endsWith("']")) return { path: fieldPath };
  const at = fieldPath.indexOf("['");
  if (at <= 0) return { path: fieldPath };
  return { path: fieldPath.slice(0, at), key: fieldPath.slice(at + 2, -2) };
}

function convertFieldPath(apiVersion: string, fieldPath: string): { path: string } | { error: string } {
  if (apiVersion !== 'v1') return { error: `unsupported pod version: ${apiVersion}` };
  const split = splitSubscript(fieldPath);
  if (split.key !== undefined) {
    if (split.path === 'metadata.annotations' || split.path === 'metadata.labels') return { path: fieldPath };
    return { error: `field label does not support subscript: ${fieldPath}` };
  }
  if (fieldPath === 'spec.host') return { path: 'spec.nodeName' };
  if (convertibleFieldPaths.has(fieldPath)) return { path: fieldPath };
  return { error: `field label not supported: ${fieldPath}` };
}

export function validateFieldRef(
  fs: V1ObjectFieldSelector,
  use: 'env' | 'volume',
  path: string,
): StatusCause[] {
  if (!fs.apiVersion) return [required(child(path, 'apiVersion'))];
  if (!fs.fieldPath) return [required(child(path, 'fieldPath'))];
  const converted = convertFieldPath(fs.apiVersion, fs.fieldPath);
  if ('error' in converted) {
    return [
      invalid(child(path, 'fieldPath'), fs.fieldPath, `error converting fieldPath: ${converted.error}`),
    ];
  }
  const split = splitSubscript(converted.path);
  if (split.key !== undefined) {
    if (split.path === 'metadata.annotations')
      return invalidEach(path, split.key.toLowerCase(), isQualifiedName(split.key.toLowerCase()));
    if (split.path === 'metadata.labels') return invalidEach(path, split.key, isQualifiedName(split.key));
    return [invalid(path, split.path, 'does not support subscript')];
  }
  const allowed = use === 'env' ? envFieldPaths : volumeFieldPaths;
  return allowed.includes(split.path) ? [] : [notSupported(child(path, 'fieldPath'), split.path, allowed)];
}

const resourceFieldPaths = sorted([
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
]);
const byteDivisors = new Set([
  '1',
  '1k',
  '1M',
  '1G',
  '1T',
  '1P',
  '1E',
  '1Ki',
  '1Mi',
  '1Gi',
  '1Ti',
  '1Pi',
  '1Ei',
]);
const byteDivisorList = '1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei';

function validateDivisor(resource: string, divisor: unknown, path: string): StatusCause[] {
  if (divisor === undefined || divisor === null) return [];
  const q = tryParseQuantity(divisor);
  if (!q || q.mantissa === 0n) return [];
  const text = formatQuantity(q);
  const p = child(path, 'divisor');
  switch (resource) {
    case 'limits.cpu':
    case 'requests.cpu':
      return text === '1m' || text === '1'
        ? []
        : [invalid(p, resource, "only divisor's values 1m and 1 are supported with the cpu resource")];
    case 'limits.memory':
    case 'requests.memory':
      return byteDivisors.has(text)
        ? []
        : [
            invalid(
              p,
              resource,
              `only divisor's values ${byteDivisorList} are supported with the memory resource`,
            ),
          ];
    case 'limits.ephemeral-storage':
    case 'requests.ephemeral-storage':
      return byteDivisors.has(text)
        ? []
        : [
            invalid(
              p,
              resource,
              `only divisor's values ${byteDivisorList} are supported with the local ephemeral storage resource`,
            ),
          ];
  }
  if (resource.startsWith('requests.hugepages-') || resource.startsWith('limits.hugepages-')) {
    return byteDivisors.has(text)
      ? []
      : [
          invalid(
            p,
            resource,
            `only divisor's values ${byteDivisorList} are supported with the hugepages resource`,
          ),
        ];
  }
  return [];
}

export function validateResourceFieldRef(
  fs: V1ResourceFieldSelector,
  inVolume: boolean,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const resource = fs.resource ?? '';
  if (inVolume && !fs.containerName) errs.push(required(child(path, 'containerName')));
  else if (!resource) errs.push(required(child(path, 'resource')));
  else if (
    !resourceFieldPaths.includes(resource) &&
    !resource.startsWith('requests.hugepages-') &&
    !resource.startsWith('limits.hugepages-')
  ) {
    errs.push(notSupported(child(path, 'resource'), resource, resourceFieldPaths));
  }
  errs.push(...validateDivisor(resource, fs.divisor, path));
  return errs;
}

function validateKeySelector(s: { name?: string; key?: string }, path: string): StatusCause[] {
  const name = s.name ?? '';
  const errs = invalidEach(child(path, 'name'), name, nameIsDnsSubdomain(name, false));
  if (!s.key) errs.push(required(child(path, 'key')));
  else errs.push(...invalidEach(child(path, 'key'), s.key, isConfigMapKey(s.key)));
  return errs;
}

export function validateEnv(vars: V1EnvVar[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = index(path, i);
    if (!ev.name) errs.push(required(child(p, 'name')));
    else errs.push(...invalidEach(child(p, 'name'), ev.name, isEnvVarName(ev.name)));
    const from = ev.valueFrom;
    if (!from) return;
    const fp = child(p, 'valueFrom');
    let sources = 0;
    if (from.fieldRef) {
      sources++;
      errs.push(...validateFieldRef(from.fieldRef, 'env', child(fp, 'fieldRef')));
    }
    if (from.resourceFieldRef) {
      sources++;
      errs.push(...validateResourceFieldRef(from.resourceFieldRef, false, child(fp, 'resourceFieldRef')));
    }
    if (from.configMapKeyRef) {
      sources++;
      errs.push(...validateKeySelector(from.configMapKeyRef, child(fp, 'configMapKeyRef')));
    }
    if (from.secretKeyRef) {
      sources++;
      errs.push(...validateKeySelector(from.secretKeyRef, child(fp, 'secretKeyRef')));
    }
    if (sources === 0) {
      errs.push(
        invalid(
          fp,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    } else if (ev.value) {
      errs.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    } else if (sources > 1) {
      errs.push(invalid(fp, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

export function validateEnvFrom(sources: V1EnvFromSource[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (sources ?? []).forEach((ev, i) => {
    const p = index(path, i);
    if (ev.prefix) errs.push(...invalidEach(child(p, 'prefix'), ev.prefix, isEnvVarName(ev.prefix)));
    let count = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = ev[kind];
      if (!ref) continue;
      count++;
      const np = child(p, kind, 'name');
      if (!ref.name) errs.push(required(np));
      else errs.push(...invalidEach(np, ref.name, nameIsDnsSubdomain(ref.name, true)));
    }
    // Upstream reports these two at the list, not the entry.
    if (count === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (count > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}
