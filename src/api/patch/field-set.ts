// Sets of field paths, as server-side apply records who owns what. A path is
// a list of path elements written the way `metadata.managedFields[].fieldsV1`
// writes them:
//   f:<name>              a field of a struct or a key of a map
//   k:{"name":"nginx"}    an item of a list-map, by its keys (sorted by name)
//   v:"value"             an item of a set, by its value (JSON)
//   i:<n>                 an item of a list, by index
// A set is a tree; a node is a `member` when the path to it is in the set
// (fieldsV1 writes that as `".": {}` when the node also has children).
import { isJsonObject, type Json, type JsonObject } from './type-node.ts';

export interface FieldSet {
  member: boolean;
  children: Map<string, FieldSet>;
}

export type FieldPath = string[];

export const emptySet = (): FieldSet => ({ member: false, children: new Map() });

export function insertPath(set: FieldSet, path: FieldPath): void {
  let node = set;
  for (const element of path) {
    let next = node.children.get(element);
    if (!next) {
      next = emptySet();
      node.children.set(element, next);
    }
    node = next;
  }
  node.member = true;
}

export function hasPath(set: FieldSet, path: FieldPath): boolean {
  let node: FieldSet | undefined = set;
  for (const element of path) {
    node = node.children.get(element);
    if (!node) return false;
  }
  return node.member;
}

export function isEmptySet(set: FieldSet): boolean {
  if (set.member) return false;
  for (const child of set.children.values()) if (!isEmptySet(child)) return false;
  return true;
}

function prune(set: FieldSet): FieldSet {
  for (const [key, child] of set.children) if (isEmptySet(child)) set.children.delete(key);
  return set;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member || b.member, children: new Map() };
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    out.children.set(key, other ? union(child, other) : copySet(child));
  }
  for (const [key, child] of b.children) if (!a.children.has(key)) out.children.set(key, copySet(child));
  return out;
}

/** Paths in `a` that are not in `b` (membership only: `b` owning a parent removes nothing below it). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && !b.member, children: new Map() };
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    out.children.set(key, other ? difference(child, other) : copySet(child));
  }
  return prune(out);
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && b.member, children: new Map() };
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    if (other) out.children.set(key, intersection(child, other));
  }
  return prune(out);
}

/** Paths in `a` that are neither in `b` nor below a path in `b`. */
export function recursiveDifference(a: FieldSet, b: FieldSet): FieldSet {
  if (b.member) return emptySet();
  const out: FieldSet = { member: a.member, children: new Map() };
  for (const [key, child] of a.children) {
    const other = b.children.get(key);
    out.children.set(key, other ? recursiveDifference(child, other) : copySet(child));
  }
  return prune(out);
}

export function copySet(set: FieldSet): FieldSet {
  const children = new Map<string, FieldSet>();
  for (const [key, child] of set.children) children.set(key, copySet(child));
  return { member: set.member, children };
}

export function setOf(paths: FieldPath[]): FieldSet {
  const set = emptySet();
  for (const path of paths) insertPath(set, path);
  return set;
}

/** Every member path, in the order fieldsV1 lists them. */
export function pathsOf(set: FieldSet, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = set.member ? [prefix] : [];
  for (const key of sortedKeys(set)) out.push(...pathsOf(set.children.get(key)!, [...prefix, key]));
  return out;
}

// Path elements order as upstream sorts them: fields by name, then keyed
// items, then values, then indexes.
function rank(e: string): number {
  switch (e[0]) {
    case 'f':
      return 0;
    case 'k':
      return 1;
    case 'v':
      return 2;
    case 'i':
      return 3;
    default:
      return 4;
  }
}

function sortedKeys(set: FieldSet): string[] {
  return [...set.children.keys()].sort(compareElements);
}

export function compareElements(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  const ba = a.slice(2);
  const bb = b.slice(2);
  switch (a[0]) {
    case 'k':
      return compareValues(parseJson(ba), parseJson(bb));
    case 'v':
      return compareValues(parseJson(ba), parseJson(bb));
    case 'i':
      return Number(ba) - Number(bb);
    default:
      return ba < bb ? -1 : ba > bb ? 1 : 0;
  }
}

const parseJson = (s: string): Json => JSON.parse(s) as Json;

// A total order over JSON values: numbers < strings < booleans < lists <
// objects < null; objects compare field by field in key order.
function compareValues(a: Json, b: Json): number {
  const order = (v: Json) =>
    typeof v === 'number'
      ? 0
      : typeof v === 'string'
        ? 1
        : typeof v === 'boolean'
          ? 2
          : Array.isArray(v)
            ? 3
            : v === null
              ? 5
              : 4;
  const oa = order(a);
  const ob = order(b);
  if (oa !== ob) return oa - ob;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ea = Object.entries(a);
    const eb = Object.entries(b);
    for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
      if (ea[i][0] !== eb[i][0]) return ea[i][0] < eb[i][0] ? -1 : 1;
      const c = compareValues(ea[i][1], eb[i][1]);
      if (c !== 0) return c;
    }
    return ea.length - eb.length;
  }
  return 0;
}

/** The set as `fieldsV1` JSON. */
export function toFieldsV1(set: FieldSet): JsonObject {
  const out: JsonObject = {};
  if (set.member && set.children.size > 0) out['.'] = {};
  for (const key of sortedKeys(set)) out[key] = toFieldsV1(set.children.get(key)!);
  return out;
}

/** Reads `fieldsV1`; unreadable input yields an empty set rather than failing the write. */
export function fromFieldsV1(v: unknown): FieldSet {
  return readNode(v, true);
}

function readNode(v: unknown, root: boolean): FieldSet {
  const set = emptySet();
  if (!isJsonObject(v)) return set;
  const entries = Object.entries(v);
  // Below the root, a node with no children at all stands for a member leaf.
  if (entries.length === 0 && !root) set.member = true;
  for (const [key, child] of entries) {
    if (key === '.') set.member = true;
    else set.children.set(key, readNode(child, false));
  }
  return set;
}

/** A path as upstream prints it in conflict messages: `.spec.containers[name="nginx"].image`. */
export function pathString(path: FieldPath): string {
  return path
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = parseJson(body);
          const parts = isJsonObject(key)
            ? Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            : [];
          return `[${parts.join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

export const fieldElement = (name: string) => `f:${name}`;
