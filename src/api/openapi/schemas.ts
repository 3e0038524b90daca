// components.schemas of an OpenAPI v3 document, built from the type graph
// (src/api/schema.ts) and shaped like upstream's: definitions keyed by their
// upstream names, refs beside a description wrapped in allOf, the vendor
// extensions kubectl reads for apply (patch strategy, list type) and for
// finding a kind's schema (x-kubernetes-group-version-kind).

import { isAtomicStruct, patchMetaOf } from '../patch/patch-meta.ts';
import { type Field, type FieldType, model, models } from '../schema.ts';
import { type MetaSchema, metaSchemaName, metaSchemas, type Schema } from './meta-schemas.ts';

export type { Schema };

export const refPrefix = '#/components/schemas/';

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

// The generator names a shared type after the group it first met it in; these
// live elsewhere upstream.
const nameFixes: Record<string, string> = {
  V1PodTemplateSpec: 'io.k8s.api.core.v1.PodTemplateSpec',
  V1Eviction: 'io.k8s.api.policy.v1.Eviction',
};

// Upstream types these as resource.Quantity, which the client models flatten to string.
const quantityFields = new Set([
  'V1ResourceRequirements.limits',
  'V1ResourceRequirements.requests',
  'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests',
  'V1PodSpec.overhead',
  'V1PodStatus.allocatedResources',
  'V1ContainerStatus.allocatedResources',
  'V1NodeStatus.capacity',
  'V1NodeStatus.allocatable',
  'V1PersistentVolumeClaimStatus.capacity',
  'V1PersistentVolumeClaimStatus.allocatedResources',
  'V1NodeAllocatableResourceClaimStatus.resources',
  'V1EmptyDirVolumeSource.sizeLimit',
  'V1ResourceFieldSelector.divisor',
]);

export function definitionName(modelId: string): string {
  const name = nameFixes[modelId] ?? model(modelId)?.name;
  if (!name) throw new Error(`no model ${modelId}`);
  return name;
}

export const ref = (name: string): Schema => ({ $ref: refPrefix + name });

/**
 * Kinds each model stands for, by model id ("meta:Name" for hand-written
 * schemas): the served kinds plus the other top-level types operations use.
 */
