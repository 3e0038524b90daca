// Field errors as upstream reports them: a cause per problem with the JSON
// path of the field, a reason, and a message "<Type>: <value>: <detail>".
// kubectl prints `* <field>: <message>`, so the wording here is user-visible.
import type { StatusCause } from '../status.ts';

/**
 * A value already rendered the way Go's %#v prints it, for the few places
 * (selectors, label maps) whose Go rendering users know from real clusters.
 */
export interface GoSyntax {
  readonly goSyntax: string;
}

export type BadValue = string | number | boolean | null | undefined | GoSyntax | object;

export function goSyntax(text: string): GoSyntax {
  return { goSyntax: text };
}

function isGoSyntax(v: unknown): v is GoSyntax {
  return typeof v === 'object' && v !== null && typeof (v as GoSyntax).goSyntax === 'string';
}

const namedEscapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's strconv.Quote: printable characters kept, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const escaped = namedEscapes[ch];
    if (escaped) {
      out += escaped;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** How a bad value appears inside a message. */
export function formatBadValue(v: BadValue): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isGoSyntax(v)) return v.goSyntax;
  // Go prints structs in its own syntax; JSON is the closest honest rendering.
  return JSON.stringify(v);
}

// Paths, rendered like upstream's field.Path: a.b[0].c[key].

export function child(base: string, ...names: string[]): string {
  let p = base;
  for (const n of names) p = p === '' ? n : `${p}.${n}`;
  return p;
}

export function index(base: string, i: number): string {
  return `${base}[${i}]`;
}

export function key(base: string, k: string): string {
  return `${base}[${k}]`;
}

function cause(reason: StatusCause['reason'], field: string, message: string): StatusCause {
  return field === '' ? { reason, message } : { reason, message, field };
}

function withDetail(s: string, detail: string): string {
  return detail ? `${s}: ${detail}` : s;
}

export function required(field: string, detail = ''): StatusCause {
  return cause('FieldValueRequired', field, withDetail('Required value', detail));
}

export function invalid(field: string, value: BadValue, detail: string): StatusCause {
  return cause('FieldValueInvalid', field, withDetail(`Invalid value: ${formatBadValue(value)}`, detail));
}

export function duplicate(field: string, value: BadValue): StatusCause {
  return cause('FieldValueDuplicate', field, `Duplicate value: ${formatBadValue(value)}`);
}

export function notFound(field: string, value: BadValue, detail = ''): StatusCause {
  return cause('FieldValueNotFound', field, withDetail(`Not found: ${formatBadValue(value)}`, detail));
}

export function notSupported(field: string, value: BadValue, supported: readonly string[]): StatusCause {
  const detail = supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return cause(
    'FieldValueNotSupported',
    field,
    withDetail(`Unsupported value: ${formatBadValue(value)}`, detail),
  );
}

export function forbidden(field: string, detail: string): StatusCause {
  return cause('FieldValueForbidden', field, withDetail('Forbidden', detail));
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  return cause('FieldValueTooLong', field, `Too long: must have at most ${maxBytes} bytes`);
}

export function tooMany(field: string, actual: number, max: number): StatusCause {
  return cause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`);
}

export const fieldImmutable = 'field is immutable';
export const isNegative = 'must be greater than or equal to 0';

export function nonNegative(field: string, value: unknown): StatusCause[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, isNegative)] : [];
}

/** One Invalid cause per message, all for the same value (the upstream "for _, msg := range" idiom). */
export function invalidEach(field: string, value: BadValue, messages: readonly string[]): StatusCause[] {
  return messages.map((m) => invalid(field, value, m));
}

/** Sorted copy, for "supported values" lists upstream builds from sets. */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}
