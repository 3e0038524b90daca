// What the objects in one watch cache share instead of each holding a copy.
// Objects of a resource repeat themselves: those written in the same second
// carry the same timestamps, the pods of one ReplicaSet name the same owner
// and labels, and the field sets in managedFields are mostly identical across
// the objects one manager writes. Kept once, a small object such as a
// ConfigMap costs about a quarter less memory in the cache (and in the
// in-process informers, which hold the same objects).
//
// Cached objects are read-only for everyone; the shared field sets are frozen
// so that a violation throws instead of changing other objects.

import type { KubeObject } from '../api/object.ts';
import { deepEqual, isObject } from '../api/object.ts';

// Both tables start over when full: values already shared stay shared, and
// neither table can grow without bound on ever-new timestamps or managers.
const MAX_STRINGS = 8192;
const MAX_FIELD_SETS = 1024;
const OWNER_FIELDS = ['apiVersion', 'kind', 'name', 'uid'];
const ENTRY_FIELDS = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource'];

export class CacheInterner {
  readonly #table = new Map<string, string>();
  /** Per manager identity, the field set it wrote last. */
  readonly #fieldSets = new Map<string, object>();

  /** Rewrites `o` in place to share what it can; `previous` is the key's earlier version, if cached. */
  intern(o: KubeObject, previous?: KubeObject): void {
    const m = o.metadata;
    if (!isObject(m)) return;
    this.#strings(m, ['namespace', 'creationTimestamp', 'deletionTimestamp']);
    if (isObject(m.labels)) this.#strings(m.labels, Object.keys(m.labels));
    if (Array.isArray(m.finalizers)) this.#strings(m.finalizers, m.finalizers.keys());
    if (Array.isArray(m.ownerReferences)) {
      for (const ref of m.ownerReferences) if (isObject(ref)) this.#strings(ref, OWNER_FIELDS);
    }
    if (Array.isArray(m.managedFields)) {
      const before = previous?.metadata.managedFields;
      for (const entry of m.managedFields) if (isObject(entry)) this.#entry(entry, before);
    }
  }

  #entry(entry: Record<string, unknown>, before: unknown[] | undefined): void {
    this.#strings(entry, ENTRY_FIELDS);
    const fields = entry.fieldsV1;
    if (!isObject(fields)) return;
    const identity = `${entry.manager}\u0000${entry.operation}\u0000${entry.apiVersion}\u0000${entry.subresource ?? ''}`;
    const candidates = [this.#fieldSets.get(identity), sameManager(before, entry)?.fieldsV1];
    for (const candidate of candidates) {
      if (candidate !== undefined && deepEqual(fields, candidate)) {
        entry.fieldsV1 = candidate;
        return;
      }
    }
    deepFreeze(fields);
    if (this.#fieldSets.size >= MAX_FIELD_SETS) this.#fieldSets.clear();
    this.#fieldSets.set(identity, fields);
  }

  /** Replaces each string under `keys` of `holder` by the table's copy; other values stay as they are. */
  #strings<K extends string | number>(holder: Partial<Record<K, unknown>>, keys: Iterable<K>): void {
    for (const k of keys) {
      const value = holder[k];
      if (typeof value === 'string') holder[k] = this.#string(value);
    }
  }

  #string(value: string): string {
    const known = this.#table.get(value);
    if (known !== undefined) return known;
    if (this.#table.size >= MAX_STRINGS) this.#table.clear();
    this.#table.set(value, value);
    return value;
  }
}

function sameManager(entries: unknown[] | undefined, entry: Record<string, unknown>) {
  return entries?.find(
    (e): e is Record<string, unknown> =>
      isObject(e) &&
      e.manager === entry.manager &&
      e.operation === entry.operation &&
      e.apiVersion === entry.apiVersion &&
      e.subresource === entry.subresource,
  );
}

function deepFreeze(value: unknown): void {
  if (!isObject(value) && !Array.isArray(value)) return;
  for (const child of Object.values(value)) deepFreeze(child);
  Object.freeze(value);
}
