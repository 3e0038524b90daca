// Strategic merge patch (`application/strategic-merge-patch+json`), from
// the documented semantics (community sig-api-machinery
// strategic-merge-patch.md and the preserve-order design):
//
// - maps merge key by key; `null` deletes a key;
// - lists whose field declares strategy `merge` merge by the field's merge
//   key (lists of objects) or as a union (lists of scalars); other lists are
//   replaced;
// - directives: `$patch: replace|delete|merge` in a map or as a list
//   element, `$retainKeys`, `$setElementOrder/<field>`,
//   `$deleteFromPrimitiveList/<field>`.
//
// Merged lists come out in the order upstream gives them: items named by
// `$setElementOrder` (or, without it, items in the patch) in that order,
// with the live object's other items kept where they stood relative to them.
import { StatusError } from '../status.ts';
import {
  childNode,
  deepEqual,
  fieldMetaOf,
  isJsonObject,
  type Json,
  type JsonObject,
  type TypeNode,
  untyped,
} from './type-node.ts';

const directiveKey = '$patch';
const retainKeysKey = '$retainKeys';
const orderPrefix = '$setElementOrder/';
const deletePrefix = '$deleteFromPrimitiveList/';

const badRequest = (message: string) => new StatusError('BadRequest', message);
// Upstream passes these through unmapped, so clients see a 500 with the text.
const internal = (message: string) => new StatusError('InternalError', `Internal error occurred: ${message}`);
const unprocessable = (message: string) => new StatusError('Invalid', message, {});

export function applyStrategicMergePatch(current: JsonObject, patch: unknown, node: TypeNode): JsonObject {
  if (!isJsonObject(patch)) {
    const what = Array.isArray(patch) ? 'array' : typeof patch === 'boolean' ? 'bool' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  return mergeMap(current, patch, node);
}

const printed = (v: unknown) => JSON.stringify(v);

function mergeMap(original: JsonObject, patch: JsonObject, node: TypeNode): JsonObject {
  const directive = patch[directiveKey];
  if (directive !== undefined) {
    if (directive === 'replace') return withoutDirectives(patch);
    if (directive === 'delete') return {};
    if (directive !== 'merge') {
      throw internal(`unknown patch type: ${String(directive)} in map: ${printed(patch)}`);
    }
  }
  const out: JsonObject = { ...original };
  applyRetainKeys(out, patch);

  const listKeys = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (key.startsWith(deletePrefix)) {
      const field = key.slice(deletePrefix.length);
      const values = patch[key];
      if (!Array.isArray(values)) throw badRequest('invalid patch format of primitive list');
      const existing = out[field];
      if (Array.isArray(existing)) out[field] = existing.filter((v) => !values.some((d) => deepEqual(d, v)));
    } else if (key.startsWith(orderPrefix)) {
      listKeys.add(key.slice(orderPrefix.length));
    }
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      listKeys.delete(key);
      out[key] = mergeField(out[key], value, node, key, patch[orderPrefix + key]);
    } else if (isJsonObject(value)) {
      const existing = out[key];
      out[key] = mergeMap(isJsonObject(existing) ? existing : {}, value, childNode(node, key));
    } else {
      out[key] = value;
    }
  }
  // An order directive without a patch list only reorders the live list.
  for (const key of listKeys) {
    const existing = out[key];
    if (Array.isArray(existing)) out[key] = mergeField(existing, [], node, key, patch[orderPrefix + key]);
  }
  return out;
}

function applyRetainKeys(out: JsonObject, patch: JsonObject): void {
  const retain = patch[retainKeysKey];
  if (retain === undefined) return;
  if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
    throw badRequest('invalid patch format of retainKeys');
  }
  const keep = new Set(retain as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$') && value !== null && !keep.has(key)) {
      throw unprocessable("patch content doesn't match retainKeys list");
    }
  }
  for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
}

function mergeField(
  original: Json | undefined,
  patch: Json[],
  parent: TypeNode,
  key: string,
  order: Json | undefined,
) {
  const meta = fieldMetaOf(parent, key);
  const node = childNode(parent, key);
  const items = node.kind === 'list' ? node.items : untyped;
  if (!meta?.strategy?.includes('merge')) return patch.map((v) => withoutNulls(v));
  if (order !== undefined && !Array.isArray(order)) {
    throw badRequest('invalid patch format of setElementOrder list');
  }
  const live = Array.isArray(original) ? original : [];
  const first = patch[0] ?? live[0];
  if (first === undefined) return [];
  const mergeKey = meta.mergeKey;
  if (!isJsonObject(first) || (!mergeKey && items.kind !== 'struct')) return mergeScalars(live, patch, order);
  if (!mergeKey) throw internal(`cannot merge lists without merge key for ${key}`);
  return mergeObjects(live, patch, order, mergeKey, items);
}

