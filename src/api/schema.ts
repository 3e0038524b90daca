// The field graph of the Kubernetes types orca serves, generated from
// @kubernetes/client-node by scripts/gen-models.ts. Read lazily: only
// OpenAPI, strategic merge patch and validation of unknown fields need it.
import { readFileSync } from 'node:fs';

export type FieldType =
  | { kind: 'string'; format?: string }
  | { kind: 'integer'; format?: string }
  | { kind: 'number'; format?: string }
  | { kind: 'boolean' }
  | { kind: 'int-or-string' }
  | { kind: 'any' }
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType }
  | { kind: 'ref'; model: string };

export interface Field {
  type: FieldType;
  description?: string;
  required?: boolean;
}

export interface Model {
  /** Upstream definition name, e.g. io.k8s.api.core.v1.PodSpec. */
  name: string;
  description: string;
  /** Keyed by JSON field name. */
  fields: Record<string, Field>;
}

export interface ModelSet {
  generatedFrom: string;
  /** "apps/v1/Deployment" → model id ("V1Deployment"). */
  kinds: Record<string, string>;
  models: Record<string, Model>;
}

let cached: ModelSet | undefined;

export function models(): ModelSet {
  cached ??= JSON.parse(
    readFileSync(new URL('./generated/models.json', import.meta.url), 'utf8'),
  ) as ModelSet;
  return cached;
}

/** The model id of a served kind, e.g. modelIdOf('v1', 'Pod') → 'V1Pod'. */
export function modelIdOf(apiVersion: string, kind: string): string | undefined {
  return models().kinds[`${apiVersion}/${kind}`];
}

export function model(id: string): Model | undefined {
  return models().models[id];
}

/** The type of a field below a model, following refs; undefined when unknown. */
export function fieldType(modelId: string, field: string): FieldType | undefined {
  return model(modelId)?.fields[field]?.type;
}
