// Label and field selectors, parsed from their string form (the `labelSelector`
// and `fieldSelector` query parameters) or built from a LabelSelector object.
import { StatusError } from './status.ts';

export type Requirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: '=' | '!='; key: string; value: string };

export interface Selector {
  requirements: Requirement[];
  matches(labels: Record<string, string> | undefined): boolean;
  empty: boolean;
}

function makeSelector(requirements: Requirement[]): Selector {
  return {
    requirements,
    empty: requirements.length === 0,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r): boolean => {
        const has = Object.hasOwn(l, r.key);
        switch (r.op) {
          case 'exists':
            return has;
          case 'notexists':
            return !has;
          case 'in':
            return has && r.values.includes(l[r.key]);
          case 'notin':
            return !has || !r.values.includes(l[r.key]);
          case '=':
            return has && l[r.key] === r.value;
          case '!=':
            return !has || l[r.key] !== r.value;
          default:
            return false;
        }
      });
    },
  };
}

export const everything: Selector = makeSelector([]);

const keyRe = /^([a-z0-9A-Z]([-a-z0-9A-Z._]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function badLabel(message: string): StatusError {
  return new StatusError('BadRequest', `unable to parse requirement: ${message}`);
}

function checkKey(key: string): string {
  if (!keyRe.test(key)) badThrow(`invalid label key "${key}"`);
  return key;
}
function checkValue(v: string): string {
  if (v.length > 63 || !valueRe.test(v)) badThrow(`invalid label value: "${v}"`);
  return v;
}
function badThrow(msg: string): never {
  throw badLabel(msg);
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') depth--;
    else if (s[i] === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(text: string | undefined | null): Selector {
  if (!text?.trim()) return everything;
  const reqs: Requirement[] = [];
  for (const term of splitTerms(text)) {
    let m = /^!\s*(\S+)$/.exec(term);
    if (m) {
      reqs.push({ op: 'notexists', key: checkKey(m[1]) });
      continue;
    }
    m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
        .map(checkValue);
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1]), values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      reqs.push({ op: m[2] === '!=' ? '!=' : '=', key: checkKey(m[1]), value: checkValue(m[3]) });
      continue;
    }
    if (/^[^\s=!()]+$/.test(term)) {
      reqs.push({ op: 'exists', key: checkKey(term) });
      continue;
    }
    badThrow(`found '${term}', expected: identifier, '!', 'in', 'notin', '=', '==' or '!='`);
  }
  return makeSelector(reqs);
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A LabelSelector object (as in a Deployment's spec.selector). Empty matches everything. */
export function fromLabelSelector(sel: LabelSelectorObject | undefined | null): Selector {
  if (!sel) return everything;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ op: '=', key, value });
  for (const e of sel.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        reqs.push({ op: 'in', key: e.key, values: e.values ?? [] });
        break;
      case 'NotIn':
        reqs.push({ op: 'notin', key: e.key, values: e.values ?? [] });
        break;
      case 'Exists':
        reqs.push({ op: 'exists', key: e.key });
        break;
      case 'DoesNotExist':
        reqs.push({ op: 'notexists', key: e.key });
        break;
      default:
        throw new StatusError('BadRequest', `"${e.operator}" is not a valid label selector operator`);
    }
  }
  return makeSelector(reqs);
}

export function selectorToString(sel: LabelSelectorObject | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel?.matchLabels ?? {}).sort()) parts.push(`${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  requirements: FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
  empty: boolean;
}

/**
 * Parses a field selector, checking each field against those the resource
 * supports (upstream answers 400 "field label not supported: X" otherwise).
 */
export function parseFieldSelector(
  text: string | undefined | null,
  supported: ReadonlySet<string>,
): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const term of (text ?? '').split(',').map((t) => t.trim())) {
    if (!term) continue;
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new StatusError('BadRequest', `invalid selector: '${text}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!supported.has(field)) throw new StatusError('BadRequest', `field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() });
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (fields) =>
      reqs.every((r) => (r.op === '=' ? fields[r.field] === r.value : fields[r.field] !== r.value)),
  };
}
