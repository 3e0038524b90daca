// Shared builders for the defaulting and validation tests: objects as a
// client would send them, run through defaults then validation as the API
// server does.
import assert from 'node:assert/strict';
import { applyDefaults, type DefaultOptions } from '../../src/api/defaults/index.ts';
import { findKind, type ResourceInfo } from '../../src/api/resources.ts';
import type { StatusCause } from '../../src/api/status.ts';
import { type KubeObject, validateCreate, validateUpdate } from '../../src/api/validation/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: fixtures reach into arbitrary decoded JSON.
export type Obj = Record<string, any>;

export function infoFor(apiVersion: string, kind: string): ResourceInfo {
  const info = findKind(apiVersion, kind);
  assert.ok(info, `${apiVersion} ${kind} is served`);
  return info;
}

export function defaulted(apiVersion: string, kind: string, obj: Obj, options?: DefaultOptions): Obj {
  applyDefaults(infoFor(apiVersion, kind), obj as KubeObject, options);
  return obj;
}

/** Defaults then create-validation, as a POST goes. */
export function createErrors(apiVersion: string, kind: string, obj: Obj): StatusCause[] {
  const info = infoFor(apiVersion, kind);
  applyDefaults(info, obj as KubeObject, { operation: 'create' });
  return validateCreate(info, obj as KubeObject);
}

/** Defaults on the new object then update-validation against the stored one. */
export function updateErrors(apiVersion: string, kind: string, next: Obj, old: Obj): StatusCause[] {
  const info = infoFor(apiVersion, kind);
  applyDefaults(info, next as KubeObject, { operation: 'update' });
  return validateUpdate(info, next as KubeObject, old as KubeObject);
}

/** The single cause reported, with its field, reason and message. */
export function onlyCause(causes: StatusCause[]): StatusCause {
  assert.equal(causes.length, 1, `expected one cause, got ${JSON.stringify(causes, null, 1)}`);
  return causes[0];
}

export function causeAt(causes: StatusCause[], field: string): StatusCause {
  const found = causes.find((c) => c.field === field);
  assert.ok(found, `no cause at ${field}; got ${JSON.stringify(causes, null, 1)}`);
  return found;
}

export function container(overrides: Obj = {}): Obj {
  return { name: 'app', image: 'registry.local/app:1.0', ...overrides };
}

export function pod(spec: Obj = {}, meta: Obj = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { containers: [container()], ...spec },
  };
}

export function template(labels: Obj = { app: 'web' }, spec: Obj = {}): Obj {
  return { metadata: { labels }, spec: { containers: [container()], ...spec } };
}

/** A stored object: defaulted on create and given the server-set metadata. */
export function stored(apiVersion: string, kind: string, obj: Obj): Obj {
  defaulted(apiVersion, kind, obj, { operation: 'create' });
  obj.metadata.resourceVersion = '1';
  obj.metadata.uid ??= 'uid-1';
  return obj;
}

/** A copy for an update, carrying over the server-set metadata. */
export function edit(obj: Obj, change: (o: Obj) => void): Obj {
  const next = structuredClone(obj);
  change(next);
  return next;
}

export const dns1123Subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const dns1123Label =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
