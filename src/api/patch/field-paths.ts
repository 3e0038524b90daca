// Walks of typed values that server-side apply needs: which paths a value
// sets (what an applier owns), which paths changed between two values (what
// an update took), and removing owned paths from a value (pruning).
//
// Ownership granularity follows the schema: leaves are scalars, atomic
// lists, atomic maps and atomic structs; a struct or a granular map is only
// owned through its fields; list-map and set items are owned as items (and
// their fields as well).
import { emptySet, type FieldPath, type FieldSet, insertPath } from './field-set.ts';
import { keyDefaultOf } from './patch-meta.ts';
import {
  childNode,
  deepEqual,
  isJsonObject,
  isNamedField,
  itemModelOf,
  type Json,
  type TypeNode,
} from './type-node.ts';

type Value = Json | undefined;

/** How `node` is treated: as one leaf value, as a map of named children, or as a list of items. */
function shapeOf(node: TypeNode, v: Value): 'leaf' | 'map' | 'list' {
  switch (node.kind) {
    case 'struct':
    case 'map':
      return node.atomic ? 'leaf' : 'map';
    case 'list':
      return node.listType === 'atomic' ? 'leaf' : 'list';
    case 'untyped':
      return isJsonObject(v) ? 'map' : 'leaf';
    default:
      return 'leaf';
  }
}

const itemNode = (node: TypeNode): TypeNode => (node.kind === 'list' ? node.items : node);

/** The path element naming `item` within the list `node`. */
export function itemElement(node: TypeNode, item: Json, index: number): string {
  if (node.kind !== 'list' || node.listType === 'atomic') return `i:${index}`;
  if (node.listType === 'set') return `v:${JSON.stringify(item)}`;
  const itemModel = itemModelOf(node);
  const key: Record<string, Json> = {};
  for (const name of [...node.keys].sort()) {
    const value = isJsonObject(item) ? item[name] : undefined;
    const fallback = itemModel ? keyDefaultOf(itemModel, name) : undefined;
    if (value !== undefined) key[name] = value;
    else if (fallback !== undefined) key[name] = fallback as Json;
  }
  return `k:${JSON.stringify(key)}`;
}

function entriesOf(v: Value): [string, Json][] {
  return isJsonObject(v) ? Object.entries(v) : [];
}

/** The paths a value sets: what an applier of it owns. */
export function toFieldSet(value: Json, node: TypeNode): FieldSet {
  const set = emptySet();
  collect(value, node, [], set);
  return set;
}

function collect(value: Json, node: TypeNode, path: FieldPath, set: FieldSet): void {
  const shape = shapeOf(node, value);
  if (shape === 'leaf') {
    // A null struct, map or list sets nothing; a null scalar is still a value.
    if (value !== null || node.kind === 'scalar' || node.kind === 'untyped') insertPath(set, path);
    return;
  }
  if (shape === 'map') {
    if (value !== null && !isJsonObject(value)) insertPath(set, path);
    for (const [key, child] of entriesOf(value))
      collect(child, childNode(node, key), [...path, `f:${key}`], set);
    return;
  }
  if (value !== null && !Array.isArray(value)) {
    insertPath(set, path);
    return;
  }
  (value ?? []).forEach((item, i) => {
    const itemPath = [...path, itemElement(node, item, i)];
    collect(item, itemNode(node), itemPath, set);
    insertPath(set, itemPath);
  });
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Which paths `after` added, changed and removed relative to `before`. */
export function compareValues(before: Json, after: Json, node: TypeNode): Comparison {
  const out: Comparison = { added: emptySet(), modified: emptySet(), removed: emptySet() };
  compareAt(before, after, node, [], out);
  return out;
}

function compareLeaf(before: Value, after: Value, path: FieldPath, out: Comparison): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) insertPath(out.added, path);
  else if (after === undefined) insertPath(out.removed, path);
  else if (!deepEqual(before, after)) insertPath(out.modified, path);
}

function compareAt(before: Value, after: Value, node: TypeNode, path: FieldPath, out: Comparison): void {
  const shape = shapeOf(node, after ?? before);
  const fits = (v: Value) =>
    v === undefined || v === null || (shape === 'map' ? isJsonObject(v) : Array.isArray(v));
  if (shape === 'leaf' || !fits(before) || !fits(after)) {
    compareLeaf(before, after, path, out);
    return;
  }
  if (shape === 'map') {
    const b = isJsonObject(before) ? before : undefined;
    const a = isJsonObject(after) ? after : undefined;
    if (b)
      for (const key of Object.keys(b))
        compareAt(b[key], a?.[key], childNode(node, key), [...path, `f:${key}`], out);
    if (a) {
      for (const key of Object.keys(a)) {
        if (b && Object.hasOwn(b, key)) continue;
        compareAt(undefined, a[key], childNode(node, key), [...path, `f:${key}`], out);
      }
    }
  } else {
    const b = (before ?? []) as Json[];
    const a = (after ?? []) as Json[];
    // Two empty lists compare as values, keeping null apart from [].
    if (b.length === 0 && a.length === 0) {
      compareLeaf(before, after, path, out);
      return;
    }
    const beforeItems = indexItems(b, node);
    const afterItems = indexItems(a, node);
    for (const element of new Set([...beforeItems.keys(), ...afterItems.keys()])) {
      compareAt(beforeItems.get(element), afterItems.get(element), itemNode(node), [...path, element], out);
    }
  }
  if (path.length > 0 && before === undefined && after !== undefined) insertPath(out.added, path);
  if (path.length > 0 && before !== undefined && after === undefined) insertPath(out.removed, path);
}

function indexItems(items: Json[], node: TypeNode): Map<string, Json> {
  const out = new Map<string, Json>();
  items.forEach((item, i) => {
    const element = itemElement(node, item, i);
    if (!out.has(element)) out.set(element, item);
  });
  return out;
}

/**
 * The set plus the struct fields along its paths, so that pruning a leaf can
 * also take away the struct that held it (map keys and list items are not added).
 */
export function withNamedFields(set: FieldSet, node: TypeNode): FieldSet {
  const out: FieldSet = { member: set.member, children: new Map() };
  for (const [element, child] of set.children) {
    const name = element.slice(2);
    const isField = element.startsWith('f:');
    const next = isField ? childNode(node, name) : itemNode(node);
    const copy = withNamedFields(child, next);
    if (isField && isNamedField(node, name) && child.children.size > 0) copy.member = true;
    out.children.set(element, copy);
  }
  return out;
}

/** `value` without the paths that are members of `set` (each taken away with everything below it). */
export function removePaths(value: Json, set: FieldSet, node: TypeNode): Json {
  if (set.children.size === 0) return value;
  if (isJsonObject(value)) {
    const out: Record<string, Json> = {};
    for (const [key, child] of Object.entries(value)) {
      const sub = set.children.get(`f:${key}`);
      if (sub?.member) continue;
      out[key] = sub ? removePaths(child, sub, childNode(node, key)) : child;
    }
    return out;
  }
  if (Array.isArray(value) && node.kind === 'list') {
    const out: Json[] = [];
    value.forEach((item, i) => {
      const sub = set.children.get(itemElement(node, item, i));
      if (sub?.member) return;
      out.push(sub ? removePaths(item, sub, node.items) : item);
    });
    return out;
  }
  return value;
}
