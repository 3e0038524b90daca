// Namespaces, ConfigMaps, Secrets and ServiceAccounts.
import type { V1ConfigMap, V1Namespace, V1Secret, V1ServiceAccount } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { semanticEqual } from './compare.ts';
import { fieldImmutable, forbidden, invalid, invalidEach, key, required, tooLong } from './field.ts';
import { validateFinalizerName, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isConfigMapKey, nameIsDnsLabel, nameIsDnsSubdomain } from './names.ts';
import { entriesOf } from './object.ts';

/** Objects that land in etcd whole are capped at 1 MiB of data. */
export const maxDataSize = 1024 * 1024;

const subdomainMeta = { namespaced: true, nameFn: nameIsDnsSubdomain };

function base64Length(v: unknown): number {
  return typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
}

export function validateNamespace(ns: V1Namespace): StatusCause[] {
  const errs = validateObjectMeta(ns.metadata, { namespaced: false, nameFn: nameIsDnsLabel });
  for (const f of ns.spec?.finalizers ?? []) errs.push(...validateFinalizerName(f, 'spec.finalizers'));
  return errs;
}

export function validateNamespaceUpdate(next: V1Namespace, old: V1Namespace): StatusCause[] {
  return validateObjectMetaUpdate(next.metadata, old.metadata);
}

export function validateConfigMap(cm: V1ConfigMap): StatusCause[] {
  const errs = validateObjectMeta(cm.metadata, subdomainMeta);
  let size = 0;
  const binary = cm.binaryData ?? {};
  for (const [k, v] of entriesOf(cm.data)) {
    const p = key('data', k);
    errs.push(...invalidEach(p, k, isConfigMapKey(k)));
    if (Object.hasOwn(binary, k)) errs.push(invalid(p, k, 'duplicate of key present in binaryData'));
    size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of entriesOf(cm.binaryData)) {
    errs.push(...invalidEach(key('binaryData', k), k, isConfigMapKey(k)));
    size += base64Length(v);
  }
  // The error names the whole object, so it carries no field.
  if (size > maxDataSize) errs.push(tooLong('', maxDataSize));
  return errs;
}

function immutableData(
  next: { immutable?: boolean },
  old: { immutable?: boolean },
  fields: [string, unknown, unknown][],
): StatusCause[] {
  if (old.immutable !== true) return [];
  const errs: StatusCause[] = [];
  if (next.immutable !== true)
    errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const [name, a, b] of fields) {
    if (!semanticEqual(a, b)) errs.push(forbidden(name, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export function validateConfigMapUpdate(next: V1ConfigMap, old: V1ConfigMap): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, old.metadata),
    ...immutableData(next, old, [
      ['data', next.data, old.data],
      ['binaryData', next.binaryData, old.binaryData],
    ]),
    ...validateConfigMap(next),
  ];
}

function requireKeys(data: Record<string, string>, keys: string[]): StatusCause[] {
  return keys.filter((k) => !Object.hasOwn(data, k)).map((k) => required(key('data', k)));
}

function validateJsonKey(data: Record<string, string>, k: string): StatusCause[] {
  if (!Object.hasOwn(data, k)) return [required(key('data', k))];
  try {
    const parsed = JSON.parse(Buffer.from(data[k], 'base64').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SyntaxError('not an object');
    return [];
  } catch (e) {
    return [invalid(key('data', k), '<secret contents redacted>', (e as Error).message)];
  }
}

export function validateSecret(secret: V1Secret): StatusCause[] {
  const errs = validateObjectMeta(secret.metadata, subdomainMeta);
  const data = (secret.data ?? {}) as Record<string, string>;
  let size = 0;
  for (const [k, v] of entriesOf(data)) {
    errs.push(...invalidEach(key('data', k), k, isConfigMapKey(k)));
    size += base64Length(v);
  }
  if (size > maxDataSize) errs.push(tooLong('data', maxDataSize));
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJsonKey(data, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJsonKey(data, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!Object.hasOwn(data, 'username') && !Object.hasOwn(data, 'password')) {
        errs.push(...requireKeys(data, ['username', 'password']));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      errs.push(...requireKeys(data, ['tls.crt', 'tls.key']));
      break;
  }
  return errs;
}

export function validateSecretUpdate(next: V1Secret, old: V1Secret): StatusCause[] {
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  if ((next.type ?? '') !== (old.type ?? '')) errs.push(invalid('type', next.type ?? '', fieldImmutable));
  errs.push(...immutableData(next, old, [['data', next.data, old.data]]));
  errs.push(...validateSecret(next));
  return errs;
}

export function validateServiceAccount(sa: V1ServiceAccount): StatusCause[] {
  return validateObjectMeta(sa.metadata, subdomainMeta);
}

export function validateServiceAccountUpdate(next: V1ServiceAccount, old: V1ServiceAccount): StatusCause[] {
  return [...validateObjectMetaUpdate(next.metadata, old.metadata), ...validateServiceAccount(next)];
}
