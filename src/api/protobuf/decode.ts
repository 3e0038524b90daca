// Decodes the protobuf request bodies kubectl sends (application/
// vnd.kubernetes.protobuf): the 4-byte "k8s\0" prefix, then a
// runtime.Unknown naming the type and carrying the object's own encoding.
// The result is the plain JSON object the JSON API would have received.
import { findKind } from '../resources.ts';
import { errors } from '../status.ts';
import { envelopeType, kindType } from './root.ts';
import { messageToJson } from './to-json.ts';
import { findUnsupportedField } from './unsupported-field.ts';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

const magic = [0x6b, 0x38, 0x73, 0x00];

/** Whether a Content-Type header names Kubernetes protobuf (parameters ignored). */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0].trim().toLowerCase() === protobufContentType;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

/**
 * The object in a protobuf body, as JSON. Throws StatusError: BadRequest for
 * a body that is not a well-formed envelope or object, UnsupportedMediaType
 * for a kind (or a field of it) orca cannot decode from protobuf.
 */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = openEnvelope(body);
  const type = findKind(apiVersion, kind) ? kindType(apiVersion, kind) : undefined;
  if (!type) {
    throw errors.unsupportedMediaType(
      `cannot decode ${apiVersion}, Kind=${kind} from ${protobufContentType}; send it as application/json`,
    );
  }
  let unsupported: string | undefined;
  let decoded: Record<string, unknown>;
  try {
    unsupported = findUnsupportedField(type, raw);
    decoded = type.decode(raw) as unknown as Record<string, unknown>;
  } catch (e) {
    throw errors.badRequest(`the protobuf body does not hold a valid ${kind}: ${(e as Error).message}`);
  }
  if (unsupported) {
    throw errors.unsupportedMediaType(
      `${kind} in ${protobufContentType} uses ${unsupported}, which this server cannot decode; ` +
        'send it as application/json',
    );
  }
  return { apiVersion, kind, ...messageToJson(type, decoded) };
}

function openEnvelope(body: Uint8Array): Envelope {
  if (body.length < magic.length || magic.some((b, i) => body[i] !== b)) {
    throw errors.badRequest(`a ${protobufContentType} body must start with the bytes "k8s\\x00"`);
  }
  let unknown: Record<string, unknown>;
  try {
    unknown = envelopeType().decode(body.subarray(magic.length)) as unknown as Record<string, unknown>;
  } catch (e) {
    throw errors.badRequest(`the protobuf envelope (runtime.Unknown) is malformed: ${(e as Error).message}`);
  }
  const typeMeta = (unknown.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (!typeMeta.apiVersion || !typeMeta.kind) {
    throw errors.badRequest('the protobuf envelope does not name the apiVersion and kind of its object');
  }
  if (unknown.contentEncoding) {
    throw errors.unsupportedMediaType(
      `protobuf content encoding "${unknown.contentEncoding}" is not supported`,
    );
  }
  const raw = unknown.raw instanceof Uint8Array ? unknown.raw : new Uint8Array();
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, raw };
}
