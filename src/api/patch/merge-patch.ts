// RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge
// key by key, `null` deletes a key, anything else (arrays included) replaces.
import { StatusError } from '../status.ts';
import { isJsonObject, type Json, type JsonObject } from './type-node.ts';

export function applyMergePatch(current: JsonObject, patch: unknown): JsonObject {
  if (!isJsonObject(patch)) throw new StatusError('BadRequest', 'Invalid JSON Patch');
  return mergeObject(current, patch);
}

function mergeObject(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isJsonObject(value)) {
      const existing = out[key];
      out[key] = mergeObject(isJsonObject(existing) ? existing : {}, value);
    } else {
      out[key] = structuredClone(value) as Json;
    }
  }
  return out;
}
