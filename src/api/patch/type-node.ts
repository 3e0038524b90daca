// A view of the type graph (src/api/schema.ts) that patching walks: each
// node says how a value at that place merges and is owned. Fields the graph
// does not know are `untyped`: objects merge key by key, lists are atomic,
// as upstream treats values it has no schema for.
import { type FieldType, model, modelIdOf } from '../schema.ts';
import { isAtomicStruct, type ListType, type PatchMeta, patchMetaOf } from './patch-meta.ts';

export type TypeNode =
  | { kind: 'struct'; model: string; atomic: boolean }
  | { kind: 'map'; values: TypeNode; atomic: boolean }
  | { kind: 'list'; items: TypeNode; listType: ListType; keys: string[]; meta?: PatchMeta }
  | { kind: 'scalar' }
  | { kind: 'untyped' };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const untyped: TypeNode = { kind: 'untyped' };
const scalar: TypeNode = { kind: 'scalar' };

export const isJsonObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The node of a served kind's whole object; untyped when the kind is not in the graph. */
export function rootNode(apiVersion: string, kind: string): TypeNode {
  const id = modelIdOf(apiVersion, kind);
  return id ? structNode(id) : untyped;
}

export function structNode(modelId: string): TypeNode {
  return model(modelId) ? { kind: 'struct', model: modelId, atomic: isAtomicStruct(modelId) } : untyped;
}

function fromFieldType(t: FieldType, meta: PatchMeta | undefined): TypeNode {
  switch (t.kind) {
    case 'ref':
      return structNode(t.model);
    case 'map':
      return { kind: 'map', values: fromFieldType(t.values, undefined), atomic: meta?.mapType === 'atomic' };
    case 'array': {
      const items = fromFieldType(t.items, undefined);
      const listType = meta?.listType ?? (meta?.mergeKey ? 'map' : meta?.strategy ? 'set' : 'atomic');
      const keys = meta?.listMapKeys ?? (meta?.mergeKey ? [meta.mergeKey] : []);
      return { kind: 'list', items, listType, keys, ...(meta ? { meta } : {}) };
    }
    case 'any':
      return untyped;
    default:
      return scalar;
  }
}

/** The node of the value under `key` of a value of type `node`. */
export function childNode(node: TypeNode, key: string): TypeNode {
  switch (node.kind) {
    case 'struct': {
      const field = model(node.model)?.fields[key];
      return field ? fromFieldType(field.type, patchMetaOf(node.model, key)) : untyped;
    }
    case 'map':
      return node.values;
    default:
      return untyped;
  }
}

/** Patch metadata of `key` when `node` is a struct. */
export function fieldMetaOf(node: TypeNode, key: string): PatchMeta | undefined {
  return node.kind === 'struct' ? patchMetaOf(node.model, key) : undefined;
}

/** Whether `key` is a declared field of the struct `node` (not a map key). */
export function isNamedField(node: TypeNode, key: string): boolean {
  return node.kind === 'struct' && model(node.model)?.fields[key] !== undefined;
}

/** The item model of a list node, when its items are structs. */
export function itemModelOf(node: TypeNode): string | undefined {
  return node.kind === 'list' && node.items.kind === 'struct' ? node.items.model : undefined;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

export function deepCopy<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}
