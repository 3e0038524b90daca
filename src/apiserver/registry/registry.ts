// The generic REST store: one instance per resource serves get, list, watch,
// create, update, patch and delete with Kubernetes semantics (optimistic
// concurrency on resourceVersion, generateName, finalizers, graceful
// deletion, status split, dry run) over the Store interface.
import { randomUUID } from 'node:crypto';
import { supportedFields } from '../../api/fields.ts';
import type { KubeObject } from '../../api/object.ts';
import { clone, deepEqual, timestamp } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import { storageKey, storagePrefix } from '../../api/resources.ts';
import { parseFieldSelector, parseLabelSelector } from '../../api/selectors.ts';
import { errors, StatusError } from '../../api/status.ts';
import type { Store, StoredObject } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';
import type { Clock } from '../../util/clock.ts';
import type { CacheEvent, WatchCache } from '../watch-cache.ts';
import { decodeObject, encodeObject } from './codec.ts';
import { type Filter, listFromCache, listFromStore, matches, parseContinue } from './list.ts';
import {
  effectiveGracePeriod,
  keepSystemMetadata,
  prepareForCreate,
  prepareForUpdate,
  readyToDelete,
  specChanged,
  usesGeneration,
} from './strategy.ts';
import type {
  Admission,
  DeleteOptions,
  DeleteResult,
  FieldManager,
  ListQuery,
  ListResult,
  NamespaceGate,
  PatchType,
  WriteContext,
} from './types.ts';

export interface RegistryDeps {
  info: ResourceInfo;
  store: Store;
  cache: WatchCache;
  admission: Admission;
  fields: FieldManager;
  namespaces: NamespaceGate;
  clock: Clock;
}

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxRetries = 8;

export class ResourceRegistry {
  readonly info: ResourceInfo;
  private readonly d: RegistryDeps;

  constructor(deps: RegistryDeps) {
    this.info = deps.info;
    this.d = deps;
  }

  private key(ns: string | undefined, name: string): string {
    return storageKey(this.info, ns, name);
  }

  private subject(name: string) {
    return { resource: this.info.plural, group: this.info.group || undefined, name };
  }

  private storeError(err: unknown, name: string): never {
    if (err instanceof StoreError) {
      if (err.code === 'NotFound') throw errors.notFound(this.subject(name));
      if (err.code === 'AlreadyExists') throw errors.alreadyExists(this.subject(name));
      if (err.code === 'Conflict') throw errors.conflict(this.subject(name));
      if (err.code === 'Compacted') throw errors.gone(err.message);
      throw errors.unavailable(err.message);
    }
    throw err;
  }

  async get(ns: string | undefined, name: string): Promise<KubeObject> {
    const s = await this.d.store.get(this.key(ns, name));
    if (!s) throw errors.notFound(this.subject(name));
    return decodeObject(s);
  }

  filter(q: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): Filter {
    return {
      labels: parseLabelSelector(q.labelSelector),
      fields: parseFieldSelector(q.fieldSelector, supportedFields(this.info)),
    };
  }

  async list(ns: string | undefined, q: ListQuery, signal?: AbortSignal): Promise<ListResult> {
    const prefix = storagePrefix(this.info, ns);
    const filter = this.filter(q);
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const src = { info: this.info, store: this.d.store, cache: this.d.cache };
    if (q.continue) {
      const c = parseContinue(q.continue, prefix);
      return listFromStore(src, prefix, filter, limit, { ...c, fromContinue: true });
    }
    const rv = parseResourceVersion(q.resourceVersion);
    if (q.resourceVersionMatch === 'Exact') {
      if (!rv) throw errors.badRequest('resourceVersionMatch: Exact requires a non-zero resourceVersion');
      return listFromStore(src, prefix, filter, limit, { revision: rv, fromContinue: false });
    }
    if (q.resourceVersion !== '0') {
      // A consistent read: wait until the cache has caught up with the store.
      const target = rv || (await this.d.store.currentRevision());
      await this.d.cache.waitFor(target, signal);
    } else {
      await this.d.cache.ready;
    }
    return listFromCache(src, prefix, filter, limit);
  }

