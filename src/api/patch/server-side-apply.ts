// Server-side apply (`application/apply-patch+yaml`) and the field ownership
// every other write records. Semantics as upstream documents them:
//
// - an applier owns exactly the fields of its last applied configuration;
// - fields it owned before and no longer applies are removed from the
//   object, unless another manager owns them too;
// - applying a different value to a field another manager owns is a
//   conflict (409), unless forced, which moves the field to the applier;
// - a non-apply write (create, update, patch) makes its manager the owner
//   of the fields it added or changed, taking them from their previous owners;
// - a field removed from the object is owned by no one.
import { parse as parseYaml } from 'yaml';
import { StatusError } from '../status.ts';
import { mergeApplied } from './apply-merge.ts';
import { type Comparison, compareValues, removePaths, toFieldSet, withNamedFields } from './field-paths.ts';
import {
  difference,
  emptySet,
  type FieldSet,
  intersection,
  isEmptySet,
  pathsOf,
  union,
} from './field-set.ts';
import {
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  managedTime,
  type Owner,
  ownable,
  ownerId,
  resetFieldsFor,
} from './managed-fields.ts';
import { deepEqual, isJsonObject, type Json, type JsonObject, rootNode, type TypeNode } from './type-node.ts';
import { zeroObject } from './zero-object.ts';

export interface WriteContext {
  apiVersion: string;
  kind: string;
  /** The field manager (see fieldManagerFor). */
  manager: string;
  /** Set for writes through a subresource, e.g. "status". */
  subresource?: string;
  now: Date;
}

export interface ApplyOptions extends WriteContext {
  force: boolean;
}

/** Decodes an apply body (YAML, of which JSON is a subset). */
export function parseApplyBody(body: string | Uint8Array): JsonObject {
  let parsed: unknown;
  try {
    parsed = parseYaml(typeof body === 'string' ? body : new TextDecoder().decode(body));
  } catch (e) {
    throw new StatusError('BadRequest', `error decoding YAML: ${(e as Error).message}`);
  }
  if (!isJsonObject(parsed)) {
    throw new StatusError('BadRequest', 'error decoding YAML: the apply configuration must be an object');
  }
  return parsed;
}

const withoutManagedFields = (o: JsonObject): JsonObject => {
  const metadata = isJsonObject(o.metadata) ? { ...o.metadata } : undefined;
  if (!metadata) return { ...o };
  delete metadata.managedFields;
  return { ...o, metadata };
};

function withManagedFields(o: JsonObject, owners: Iterable<Owner>): JsonObject {
  const entries = encodeManagedFields(owners);
  const metadata: JsonObject = { ...(isJsonObject(o.metadata) ? o.metadata : {}) };
  if (entries.length > 0) metadata.managedFields = entries as unknown as Json;
  else delete metadata.managedFields;
  return { ...o, metadata };
}

/**
 * Applies `config` for `opts.manager` to `live` (undefined when the object
 * does not exist yet). Returns a new object with its managedFields, sharing
 * nothing with `live`; when nothing changes it returns `live` itself, so the
 * caller can skip the write.
 */
export function serverSideApply(
  live: JsonObject | undefined,
  config: unknown,
  opts: ApplyOptions,
): JsonObject {
  if (!isJsonObject(config))
    throw new StatusError('BadRequest', 'error decoding YAML: the apply configuration must be an object');
  if (config.apiVersion !== opts.apiVersion) {
    throw new StatusError(
      'BadRequest',
      `Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${opts.apiVersion}`,
    );
  }
  if (config.kind !== opts.kind) {
    throw new StatusError(
      'BadRequest',
      `Incorrect kind specified in apply patch. Specified patch kind: ${String(config.kind ?? '')}, expected: ${opts.kind}`,
    );
  }
  if (isJsonObject(config.metadata) && config.metadata.managedFields !== undefined) {
    throw new StatusError('BadRequest', 'metadata.managedFields must be nil');
  }
  const root = rootNode(opts.apiVersion, opts.kind);
  const ignored = resetFieldsFor(opts.subresource);
  const before = live ? structuredClone(withoutManagedFields(live)) : {};
  const owners = decodeManagedFields(isJsonObject(live?.metadata) ? live.metadata.managedFields : undefined);
  if (live && owners.size === 0) claimUntracked(owners, before, opts, root, ignored);

  const applier: Owner = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
    set: toFieldSet(config, root),
  };
  const id = ownerId(applier);
  const previous = owners.get(id)?.set;
  owners.set(id, applier);

  let merged = (mergeApplied(before, config, root) ?? {}) as JsonObject;
  if (previous && !isEmptySet(previous)) merged = prune(merged, previous, owners, root);

  takeFromOthers(owners, id, restrict(compareValues(before, merged, root), ignored), opts.force);
  applier.set = ownable(applier.set, ignored);
  applier.time = managedTime(opts.now);
  return finish(live, merged, owners.values());
}

/**
 * An object written before anyone tracked ownership: its fields go to the
 * placeholder manager upstream uses, so the first applier conflicts with
 * them instead of silently taking them.
 */
