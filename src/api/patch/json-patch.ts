// RFC 6902 JSON patch (`application/json-patch+json`), answered the way the
// upstream apiserver answers: a body that is not a patch document is a 400;
// a well-formed patch that cannot be applied (missing path, failed `test`)
// is a 422 whose message does not name the operation.
import jsonpatch from 'fast-json-patch';
import { StatusError } from '../status.ts';

/** Upstream's cap on operations in one JSON patch. */
const maxOperations = 10000;

// Errors about the shape of the patch document itself, found before any
// operation touches the object.
const malformed = new Set(['SEQUENCE_NOT_AN_ARRAY', 'OPERATION_NOT_AN_OBJECT', 'OPERATION_OP_INVALID']);

export function applyJsonPatch<T extends object>(current: T, patch: unknown): T {
  if (!Array.isArray(patch)) {
    throw new StatusError(
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  }
  if (patch.length > maxOperations) {
    throw new StatusError(
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${maxOperations}, got ${patch.length}`,
    );
  }
  for (const op of patch) {
    if (typeof op !== 'object' || op === null || Array.isArray(op)) {
      throw new StatusError('BadRequest', 'json: cannot unmarshal into Go value of type jsonpatch.Operation');
    }
  }
  try {
    return jsonpatch.applyPatch(current, patch as jsonpatch.Operation[], true, false).newDocument;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError && malformed.has(e.name)) {
      throw new StatusError('BadRequest', e.message.split('\n')[0]);
    }
    if (e instanceof jsonpatch.JsonPatchError) {
      throw new StatusError('Invalid', 'the server rejected our request due to an error in our request', {});
    }
    throw e;
  }
}