function mergeScalars(live: Json[], patch: Json[], order: Json[] | undefined): Json[] {
  if (patch.some((v) => isJsonObject(v) || Array.isArray(v))) {
    throw badRequest('invalid patch format of primitive list');
  }
  const merged: Json[] = [];
  for (const v of [...live, ...patch]) if (!merged.some((m) => deepEqual(m, v))) merged.push(v);
  const id = (v: Json) => JSON.stringify(v);
  return arrange(merged, order ?? patch, live, id);
}

function mergeObjects(
  live: Json[],
  patch: Json[],
  order: Json[] | undefined,
  mergeKey: string,
  items: TypeNode,
) {
  const keyOf = (v: Json): string => {
    if (!isJsonObject(v) || v[mergeKey] === undefined) {
      throw internal(`map: ${printed(v)} does not contain declared merge key: ${mergeKey}`);
    }
    return JSON.stringify(v[mergeKey]);
  };
  if (order?.some((v) => !isJsonObject(v) || v[mergeKey] === undefined)) {
    throw badRequest('invalid patch format of setElementOrder list');
  }
  const elements = patch.filter(isJsonObject);
  if (elements.length !== patch.length) throw internal('lists of lists are not supported');

  // `{"$patch": "replace"}` as an element: the patch's other elements are the list.
  if (elements.some((e) => e[directiveKey] === 'replace')) {
    return elements.filter((e) => e[directiveKey] !== 'replace').map((e) => withoutDirectives(e));
  }
  let merged: Json[] = [...live];
  const toMerge: JsonObject[] = [];
  for (const element of elements) {
    const directive = element[directiveKey];
    if (directive === 'delete') {
      const key = keyOf(element);
      merged = merged.filter((m) => !isJsonObject(m) || JSON.stringify(m[mergeKey]) !== key);
    } else if (directive === undefined || directive === 'merge') {
      toMerge.push(element);
    } else {
      throw internal(`unknown patch type: ${String(directive)} in map: ${printed(element)}`);
    }
  }
  for (const element of toMerge) {
    const key = keyOf(element);
    const at = merged.findIndex((m) => isJsonObject(m) && JSON.stringify(m[mergeKey]) === key);
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, element, items);
    else merged.push(mergeMap({}, element, items));
  }
  const id = (v: Json) => (isJsonObject(v) ? JSON.stringify(v[mergeKey] ?? null) : JSON.stringify(v));
  return arrange(merged, order ?? toMerge, live, id);
}

/**
 * Puts the merged items in upstream's order. Items named in `wanted` come in
 * that order; the others keep the live order; the two runs interleave so a
 * live-only item stays ahead of a named item it preceded in the live list.
 * New named items therefore land before live-only items that follow them.
 */
function arrange(merged: Json[], wanted: Json[], live: Json[], id: (v: Json) => string): Json[] {
  const wantedAt = new Map<string, number>();
  wanted.forEach((v, i) => {
    if (!wantedAt.has(id(v))) wantedAt.set(id(v), i);
  });
  const liveAt = new Map<string, number>();
  live.forEach((v, i) => {
    if (!liveAt.has(id(v))) liveAt.set(id(v), i);
  });
  const named = merged.filter((v) => wantedAt.has(id(v)));
  named.sort((a, b) => (wantedAt.get(id(a)) ?? 0) - (wantedAt.get(id(b)) ?? 0));
  const others = merged.filter((v) => !wantedAt.has(id(v)));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < others.length || j < named.length) {
    if (j >= named.length) {
      out.push(others[i++]);
    } else if (i >= others.length) {
      out.push(named[j++]);
    } else {
      const l = liveAt.get(id(others[i]));
      const r = liveAt.get(id(named[j]));
      out.push(l !== undefined && r !== undefined && l < r ? others[i++] : named[j++]);
    }
  }
  return out;
}

/** A patch map used as a value: directives dropped, `null`s (deletions of nothing) dropped. */
function withoutDirectives(v: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(v)) {
    if (key.startsWith('$') || value === null) continue;
    out[key] = isJsonObject(value) ? withoutDirectives(value) : withoutNulls(value);
  }
  return out;
}

function withoutNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isJsonObject(v)) return v;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(v)) if (value !== null) out[key] = withoutNulls(value);
  return out;
}
