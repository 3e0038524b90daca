// Finds the first field on the wire that orca's .proto files do not know.
// protobufjs skips such fields silently; orca's schema covers only part of
// the API, so a body carrying more is refused instead of being trimmed.
import protobuf from 'protobufjs';

/** Where an unknown field sits ("field 5 of k8s.io.api.core.v1.VolumeSource at spec.volumes"), or undefined. */
export function findUnsupportedField(type: protobuf.Type, bytes: Uint8Array, path = ''): string | undefined {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    const field = type.fieldsById[id];
    if (!field) return `field ${id} of ${type.fullName.replace(/^\./, '')}${path ? ` at ${path}` : ''}`;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const where = path ? `${path}.${field.name}` : field.name;
    if (wireType !== 2 || !sub) {
      reader.skipType(wireType);
      continue;
    }
    const found = field.map
      ? inMapEntry(sub, reader.bytes(), where)
      : findUnsupportedField(sub, reader.bytes(), where);
    if (found) return found;
  }
  return undefined;
}

/** A map entry is a message of key = 1 and value = 2. */
function inMapEntry(valueType: protobuf.Type, entry: Uint8Array, path: string): string | undefined {
  const reader = protobuf.Reader.create(entry);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 2 && (tag & 7) === 2) {
      const found = findUnsupportedField(valueType, reader.bytes(), path);
      if (found) return found;
    } else {
      reader.skipType(tag & 7);
    }
  }
  return undefined;
}
