// Unknown, duplicate and mistyped fields in request bodies. Unknown and
// duplicate fields are handled per the request's fieldValidation (Strict
// rejects, Warn answers with Warning headers, Ignore drops silently); built-in
// kinds never store unknown fields, so they are pruned in every mode, as
// decoding into upstream's Go types does. A value of the wrong JSON type
// (an object where a string belongs) fails decoding upstream in every mode.
import type { KubeObject } from '../api/object.ts';
import { isObject } from '../api/object.ts';
import { type FieldType, model, modelIdOf } from '../api/schema.ts';

export interface SchemaFindings {
  unknown: string[];
  /** "path: expected X, got Y" */
  mistyped: { path: string; expected: string; got: string }[];
}

/** Removes fields the kind's schema does not declare and reports values of the wrong type. */
export function checkAgainstSchema(obj: KubeObject, apiVersion: string, kind: string): SchemaFindings {
  const id = modelIdOf(apiVersion, kind);
  const out: SchemaFindings = { unknown: [], mistyped: [] };
  if (id) walkModel(obj, id, '', out);
  return out;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function walkModel(value: Record<string, unknown>, id: string, path: string, out: SchemaFindings): void {
  const m = model(id);
  if (!m) return;
  for (const key of Object.keys(value)) {
    const field = m.fields[key];
    const p = path ? `${path}.${key}` : key;
    if (!field) {
      out.unknown.push(p);
      delete value[key];
      continue;
    }
    walkType(value[key], field.type, p, out);
  }
}

function walkType(value: unknown, t: FieldType, path: string, out: SchemaFindings): void {
  if (value === null || value === undefined) return;
  const wrong = (expected: string) => out.mistyped.push({ path, expected, got: jsonType(value) });
  switch (t.kind) {
    case 'ref':
      if (isObject(value)) walkModel(value, t.model, path, out);
      else wrong('object');
      return;
    case 'array':
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walkType(v, t.items, `${path}[${i}]`, out);
      } else wrong('array');
      return;
    case 'map':
      if (isObject(value))
        for (const [k, v] of Object.entries(value)) walkType(v, t.values, `${path}[${k}]`, out);
      else wrong('object');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong('boolean');
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number') wrong('number');
      return;
    // Strings also take numbers: resource quantities are strings in the models but accept `cpu: 1`.
    case 'string':
    case 'int-or-string':
      if (typeof value !== 'string' && typeof value !== 'number') wrong('string');
      return;
    case 'any':
      return;
  }
}

/**
 * Paths of keys that occur twice in one JSON object of `text`. JSON.parse
 * silently keeps the last one, so this one linear scan is the only way to see
 * them; it runs on text that JSON.parse has already accepted.
 */
export function duplicateJsonFields(text: string): string[] {
  type Frame = { kind: 'object'; keys: Set<string>; key?: string } | { kind: 'array'; index: number };
  const stack: Frame[] = [];
  const dups: string[] = [];
  const pathOf = (last: string): string => {
    let p = '';
    for (let i = 0; i < stack.length - 1; i++) {
      const f = stack[i];
      if (f.kind === 'array') p += `[${f.index}]`;
      else p += p ? `.${f.key}` : f.key;
    }
    return p ? `${p}.${last}` : last;
  };
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) dups.push(pathOf(key));
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set() });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
  return dups;
}