export function kindsByModel(servedGroupVersions: { group: string; version: string }[]): Map<string, Gvk[]> {
  const out = new Map<string, Gvk[]>();
  const add = (id: string, gvk: Gvk) => out.set(id, [...(out.get(id) ?? []), gvk]);
  for (const [key, id] of Object.entries(models().kinds)) {
    const parts = key.split('/');
    const kind = parts.pop() as string;
    const version = parts.pop() as string;
    add(id, { group: parts.join('/'), version, kind });
  }
  add('V1Status', { group: '', version: 'v1', kind: 'Status' });
  add('V1Binding', { group: '', version: 'v1', kind: 'Binding' });
  add('V1Scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  add('V1Eviction', { group: 'policy', version: 'v1', kind: 'Eviction' });
  // DeleteOptions is registered in every group, as upstream lists it.
  for (const gv of servedGroupVersions) {
    add('V1DeleteOptions', { ...gv, kind: 'DeleteOptions' });
    add('meta:WatchEvent', { ...gv, kind: 'WatchEvent' });
  }
  return out;
}

/** Builds schemas for the given models and everything they reference. */
export class SchemaSet {
  readonly schemas = new Map<string, Schema>();
  private readonly kinds: Map<string, Gvk[]>;

  constructor(kinds: Map<string, Gvk[]>) {
    this.kinds = kinds;
  }

  /** Adds a model (and its closure); returns its definition name. */
  addModel(modelId: string): string {
    const name = definitionName(modelId);
    if (this.schemas.has(name)) return name;
    const m = model(modelId);
    if (!m) throw new Error(`no model ${modelId}`);
    const schema: Schema = {};
    this.schemas.set(name, schema); // placed first so cycles (JSONSchemaProps-like) terminate
    if (m.description) schema.description = m.description;
    const properties: Record<string, Schema> = {};
    for (const field of Object.keys(m.fields).sort()) {
      properties[field] = this.property(modelId, field, m.fields[field]);
    }
    schema.properties = properties;
    const required = Object.entries(m.fields)
      .filter(([, f]) => f.required)
      .map(([k]) => k);
    if (required.length) schema.required = required;
    schema.type = 'object';
    const gvks = this.kinds.get(modelId);
    if (gvks) schema['x-kubernetes-group-version-kind'] = gvks;
    if (isAtomicStruct(modelId)) schema['x-kubernetes-map-type'] = 'atomic';
    return name;
  }

  /** Adds one of the hand-written meta schemas (Time, WatchEvent…); returns its name. */
  addMeta(short: MetaSchema): string {
    const name = metaSchemaName(short);
    if (this.schemas.has(name)) return name;
    const { schema, uses } = metaSchemas[short];
    const gvks = this.kinds.get(`meta:${short}`);
    this.schemas.set(name, gvks ? { ...schema, 'x-kubernetes-group-version-kind': gvks } : schema);
    for (const u of uses) this.addMeta(u);
    return name;
  }

  /** Definitions sorted by name, as upstream serves them. */
  sorted(): Record<string, Schema> {
    const out: Record<string, Schema> = {};
    for (const name of [...this.schemas.keys()].sort()) out[name] = this.schemas.get(name) as Schema;
    return out;
  }

  private property(modelId: string, field: string, f: Field): Schema {
    const key = `${modelId}.${field}`;
    const schema = this.typeSchema(f.type, key);
    const described = withDescription(schema, f.description);
    const meta = patchMetaOf(modelId, field);
    if (meta) {
      if (meta.listType) described['x-kubernetes-list-type'] = meta.listType;
      if (meta.listMapKeys?.length) described['x-kubernetes-list-map-keys'] = meta.listMapKeys;
      if (meta.mergeKey) described['x-kubernetes-patch-merge-key'] = meta.mergeKey;
      if (meta.strategy) described['x-kubernetes-patch-strategy'] = meta.strategy;
      if (meta.mapType) described['x-kubernetes-map-type'] = meta.mapType;
    }
    return sortKeys(described);
  }

  private typeSchema(t: FieldType, key: string): Schema {
    switch (t.kind) {
      case 'string':
        if (quantityFields.has(key)) return ref(this.addMeta('Quantity'));
        if (t.format === 'date-time') return ref(this.addMeta('Time'));
        return t.format ? { format: t.format, type: 'string' } : { type: 'string' };
      case 'integer':
        return { format: t.format ?? 'int32', type: 'integer' };
      case 'number':
        return { format: t.format ?? 'double', type: 'number' };
      case 'boolean':
        return { type: 'boolean' };
      case 'int-or-string':
        return ref(this.addMeta('IntOrString'));
      case 'any':
        return ref(this.addMeta(key === 'V1ManagedFieldsEntry.fieldsV1' ? 'FieldsV1' : 'RawExtension'));
      case 'array':
        return { items: this.typeSchema(t.items, key), type: 'array' };
      case 'map':
        return { additionalProperties: this.typeSchema(t.values, key), type: 'object' };
      case 'ref':
        // The client models name metav1.MicroTime but carry no model for it.
        if (t.model === 'V1MicroTime') return ref(this.addMeta('MicroTime'));
        return ref(this.addModel(t.model));
    }
  }
}

/** A description beside a $ref needs allOf: OpenAPI 3.0 ignores siblings of $ref. */
function withDescription(schema: Schema, description: string | undefined): Schema {
  if (!description) return { ...schema };
  if ('$ref' in schema) return { allOf: [schema], description };
  return { ...schema, description };
}

function sortKeys(schema: Schema): Schema {
  const out: Schema = {};
  for (const k of Object.keys(schema).sort()) out[k] = schema[k];
  return out;
}