function claimUntracked(
  owners: Map<string, Owner>,
  before: JsonObject,
  opts: WriteContext,
  root: TypeNode,
  ignored: string[][],
): void {
  const change = restrict(compareValues(zeroObject(opts.apiVersion, opts.kind), before, root), ignored);
  const owner: Owner = {
    manager: 'before-first-apply',
    operation: 'Update',
    apiVersion: opts.apiVersion,
    time: managedTime(opts.now),
    set: union(change.added, change.modified),
  };
  if (!isEmptySet(owner.set)) owners.set(ownerId(owner), owner);
}

/**
 * Removes what the applier owned last time and no longer applies, unless
 * some manager (the applier's new configuration included) still owns it.
 */
function prune(
  merged: JsonObject,
  previous: FieldSet,
  owners: Map<string, Owner>,
  root: TypeNode,
): JsonObject {
  let owned = emptySet();
  for (const owner of owners.values()) owned = union(owned, owner.set);
  const present = withNamedFields(toFieldSet(merged, root), root);
  const dropped = difference(
    intersection(present, withNamedFields(previous, root)),
    withNamedFields(owned, root),
  );
  return removePaths(merged, dropped, root) as JsonObject;
}

/** Other managers lose fields this write changed (conflicts unless forced) and fields it removed. */
function takeFromOthers(owners: Map<string, Owner>, self: string, change: Comparison, force: boolean): void {
  const touched = union(change.added, change.modified);
  const conflicts: { owner: Owner; path: string[] }[] = [];
  for (const [id, owner] of owners) {
    if (id === self) continue;
    const clash = intersection(owner.set, touched);
    for (const path of pathsOf(clash)) conflicts.push({ owner, path });
    owner.set = difference(difference(owner.set, clash), change.removed);
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
}

/**
 * Records field ownership for a create, update or patch by `ctx.manager`:
 * `updated` is the object about to be stored, `live` the stored one
 * (undefined on create). Returns `updated` with its managedFields set, or
 * `live` itself when the write changes nothing.
 *
 * Call it with the object as decoded and defaulted, before the strategy
 * fills in server-owned fields, as upstream does.
 */
export function updateManagedFields(
  live: JsonObject | undefined,
  updated: JsonObject,
  ctx: WriteContext,
): JsonObject {
  const root = rootNode(ctx.apiVersion, ctx.kind);
  const ignored = resetFieldsFor(ctx.subresource);
  const owners = decodeManagedFields(ownersSource(live, updated, ctx.subresource));
  const before = live ? withoutManagedFields(live) : zeroObject(ctx.apiVersion, ctx.kind);
  const after = withoutManagedFields(updated);
  const change = restrict(compareValues(before, after, root), ignored);
  const taken = union(change.added, change.modified);

  takeFromOthers(owners, '', change, true);
  if (!isEmptySet(taken)) {
    const self: Owner = {
      manager: ctx.manager,
      operation: 'Update',
      apiVersion: ctx.apiVersion,
      ...(ctx.subresource ? { subresource: ctx.subresource } : {}),
      set: emptySet(),
    };
    const id = ownerId(self);
    const previous = owners.get(id)?.set ?? emptySet();
    self.set = union(previous, taken);
    self.time = managedTime(ctx.now);
    owners.set(id, self);
  }
  return finish(live, after, owners.values());
}

/**
 * Whose claims a write starts from: the stored object's, unless the request
 * itself carries managedFields (an empty list resets them). Subresource
 * writes cannot set them.
 */
function ownersSource(live: JsonObject | undefined, updated: JsonObject, subresource?: string): unknown {
  const stored = isJsonObject(live?.metadata) ? live.metadata.managedFields : undefined;
  if (subresource) return stored;
  const sent = isJsonObject(updated.metadata) ? updated.metadata.managedFields : undefined;
  if (
    Array.isArray(sent) &&
    (sent.length === 0 || (sent.length === 1 && isJsonObject(sent[0]) && Object.keys(sent[0]).length === 0))
  ) {
    return [];
  }
  const decoded = decodeManagedFields(sent);
  return decoded.size > 0 ? sent : stored;
}

/**
 * The written object with its managedFields; when neither the object nor the
 * claims (times aside) changed, the stored object as it was, so that a no-op
 * write stays a no-op.
 */
function finish(live: JsonObject | undefined, object: JsonObject, owners: Iterable<Owner>): JsonObject {
  const result = withManagedFields(object, owners);
  if (!live) return result;
  const claims = (o: JsonObject) => {
    const entries = isJsonObject(o.metadata) ? o.metadata.managedFields : undefined;
    if (!Array.isArray(entries)) return [];
    return entries.map((e) => {
      if (!isJsonObject(e)) return e;
      const { time: _time, ...rest } = e;
      return rest;
    });
  };
  const same = deepEqual(withoutManagedFields(live), object) && deepEqual(claims(live), claims(result));
  return same ? live : result;
}

/** A change without the paths under fields this endpoint does not own. */
function restrict(change: Comparison, ignored: string[][]): Comparison {
  return {
    added: ownable(change.added, ignored),
    modified: ownable(change.modified, ignored),
    removed: ownable(change.removed, ignored),
  };
}
