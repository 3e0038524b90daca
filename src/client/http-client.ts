// The Client contract over HTTPS, for agents on other machines and for tests
// that drive a real server from outside. Semantics match LocalClient: a get of
// a missing object is undefined, every other failure is the StatusError the
// server answered with, and a watch ends quietly when its signal aborts.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject } from '../api/object.ts';
import { groupVersion, type ResourceInfo } from '../api/resources.ts';
import { isNotFound, type Status } from '../api/status.ts';
import {
  HttpTransport,
  type HttpTransportOptions,
  statusErrorFrom,
  statusErrorOf,
} from './http-transport.ts';
import type { Client, ClientWatchEvent, DeleteOpts, ListOptions, ObjectList, PatchKind } from './types.ts';

export interface HttpClientOptions extends HttpTransportOptions {
  /** Recorded in managedFields for writes that do not name their own manager. */
  fieldManager: string;
}

const patchContentTypes: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

function collectionPath(r: ResourceInfo, namespace: string | undefined): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace !== undefined)
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
  return `${base}/${r.plural}`;
}

function objectPath(r: ResourceInfo, namespace: string | undefined, name: string, sub?: string): string {
  const path = `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
  return sub ? `${path}/${sub}` : path;
}

function withQuery(path: string, q: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

function requireName(obj: KubeObject): string {
  if (!obj.metadata?.name) throw new Error('object has no metadata.name');
  return obj.metadata.name;
}

export class HttpClient implements Client {
  private readonly http: HttpTransport;
  private readonly manager: string;

  constructor(o: HttpClientOptions) {
    this.http = new HttpTransport(o);
    this.manager = o.fieldManager;
  }

  /** Closes idle keep-alive connections so the process can exit. */
  close(): void {
    this.http.close();
  }

  async get(r: ResourceInfo, ns: string | undefined, name: string, signal?: AbortSignal) {
    try {
      return await this.call<KubeObject>('GET', objectPath(r, ns, name), undefined, signal);
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
    const path = withQuery(collectionPath(r, ns), {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
    });
    const body = await this.call<{ items?: KubeObject[]; metadata?: { resourceVersion?: string } }>(
      'GET',
      path,
      undefined,
      signal,
    );
    // Upstream leaves kind/apiVersion off list items; callers get whole objects, as from LocalClient.
    const items = (body.items ?? []).map((o) => ({ apiVersion: groupVersion(r), kind: r.kind, ...o }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  async *watch(
    r: ResourceInfo,
    ns: string | undefined,
    opts: ListOptions & { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<ClientWatchEvent> {
    const path = withQuery(collectionPath(r, ns), {
      watch: 'true',
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
    });
    let res: IncomingMessage;
    try {
      res = await this.http.stream(path, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    const decoder = new StringDecoder('utf8');
    let pending = '';
    try {
      for await (const chunk of res) {
        pending += decoder.write(chunk as Buffer);
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          nl = pending.indexOf('\n');
          if (!line) continue;
          const e = JSON.parse(line) as { type: string; object: KubeObject };
          if (e.type === 'ERROR') throw statusErrorOf(e.object as unknown as Partial<Status>);
          if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED')
            yield { type: e.type, object: e.object };
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      res.destroy();
    }
  }

  create(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const path = withQuery(collectionPath(r, obj.metadata.namespace), { fieldManager: this.manager });
    return this.call('POST', path, { body: JSON.stringify(obj) }, signal);
  }

  update(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const path = objectPath(r, obj.metadata.namespace, requireName(obj));
    return this.call(
      'PUT',
      withQuery(path, { fieldManager: this.manager }),
      { body: JSON.stringify(obj) },
      signal,
    );
  }

  updateStatus(r: ResourceInfo, obj: KubeObject, signal?: AbortSignal): Promise<KubeObject> {
    const path = objectPath(r, obj.metadata.namespace, requireName(obj), 'status');
    return this.call(
      'PUT',
      withQuery(path, { fieldManager: this.manager }),
      { body: JSON.stringify(obj) },
      signal,
    );
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
    const path = withQuery(objectPath(r, ns, name, opts.subresource), {
      fieldManager: opts.fieldManager ?? this.manager,
      force: opts.force === undefined ? undefined : String(opts.force),
    });
    // JSON is YAML, so an apply patch travels as JSON under the apply media type.
    return this.call(
      'PATCH',
      path,
      { body: JSON.stringify(body), contentType: patchContentTypes[kind] },
      signal,
    );
  }

  async delete(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    opts: DeleteOpts = {},
    signal?: AbortSignal,
  ): Promise<KubeObject | undefined> {
    const options = { kind: 'DeleteOptions', apiVersion: 'v1', ...opts };
    let out: KubeObject | Status;
    try {
      out = await this.call('DELETE', objectPath(r, ns, name), { body: JSON.stringify(options) }, signal);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (out.kind !== 'Status') return out as KubeObject;
    // A finished delete of most kinds answers with a success Status, not the
    // object; what it names is all that is known of the object then.
    const details = (out as Status).details ?? {};
    return {
      apiVersion: groupVersion(r),
      kind: r.kind,
      metadata: {
        name,
        ...(ns !== undefined ? { namespace: ns } : {}),
        ...(details.uid ? { uid: details.uid } : {}),
      },
    };
  }

  createSubresource(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    // A namespace's finalize is a replace (PUT) upstream; the others are creates.
    const method = subresource === 'finalize' ? 'PUT' : 'POST';
    return this.call(method, objectPath(r, ns, name, subresource), { body: JSON.stringify(body) }, signal);
  }

  private async call<T>(
    method: string,
    path: string,
    o: { body?: string; contentType?: string } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const answer = await this.http.send(method, path, { ...o, signal });
    if (answer.status < 200 || answer.status >= 300) throw statusErrorFrom(answer.status, answer.body);
    return JSON.parse(answer.body.toString('utf8')) as T;
  }
}
