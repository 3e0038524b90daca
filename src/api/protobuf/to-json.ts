// Turns a decoded protobuf message into the JSON the API would have received
// for the same object: JSON field names, embedded (inline) structs flattened,
// Time/IntOrString/Quantity/FieldsV1 in their JSON forms, bytes as base64.
// Upstream always writes non-pointer fields, so a zero scalar or an empty
// struct on the wire is dropped, as JSON's omitempty would drop it; fields
// marked (explicit) are pointers upstream and kept whenever they were sent.
import protobuf from 'protobufjs';
import { errors } from '../status.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Decoded = Record<string, unknown>;

const meta = 'k8s.io.apimachinery.pkg.apis.meta.v1';

/** Message types with a JSON form of their own; undefined means "leave it out". */
const special: Record<string, (m: Decoded, explicit: boolean) => Json | undefined> = {
  [`${meta}.Time`]: (m) => rfc3339(m, false),
  [`${meta}.MicroTime`]: (m) => rfc3339(m, true),
  [`${meta}.FieldsV1`]: (m) => rawJson(m.Raw),
  'k8s.io.apimachinery.pkg.runtime.RawExtension': (m) => rawJson(m.raw),
  'k8s.io.apimachinery.pkg.api.resource.Quantity': (m) => (m.string ? String(m.string) : undefined),
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': (m, explicit) => {
    if (toNumber(m.type) === 1) return String(m.strVal ?? '');
    const n = toNumber(m.intVal);
    return n !== 0 || explicit || Object.hasOwn(m, 'strVal') ? n : undefined;
  },
};

const isExplicit = (f: protobuf.Field) => f.options?.['(explicit)'] === true;
const isInline = (f: protobuf.Field) => f.options?.['(inline)'] === true;
const fullName = (t: protobuf.Type) => t.fullName.replace(/^\./, '');

export function messageToJson(type: protobuf.Type, message: Decoded): JsonObject {
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!Object.hasOwn(message, field.name)) continue;
    const value = message[field.name];
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.map) {
      const entries = Object.entries(value as Decoded);
      if (!entries.length) continue;
      const map: JsonObject = {};
      for (const [k, v] of entries)
        map[k] = sub ? (convertMessage(sub, v as Decoded, true) ?? null) : scalar(field, v);
      out[field.name] = map;
    } else if (field.repeated) {
      const items = value as unknown[];
      if (!items.length) continue;
      out[field.name] = items.map((v) =>
        sub ? (convertMessage(sub, v as Decoded, true) ?? null) : scalar(field, v),
      );
    } else if (sub) {
      if (isInline(field)) {
        Object.assign(out, messageToJson(sub, value as Decoded));
        continue;
      }
      const converted = convertMessage(sub, value as Decoded, isExplicit(field));
      if (converted !== undefined) out[field.name] = converted;
    } else {
      const v = scalar(field, value);
      if (isExplicit(field) || !isZero(v)) out[field.name] = v;
    }
  }
  return out;
}

/** A message-typed value; undefined when it should be left out. */
function convertMessage(type: protobuf.Type, message: Decoded, explicit: boolean): Json | undefined {
  const convert = special[fullName(type)];
  if (convert) return convert(message, explicit);
  const obj = messageToJson(type, message);
  return explicit || Object.keys(obj).length ? obj : undefined;
}

function scalar(field: protobuf.Field, value: unknown): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (field.type === 'int64' || field.type === 'uint64' || field.type === 'sint64') return toNumber(value);
  return value as Json;
}

const isZero = (v: Json) => v === '' || v === 0 || v === false;

/** int64 fields decode to Long objects; Kubernetes keeps them within double precision. */
function toNumber(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  return (v as { toNumber(): number }).toNumber();
}

/** Upstream writes a zero time as an empty message, which JSON shows as null. */
function rfc3339(m: Decoded, micro: boolean): Json {
  if (!Object.hasOwn(m, 'seconds') && !Object.hasOwn(m, 'nanos')) return null;
  const seconds = toNumber(m.seconds);
  const nanos = toNumber(m.nanos);
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

function rawJson(raw: unknown): Json | undefined {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as Json;
  } catch {
    throw errors.badRequest('an embedded raw JSON value in the protobuf body is not valid JSON');
  }
}
