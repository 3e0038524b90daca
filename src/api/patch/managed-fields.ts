// `metadata.managedFields`: reading and writing the entries, who a manager
// is, and the field manager name a request writes under.
import { errors, StatusError } from '../status.ts';
import {
  difference,
  type FieldSet,
  fromFieldsV1,
  isEmptySet,
  pathString,
  recursiveDifference,
  setOf,
  toFieldsV1,
} from './field-set.ts';
import { isJsonObject, type JsonObject } from './type-node.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/** One manager's claim, decoded. */
export interface Owner {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/**
 * Two entries are the same manager when these agree. An applier keeps its
 * identity across API versions; an updater is distinct per version.
 */
export function ownerId(o: Pick<Owner, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const version = o.operation === 'Apply' ? '' : o.apiVersion;
  return JSON.stringify([o.manager, o.operation, version, o.subresource ?? '']);
}

/** The manager as conflict messages name it: `"kubectl-client-side-apply" using apps/v1`. */
export function describeOwner(o: Owner): string {
  let out = JSON.stringify(o.manager);
  if (o.subresource) out += ` with subresource ${JSON.stringify(o.subresource)}`;
  if (o.operation === 'Update') out += ` using ${o.apiVersion}`;
  return out;
}

export function decodeManagedFields(entries: unknown): Map<string, Owner> {
  const owners = new Map<string, Owner>();
  if (!Array.isArray(entries)) return owners;
  for (const e of entries) {
    if (!isJsonObject(e) || typeof e.manager !== 'string') continue;
    const operation: Operation = e.operation === 'Apply' ? 'Apply' : 'Update';
    const owner: Owner = {
      manager: e.manager,
      operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
      set: fromFieldsV1(e.fieldsV1),
    };
    owners.set(ownerId(owner), owner);
  }
  return owners;
}

/** Entries in upstream's order: Apply before Update, then by time, manager, version, subresource. */
export function encodeManagedFields(owners: Iterable<Owner>): ManagedFieldsEntry[] {
  const list = [...owners].filter((o) => !isEmptySet(o.set));
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((o) => ({
    manager: o.manager,
    operation: o.operation,
    apiVersion: o.apiVersion,
    ...(o.time ? { time: o.time } : {}),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(o.set),
    ...(o.subresource ? { subresource: o.subresource } : {}),
  }));
}

/** RFC 3339 in whole seconds, as managedFields times are written. */
export function managedTime(now: Date): string {
  // toISOString always ends in ".sssZ".
  const iso = now.toISOString();
  return `${iso.slice(0, -5)}Z`;
}

// Fields no manager owns: identity, bookkeeping and the type itself.
const systemFields = setOf([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
]);

/** A set without the system fields and without anything under `ignored` paths. */
export function ownable(set: FieldSet, ignored: string[][] = []): FieldSet {
  const owned = difference(set, systemFields);
  if (ignored.length === 0) return owned;
  return recursiveDifference(owned, setOf(ignored.map((path) => path.map((name) => `f:${name}`))));
}

/**
 * Fields a write to the main resource or to the status subresource does not
 * take ownership of, because the other endpoint is the one that changes them.
 */
export function resetFieldsFor(subresource?: string): string[][] {
  if (subresource === 'status')
    return [['spec'], ['metadata', 'deletionTimestamp'], ['metadata', 'ownerReferences']];
  if (subresource) return [];
  return [['status']];
}

const maxManagerLength = 128;

/**
 * The field manager a write is recorded under: the `fieldManager` parameter
 * when given, else the user agent's product name ("kubectl" from
 * "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"). Apply needs the parameter.
 */
export function fieldManagerFor(param: string | undefined, userAgent: string, isApply = false): string {
  const invalid = (message: string, reason: string) =>
    errors.invalid('PatchOptions', '', [{ reason, message, field: 'fieldManager' }], 'meta.k8s.io');
  if (param === undefined || param === '') {
    if (isApply) throw invalid('Required value: is required for apply patch', 'FieldValueRequired');
    return prefixOfUserAgent(userAgent);
  }
  if (Buffer.byteLength(param) > maxManagerLength) {
    throw invalid(`Too long: may not be more than ${maxManagerLength} bytes`, 'FieldValueTooLong');
  }
  if (/\p{C}/u.test(param)) {
    throw invalid(
      `Invalid value: ${JSON.stringify(param)}: must only contain printable characters`,
      'FieldValueInvalid',
    );
  }
  return param;
}

function prefixOfUserAgent(userAgent: string): string {
  let out = '';
  for (const ch of userAgent.split('/')[0]) {
    if (/\p{C}/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > maxManagerLength) break;
    out += ch;
  }
  return out;
}

/** The 409 upstream answers an apply with when other managers own fields it would change. */
export function conflictError(conflicts: { owner: Owner; path: string[] }[]): StatusError {
  conflicts.sort((a, b) =>
    a.owner.manager < b.owner.manager ? -1 : a.owner.manager > b.owner.manager ? 1 : 0,
  );
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeOwner(c.owner)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeOwner(conflicts[0].owner)}: ${pathString(conflicts[0].path)}`;
  } else {
    const lines: string[] = [];
    let last: string | undefined;
    for (const c of conflicts) {
      const who = describeOwner(c.owner);
      if (who !== last) lines.push(`conflicts with ${who}:`);
      last = who;
      lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError('Conflict', message, { causes });
}
