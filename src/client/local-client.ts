// The Client served in-process by the apiserver's registries: the same
// semantics as HTTP (defaults, validation, admission, conflicts) without
// serialising, for the controllers and the agent that run inside `orca server`.
import type { KubeObject } from '../api/object.ts';
import type { ResourceInfo } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import { bindPod, finalizeNamespace } from '../apiserver/handlers/subresources.ts';
import type { PatchType } from '../apiserver/registry/types.ts';
import type { ApiServer } from '../apiserver/server.ts';
import { systemClock } from '../util/clock.ts';
import type { Client, ClientWatchEvent, DeleteOpts, ListOptions, ObjectList, PatchKind } from './types.ts';

const patchTypes: Record<PatchKind, PatchType> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class LocalClient implements Client {
  private readonly server: ApiServer;
  private readonly manager: string;

  constructor(server: ApiServer, fieldManager: string) {
    this.server = server;
    this.manager = fieldManager;
  }

  private ctx(signal?: AbortSignal, fieldManager?: string) {
    return this.server.systemContext(signal ?? new AbortController().signal, fieldManager ?? this.manager);
  }

  async get(r: ResourceInfo, ns: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.server.registry(r).get(ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(
    r: ResourceInfo,
    ns: string | undefined,
    opts: ListOptions = {},
    signal?: AbortSignal,
  ): Promise<ObjectList> {
    const l = await this.server.registry(r).list(ns, opts, signal);
    return { items: l.items, resourceVersion: l.resourceVersion };
  }

  async *watch(
    r: ResourceInfo,
    ns: string | undefined,
    opts: ListOptions & { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<ClientWatchEvent> {
    for await (const e of this.server.registry(r).watch(ns, opts, signal))
      yield { type: e.type, object: e.object };
  }

  create(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.server.registry(r).create(obj.metadata.namespace, obj, this.ctx(signal));
  }

  update(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.server.registry(r).update(obj.metadata.namespace, obj.metadata.name!, obj, this.ctx(signal));
  }

  updateStatus(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    return this.server
      .registry(r)
      .update(obj.metadata.namespace, obj.metadata.name!, obj, this.ctx(signal), 'status');
  }

  patch(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    kind: PatchKind,
    body: unknown,
    opts: { subresource?: 'status'; fieldManager?: string; force?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<KubeObject> {
    return this.server
      .registry(r)
      .patch(ns, name, patchTypes[kind], body, this.ctx(signal, opts.fieldManager), {
        subresource: opts.subresource,
        force: opts.force,
      });
  }

  async delete(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    opts: DeleteOpts = {},
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined> {
    try {
      return (await this.server.registry(r).delete(ns, name, opts, this.ctx(signal))).object;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createSubresource(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (subresource === 'binding')
      return bindPod(this.server.registry(r), ns, name, body as KubeObject, this.ctx(signal), systemClock);
    if (subresource === 'finalize')
      return finalizeNamespace(
        this.server.registry(r),
        name,
        (body as KubeObject).spec?.finalizers ?? [],
        this.ctx(signal),
      );
    if (subresource === 'eviction')
      return this.delete(r, ns, name, (body as { deleteOptions?: DeleteOpts })?.deleteOptions ?? {}, signal);
    throw new Error(`subresource ${subresource} is not supported by the local client`);
  }
}
