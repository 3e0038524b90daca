// Cell formatting shared by the printers: ages, label sets, selectors and
// container lists rendered the way kube-apiserver renders them, so kubectl
// columns read the same against orca as against a real cluster.
import type { V1Container, V1LabelSelector } from '@kubernetes/client-node';

/**
 * A timestamp as it may reach a printer: an RFC3339 string straight from
 * stored JSON, or a Date (the client-node models type timestamps as Date).
 */
export type Timestamp = string | Date | null | undefined;

/** Milliseconds since the epoch, or undefined for a missing or unparsable time. */
export function toMillis(ts: Timestamp): number | undefined {
  if (ts === null || ts === undefined || ts === '') return undefined;
  const ms = typeof ts === 'string' ? Date.parse(ts) : ts.getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/**
 * A short duration with two or three significant figures ("45s", "3m12s",
 * "2d3h", "3y10d"), the format of every AGE-like column. Slightly negative
 * spans (clock skew under two seconds) read as "0s"; larger ones as
 * "<invalid>".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / second);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / minute);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / hour);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** How long ago `ts` was, relative to `now`; "<unknown>" when there is no time. */
export function since(ts: Timestamp | number, now: Date): string {
  const ms = typeof ts === 'number' ? ts : toMillis(ts);
  if (ms === undefined) return '<unknown>';
  return humanDuration(now.getTime() - ms);
}

/** `k=v` pairs sorted by key, or "<none>" for an empty set. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels?.[key]}`)
    .join(',');
  return text === '' ? '<none>' : text;
}

export class InvalidSelectorError extends Error {
  constructor(operator: string) {
    super(`invalid label selector operator "${operator}"`);
    this.name = 'InvalidSelectorError';
  }
}

interface Requirement {
  key: string;
  text: string;
}

/**
 * The selector in label-query syntax ("app=web,tier in (a,b),!legacy").
 * Requirements are ordered by key and multi-value sets by value. A missing
 * or empty selector renders as "". Throws InvalidSelectorError on an
 * operator the API does not define.
 */
export function selectorString(selector: V1LabelSelector | undefined): string {
  if (!selector) return '';
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    text: `${key}=${value}`,
  }));
  for (const expr of selector.matchExpressions ?? []) {
    const values = expr.values ?? [];
    const valueText = values.length === 1 ? values[0] : [...values].sort().join(',');
    switch (expr.operator) {
      case 'In':
        requirements.push({ key: expr.key, text: `${expr.key} in (${valueText})` });
        break;
      case 'NotIn':
        requirements.push({ key: expr.key, text: `${expr.key} notin (${valueText})` });
        break;
      case 'Exists':
        requirements.push({ key: expr.key, text: expr.key });
        break;
      case 'DoesNotExist':
        requirements.push({ key: expr.key, text: `!${expr.key}` });
        break;
      default:
        throw new InvalidSelectorError(expr.operator);
    }
  }
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(',');
}

/** A selector for a SELECTOR column: "<none>" when empty, "<error>" when invalid. */
export function formatSelector(selector: V1LabelSelector | undefined): string {
  try {
    return selectorString(selector) || '<none>';
  } catch (err) {
    if (err instanceof InvalidSelectorError) return '<error>';
    throw err;
  }
}

/** The CONTAINERS and IMAGES cells of a pod template: names and images, comma-joined. */
export function containerCells(containers: V1Container[] | undefined): { names: string; images: string } {
  const list = containers ?? [];
  return {
    names: list.map((c) => c.name).join(','),
    images: list.map((c) => c.image ?? '').join(','),
  };
}

/**
 * At most `max` entries joined by commas, with " + N more..." for the rest
 * (`total` counts every entry, shown or not); "<unset>" when there are none.
 */
export function listWithMore(shown: string[], total: number, max: number): string {
  const text = shown.join(',');
  if (total > max) return `${text} + ${total - max} more...`;
  return text === '' ? '<unset>' : text;
}

/** "True"/"False" for a set flag, "<unset>" for a missing one. */
export function formatOptionalBool(value: boolean | undefined): string {
  if (value === undefined) return '<unset>';
  return value ? 'True' : 'False';
}

/** host:port, with IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