  /** Events for a watch request, filtered; ADDED/DELETED when an object enters or leaves the selection. */
  async *watch(ns: string | undefined, q: ListQuery, signal: AbortSignal): AsyncGenerator<CacheEvent> {
    const prefix = storagePrefix(this.info, ns);
    const filter = this.filter(q);
    const rv = parseResourceVersion(q.resourceVersion);
    const from = rv ? { revision: rv } : 'initial';
    for await (const e of this.d.cache.watch(prefix, from, signal)) {
      const now = matches(this.info, filter, e.object);
      const before = e.previous !== undefined && matches(this.info, filter, e.previous);
      if (e.type === 'MODIFIED') {
        if (now && before) yield e;
        else if (now) yield { ...e, type: 'ADDED' };
        else if (before) yield { ...e, type: 'DELETED' };
      } else if (now || (e.type === 'DELETED' && before)) yield e;
    }
  }

  async create(ns: string | undefined, input: KubeObject, ctx: WriteContext): Promise<KubeObject> {
    const obj = clone(input);
    this.checkTypeMeta(obj);
    obj.metadata ??= {};
    const m = obj.metadata;
    if (this.info.namespaced) {
      if (m.namespace && ns && m.namespace !== ns) {
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      m.namespace = ns ?? m.namespace;
    } else delete m.namespace;
    if (!m.name && m.generateName) m.name = m.generateName + randomSuffix();
    const now = this.d.clock.now();
    m.uid = randomUUID();
    m.creationTimestamp = timestamp(now);
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.generation;
    if (Array.isArray(m.managedFields) && m.managedFields.length === 0) delete m.managedFields;
    prepareForCreate(this.info, obj);
    this.d.admission.applyDefaults(this.info, obj, 'create');
    const causes = this.d.admission.validateCreate(this.info, obj);
    if (causes.length)
      throw errors.invalid(this.info.kind, m.name ?? '', causes, this.info.group || undefined);
    if (this.info.namespaced) await this.d.namespaces.checkCreate(m.namespace ?? '', this.info, m.name ?? '');
    this.d.fields.update(undefined, obj, ctx.fieldManager, now);
    if (ctx.dryRun) {
      if (await this.d.store.get(this.key(m.namespace, m.name!)))
        throw errors.alreadyExists(this.subject(m.name!));
      return obj;
    }
    try {
      const s = await this.d.store.create(this.key(m.namespace, m.name!), encodeObject(obj));
      obj.metadata.resourceVersion = String(s.modRevision);
      return obj;
    } catch (err) {
      return this.storeError(err, m.name!);
    }
  }

  private checkTypeMeta(obj: KubeObject): void {
    const gv = this.info.group ? `${this.info.group}/${this.info.version}` : this.info.version;
    if (obj.apiVersion && obj.apiVersion !== gv) {
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`,
      );
    }
    if (obj.kind && obj.kind !== this.info.kind) {
      throw errors.badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${this.info.kind})`,
      );
    }
    obj.apiVersion = gv;
    obj.kind = this.info.kind;
  }

