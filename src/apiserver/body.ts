// Decoding request bodies: JSON, YAML and the Kubernetes protobuf envelope,
// then unknown/duplicate field handling per fieldValidation.
import { parseDocument } from 'yaml';
import type { KubeObject } from '../api/object.ts';
import { isObject } from '../api/object.ts';
import { errors, StatusError } from '../api/status.ts';
import { checkAgainstSchema, duplicateJsonFields } from './field-validation.ts';
import type { FieldValidation } from './registry/types.ts';

export interface Decoded {
  value: unknown;
  /** Duplicate field paths seen while parsing. */
  duplicates: string[];
}

/** Parses a body of any supported media type into a plain value. */
export async function parseBody(raw: Buffer, contentType: string): Promise<Decoded> {
  if (contentType === 'application/vnd.kubernetes.protobuf') {
    // Loaded on first use: only kubectl create sends protobuf, and the schema is large.
    const { decodeProtobufObject } = await import('../api/protobuf/index.ts');
    return { value: decodeProtobufObject(raw), duplicates: [] };
  }
  const text = raw.toString('utf8');
  if (contentType.includes('yaml')) return parseYaml(text);
  if (contentType === '' || contentType.includes('json')) {
    try {
      const value = JSON.parse(text) as unknown;
      return { value, duplicates: text.length > 0 ? duplicateJsonFields(text) : [] };
    } catch (e) {
      // Some clients send YAML as application/json; upstream accepts YAML in JSON bodies too.
      if (/^\s*[{[]/.test(text)) throw errors.badRequest(`error decoding JSON: ${(e as Error).message}`);
      return parseYaml(text);
    }
  }
  throw errors.unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
  );
}

function parseYaml(text: string): Decoded {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length) throw errors.badRequest(`error decoding YAML: ${doc.errors[0].message}`);
  const duplicates: string[] = [];
  const strict = parseDocument(text, { uniqueKeys: true });
  if (strict.errors.length) duplicates.push(...strict.errors.map((e) => e.message.split('\n')[0]));
  return { value: doc.toJS({ maxAliasCount: 100 }), duplicates };
}

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${v}"`);
}

/**
 * Checks the decoded object against its schema. Strict → 400 listing every
 * unknown and duplicate field; Warn → warnings; Ignore → nothing. Unknown
 * fields are removed in all three modes.
 */
export function checkFields(
  obj: KubeObject,
  expected: { apiVersion: string; kind: string },
  duplicates: string[],
  mode: FieldValidation,
  warnings: string[],
): void {
  const found = checkAgainstSchema(obj, expected.apiVersion, expected.kind);
  const cannot = `${expected.kind} in version "${expected.apiVersion.split('/').pop()}" cannot be handled as a ${expected.kind}`;
  if (found.mistyped.length) {
    const m = found.mistyped[0];
    throw new StatusError(
      'BadRequest',
      `${cannot}: json: cannot unmarshal ${m.got} into Go struct field ${expected.kind}.${m.path} of type ${m.expected}`,
    );
  }
  const problems = [
    ...found.unknown.map((p) => `unknown field "${p}"`),
    ...duplicates.map((p) => `duplicate field "${p}"`),
  ];
  if (!problems.length || mode === 'Ignore') return;
  if (mode === 'Strict')
    throw new StatusError('BadRequest', `${cannot}: strict decoding error: ${problems.join(', ')}`);
  warnings.push(...problems);
}

export function asObject(value: unknown, what = 'body'): KubeObject {
  if (!isObject(value)) throw errors.badRequest(`the ${what} must be a JSON object`);
  const o = value as KubeObject;
  if (o.metadata !== undefined && !isObject(o.metadata))
    throw errors.badRequest('metadata must be an object');
  o.metadata ??= {};
  return o;
}
