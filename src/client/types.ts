// The API client that controllers, the scheduler and agents use. They reach
// the cluster only through this interface, as any external client would;
// LocalClient serves it in-process, HttpClient over HTTPS for remote agents.
import type { KubeObject } from '../api/object.ts';
import type { ResourceInfo } from '../api/resources.ts';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ClientWatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export type PatchKind = 'merge' | 'strategic' | 'json' | 'apply';

export interface DeleteOpts {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface Client {
  get(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined>;
  list(
    r: ResourceInfo,
    namespace: string | undefined,
    opts?: ListOptions,
    signal?: AbortSignal,
  ): Promise<ObjectList>;
  /** Events after resourceVersion; throws a 410 StatusError when it is too old. */
  watch(
    r: ResourceInfo,
    namespace: string | undefined,
    opts: ListOptions & { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<ClientWatchEvent>;
  create(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject>;
  update(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject>;
  updateStatus(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject>;
  patch(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    opts?: { subresource?: 'status'; fieldManager?: string; force?: boolean },
    signal?: AbortSignal,
  ): Promise<KubeObject>;
  /** Returns the object as last seen, or undefined when it was already gone. */
  delete(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOpts,
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined>;
  /** POST to a subresource such as pods/NAME/binding. */
  createSubresource(
    r: ResourceInfo,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown>;
}
