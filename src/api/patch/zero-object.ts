// What a create is compared against when recording who set which fields:
// upstream compares with the kind's empty Go value rendered as JSON, where
// non-pointer structs are present as `{}` and required lists as `null`. That
// decides, e.g., that a created Pod's managedFields show `f:spec` and
// `f:containers` without a `"."` entry of their own.
import { model, modelIdOf } from '../schema.ts';
import type { Json, JsonObject } from './type-node.ts';

// Optional struct fields that are values, not pointers, in the Go types, so
// they exist (empty) in the zero value.
const valueStructs: Record<string, string[]> = {
  V1DeploymentSpec: ['strategy'],
  V1DaemonSetSpec: ['updateStrategy'],
  V1StatefulSetSpec: ['updateStrategy'],
  V1PodTemplateSpec: ['metadata', 'spec'],
  V1JobTemplateSpec: ['metadata', 'spec'],
  V1ServiceStatus: ['loadBalancer'],
};

export function zeroObject(apiVersion: string, kind: string): JsonObject {
  const id = modelIdOf(apiVersion, kind);
  const out: JsonObject = { apiVersion, kind, metadata: {} };
  const fields = id ? model(id)?.fields : undefined;
  for (const top of ['spec', 'status']) {
    const t = fields?.[top]?.type;
    if (t?.kind === 'ref') out[top] = zeroStruct(t.model, 0);
  }
  return out;
}

function zeroStruct(modelId: string, depth: number): JsonObject {
  const out: JsonObject = {};
  const m = model(modelId);
  if (!m || depth > 6) return out;
  const values = new Set(valueStructs[modelId] ?? []);
  for (const [name, field] of Object.entries(m.fields)) {
    const t = field.type;
    let zero: Json | undefined;
    if (t.kind === 'array' && field.required) zero = null;
    else if (t.kind === 'ref' && (field.required || values.has(name))) zero = zeroStruct(t.model, depth + 1);
    if (zero !== undefined) out[name] = zero;
  }
  return out;
}
