// Building blocks of OpenAPI operations shared by the resource and
// subresource paths: the operation object with its Kubernetes extensions,
// responses, request bodies, and what the operations of one resource share.
import type { Parameter } from './parameters.ts';
import type { Schema, SchemaSet } from './schemas.ts';

export type Action =
  | 'get'
  | 'list'
  | 'post'
  | 'put'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'watch'
  | 'watchlist'
  | 'connect';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

export type PathItem = Partial<Record<Method, Schema>> & { parameters?: Parameter[] };

export type Content = Record<string, { schema: Schema }>;

export interface OpSpec {
  description: string;
  id: string;
  action: Action;
  gvk: Gvk;
  parameters?: Parameter[];
  body?: Schema;
  responses: Schema;
}

/** What the operations of one resource have in common. */
export interface ResourceContext {
  kind: string;
  gvk: Gvk;
  /** Operation ids read verb + idWord + ns + Kind, e.g. "patch" "CoreV1" "Namespaced" "Pod". */
  idWord: string;
  ns: 'Namespaced' | '';
  tag: string;
  /** The item path, e.g. /api/v1/namespaces/{namespace}/pods/{name}. */
  item: string;
  itemScope: Parameter[];
  obj: Schema;
  schemas: SchemaSet;
}

export const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const json = (schema: Schema): Content => ({ 'application/json': { schema } });

export function responses(
  codes: Record<string, string>,
  schema: Schema,
  types: Content = json(schema),
): Schema {
  const out: Schema = {};
  for (const [code, description] of Object.entries(codes)) out[code] = { content: types, description };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** An operation object, keys in upstream's (alphabetical) order. */
export function operation(tag: string, o: OpSpec): Schema {
  const out: Schema = { description: o.description, operationId: o.id };
  if (o.parameters?.length) out.parameters = o.parameters;
  if (o.body) out.requestBody = o.body;
  out.responses = o.responses;
  out.tags = [tag];
  out['x-kubernetes-action'] = o.action;
  out['x-kubernetes-group-version-kind'] = o.gvk;
  return out;
}

export const anyBody = (schema: Schema): Schema => ({ content: { '*/*': { schema } }, required: true });

const patchTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

export const patchBody = (patch: Schema): Schema => ({
  content: Object.fromEntries(patchTypes.map((t) => [t, { schema: patch }])),
  required: true,
});
