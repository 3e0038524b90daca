// Small readers for decoded JSON. Objects arrive as plain JSON; the typed
// views used in defaults and validation (client-node models, type-only) are a
// convenience, not a guarantee, so code that branches on a value's type checks
// it first.
export type { KubeObject } from '../object.ts';

export type JsonObject = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** obj[key], first set to init() when absent (for defaulting nested structs). */
export function orInit<T extends object, K extends keyof T>(
  obj: T,
  key: K,
  init: () => NonNullable<T[K]>,
): NonNullable<T[K]> {
  if (obj[key] === undefined || obj[key] === null) obj[key] = init();
  return obj[key] as NonNullable<T[K]>;
}

/** Array elements that are objects; anything else is skipped. */
export function records(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export function entriesOf(v: unknown): [string, unknown][] {
  return isRecord(v) ? Object.entries(v) : [];
}

export function deepCopy<T>(v: T): T {
  return structuredClone(v);
}