  /** PUT: a full replacement, conditional on resourceVersion when the body carries one. */
  async update(
    ns: string | undefined,
    name: string,
    input: KubeObject,
    ctx: WriteContext,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const next = clone(input);
    this.checkTypeMeta(next);
    next.metadata ??= {};
    if (next.metadata.name && next.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const rv = next.metadata.resourceVersion;
    return this.writeLoop(
      ns,
      name,
      ctx,
      (current) => {
        if (rv && rv !== current.metadata.resourceVersion) throw errors.conflict(this.subject(name));
        if (next.metadata.uid && next.metadata.uid !== current.metadata.uid) {
          throw errors.conflict(
            this.subject(name),
            `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`,
          );
        }
        return clone(next);
      },
      subresource,
    );
  }

  /** PATCH with any of the four patch types; server-side apply may create. */
  async patch(
    ns: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    ctx: WriteContext,
    opts: { force?: boolean; subresource?: 'status'; check?: (o: KubeObject) => void } = {},
  ): Promise<KubeObject> {
    if (type === 'application/apply-patch+yaml') {
      const config = body as KubeObject;
      if (!config || typeof config !== 'object' || !config.metadata)
        throw errors.badRequest('apply patch must be an object with metadata');
      if (config.metadata.name && config.metadata.name !== name) {
        throw errors.badRequest(
          `the name of the object (${config.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      const existing = await this.d.store.get(this.key(ns, name));
      if (!existing && !opts.subresource) {
        const created = this.d.fields.apply(
          undefined,
          { ...config, metadata: { ...config.metadata, name } },
          ctx.fieldManager,
          !!opts.force,
          this.d.clock.now(),
        );
        return this.create(ns, created, { ...ctx, fieldManager: ctx.fieldManager });
      }
    }
    return this.writeLoop(
      ns,
      name,
      ctx,
      (current) => {
        const base = clone(current);
        let next: KubeObject;
        if (type === 'application/apply-patch+yaml') {
          next = this.d.fields.apply(
            base,
            body as KubeObject,
            ctx.fieldManager,
            !!opts.force,
            this.d.clock.now(),
            opts.subresource,
          );
        } else {
          next = this.d.fields.patch(type, base, body);
        }
        if (!next || typeof next !== 'object' || Array.isArray(next))
          throw errors.badRequest('patch must result in an object');
        next.metadata ??= {};
        opts.check?.(next);
        const wantRv = next.metadata.resourceVersion;
        if (wantRv && wantRv !== current.metadata.resourceVersion) throw errors.conflict(this.subject(name));
        next.metadata.resourceVersion = current.metadata.resourceVersion;
        return next;
      },
      opts.subresource,
      type === 'application/apply-patch+yaml',
    );
  }

  /**
   * Read-modify-write with compare-and-swap, retried on a store conflict
   * (another writer got in between) by re-reading and re-running `mutate`.
   */
  async writeLoop(
    ns: string | undefined,
    name: string,
    ctx: WriteContext,
    mutate: (current: KubeObject) => KubeObject,
    subresource: 'status' | 'binding' | undefined,
    managedByApply = false,
  ): Promise<KubeObject> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.d.store.get(key);
      if (!stored) throw errors.notFound(this.subject(name));
      const current = decodeObject(stored);
      let next = mutate(current);
      this.checkTypeMeta(next);
      // A binding changes spec.nodeName, which no ordinary update may: it skips the status split and validation.
      const binding = subresource === 'binding';
      if (!binding) next = prepareForUpdate(this.info, next, current, subresource);
      keepSystemMetadata(next, current);
      if (usesGeneration(this.info) && specChanged(next, current)) {
        next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      }
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      this.d.admission.applyDefaults(this.info, next, 'update');
      const causes = binding ? [] : this.d.admission.validateUpdate(this.info, next, current);
      if (causes.length) throw errors.invalid(this.info.kind, name, causes, this.info.group || undefined);
      if (!managedByApply)
        this.d.fields.update(
          current,
          next,
          ctx.fieldManager,
          this.d.clock.now(),
          subresource === 'status' ? 'status' : undefined,
        );
      next.metadata.resourceVersion = current.metadata.resourceVersion;
      if (deepEqual(withoutManagedTimes(next), withoutManagedTimes(current))) return current;
      if (ctx.dryRun) return next;
      // The last finalizer removed from an object being deleted: it goes now.
      if (readyToDelete(this.info, next)) {
        try {
          await this.d.store.delete(key, stored.modRevision);
          return next;
        } catch (err) {
          if (err instanceof StoreError && err.code === 'Conflict' && attempt < maxRetries) continue;
          return this.storeError(err, name);
        }
      }
      try {
        const s = await this.d.store.update(key, encodeObject(next), stored.modRevision);
        next.metadata.resourceVersion = String(s.modRevision);
        return next;
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < maxRetries) continue;
        return this.storeError(err, name);
      }
    }
  }

  async delete(
    ns: string | undefined,
    name: string,
    opts: DeleteOptions,
    ctx: WriteContext,
  ): Promise<DeleteResult> {
    const key = this.key(ns, name);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.d.store.get(key);
      if (!stored) throw errors.notFound(this.subject(name));
      const current = decodeObject(stored);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(
          this.subject(name),
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(
          this.subject(name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        );
      }
      const plan = this.planDelete(current, opts);
      if (ctx.dryRun)
        return plan.kind === 'now'
          ? { kind: 'deleted', object: current }
          : { kind: 'pending', object: plan.object };
      try {
        if (plan.kind === 'now') {
          const last = await this.d.store.delete(key, stored.modRevision);
          return { kind: 'deleted', object: decodeDeleted(last, current) };
        }
        if (deepEqual(plan.object, current)) return { kind: 'pending', object: current };
        const s = await this.d.store.update(key, encodeObject(plan.object), stored.modRevision);
        plan.object.metadata.resourceVersion = String(s.modRevision);
        return { kind: 'pending', object: plan.object };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < maxRetries) continue;
        return this.storeError(err, name);
      }
    }
  }

  private planDelete(
    current: KubeObject,
    opts: DeleteOptions,
  ): { kind: 'now' } | { kind: 'mark'; object: KubeObject } {
    const next = clone(current);
    const m = next.metadata;
    const policy =
      opts.propagationPolicy ??
      (opts.orphanDependents ? 'Orphan' : opts.orphanDependents === false ? 'Background' : undefined);
    const finalizers = new Set(m.finalizers ?? []);
    if (!m.deletionTimestamp) {
      if (policy === 'Orphan') finalizers.add('orphan');
      if (policy === 'Foreground') finalizers.add('foregroundDeletion');
    }
    if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const grace = effectiveGracePeriod(this.info, current, opts.gracePeriodSeconds);
    const pendingNamespace = this.info.kind === 'Namespace' && (next.spec?.finalizers?.length ?? 0) > 0;
    if (finalizers.size === 0 && grace === 0 && !pendingNamespace) return { kind: 'now' };
    const now = this.d.clock.now();
    const existingGrace = m.deletionGracePeriodSeconds;
    if (!m.deletionTimestamp || (existingGrace !== undefined && grace < existingGrace)) {
      m.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
      m.deletionGracePeriodSeconds = grace;
    }
    m.finalizers = [...finalizers];
    if (m.finalizers.length === 0) delete m.finalizers;
    if (this.info.kind === 'Namespace') next.status = { ...next.status, phase: 'Terminating' };
    return { kind: 'mark', object: next };
  }

  async deleteCollection(
    ns: string | undefined,
    q: ListQuery,
    opts: DeleteOptions,
    ctx: WriteContext,
  ): Promise<KubeObject[]> {
    const listed = await this.list(ns, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const out: KubeObject[] = [];
    for (const o of listed.items) {
      try {
        const r = await this.delete(o.metadata.namespace, o.metadata.name!, opts, ctx);
        out.push(r.object);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === 'NotFound')) throw err;
      }
    }
    return out;
  }
}

function decodeDeleted(last: StoredObject, fallback: KubeObject): KubeObject {
  try {
    return decodeObject(last);
  } catch {
    return fallback;
  }
}

function withoutManagedTimes(o: KubeObject): KubeObject {
  const mf = o.metadata.managedFields as { time?: string }[] | undefined;
  if (!mf) return o;
  return { ...o, metadata: { ...o.metadata, managedFields: mf.map(({ time: _t, ...rest }) => rest) } };
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)];
  return s;
}

export function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '' || rv === '0') return 0;
  if (!/^\d+$/.test(rv)) throw new StatusError('BadRequest', `invalid resource version "${rv}"`);
  return Number(rv);
}
