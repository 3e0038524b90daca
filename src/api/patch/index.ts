// Patching for the apiserver: every patch type kubectl sends, as pure
// functions of (stored object, patch body) → new object. Errors are
// StatusErrors with the codes upstream answers with.
import { StatusError } from '../status.ts';
import { applyJsonPatch } from './json-patch.ts';
import { applyMergePatch } from './merge-patch.ts';
import { applyStrategicMergePatch } from './strategic.ts';
import { isJsonObject, type JsonObject, rootNode } from './type-node.ts';

export { fieldManagerFor, type ManagedFieldsEntry, resetFieldsFor } from './managed-fields.ts';
export {
  atomicStructModels,
  isAtomicStruct,
  type ListType,
  modelsWithPatchMeta,
  type PatchMeta,
  type PatchStrategy,
  patchMetaFieldsOf,
  patchMetaOf,
} from './patch-meta.ts';
export {
  type ApplyOptions,
  parseApplyBody,
  serverSideApply,
  updateManagedFields,
  type WriteContext,
} from './server-side-apply.ts';
export type { Json, JsonObject } from './type-node.ts';

export const patchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

export type PatchType = (typeof patchTypes)[number];

/** The patch type of a Content-Type header (parameters ignored), or a 415. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const bare = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const found = patchTypes.find((t) => t === bare);
  if (!found) {
    throw new StatusError(
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(', ')}`,
    );
  }
  return found;
}

/** Decodes a JSON patch body; a body that is not JSON is a 400. */
export function parsePatchBody(body: string | Uint8Array): unknown {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StatusError('BadRequest', `error decoding patch: ${(e as Error).message}`);
  }
}

/**
 * Applies a JSON, merge or strategic merge patch to `current`. Server-side
 * apply needs ownership bookkeeping and has its own entry point, serverSideApply.
 */
export function applyPatch(
  type: PatchType,
  current: object,
  patchBody: unknown,
  ctx: { apiVersion: string; kind: string },
): JsonObject {
  // The result shares nothing with `current`, which may be a cached object.
  const base = structuredClone(current) as JsonObject;
  let out: unknown;
  switch (type) {
    case 'application/json-patch+json':
      out = applyJsonPatch(base, patchBody);
      break;
    case 'application/merge-patch+json':
      out = applyMergePatch(base, patchBody);
      break;
    case 'application/strategic-merge-patch+json':
      out = applyStrategicMergePatch(base, patchBody, rootNode(ctx.apiVersion, ctx.kind));
      break;
    case 'application/apply-patch+yaml':
      throw new StatusError(
        'InternalError',
        'Internal error occurred: apply patches go through serverSideApply',
      );
  }
  if (!isJsonObject(out)) {
    throw new StatusError('BadRequest', 'the patch produced a value that is not an object');
  }
  return out;
}
