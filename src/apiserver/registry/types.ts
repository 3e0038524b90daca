// What the generic registry needs from the rest of the API machinery. The
// kind-specific parts (defaults, validation, patching, managed fields) are
// passed in, so the registry stays one generic store for every resource.
import type { KubeObject } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import type { StatusCause } from '../../api/status.ts';

export interface Admission {
  applyDefaults(info: ResourceInfo, obj: KubeObject, operation: 'create' | 'update'): void;
  validateCreate(info: ResourceInfo, obj: KubeObject): StatusCause[];
  validateUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): StatusCause[];
}

export type PatchType =
  | 'application/json-patch+json'
  | 'application/merge-patch+json'
  | 'application/strategic-merge-patch+json'
  | 'application/apply-patch+yaml';

export interface FieldManager {
  /** Patch an object with one of the three classic patch types. */
  patch(
    type: Exclude<PatchType, 'application/apply-patch+yaml'>,
    current: KubeObject,
    body: unknown,
  ): KubeObject;
  /** Server-side apply: merge `config` into `live` (undefined when creating) for `manager`. */
  apply(
    live: KubeObject | undefined,
    config: KubeObject,
    manager: string,
    force: boolean,
    now: Date,
    subresource?: string,
  ): KubeObject;
  /** Record in metadata.managedFields what an ordinary write by `manager` changed. */
  update(
    old: KubeObject | undefined,
    next: KubeObject,
    manager: string,
    now: Date,
    subresource?: string,
  ): void;
}

export interface UserInfo {
  name: string;
  groups: string[];
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Per-request options that every write carries. */
export interface WriteContext {
  user: UserInfo;
  dryRun: boolean;
  fieldManager: string;
  /** Warnings to return in `Warning:` headers. */
  warnings: string[];
  signal: AbortSignal;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type DeleteResult =
  /** The object is gone from the store. */
  | { kind: 'deleted'; object: KubeObject }
  /** Marked for deletion; finalizers or a grace period hold it for now. */
  | { kind: 'pending'; object: KubeObject };

export interface NamespaceGate {
  /** Throws NotFound / Forbidden when objects cannot be created in `namespace`. */
  checkCreate(namespace: string, info: ResourceInfo, name: string): Promise<void>;
}
