// The garbage collector: deletes objects whose owners are all gone
// (background propagation), deletes dependents before their owner for
// foreground deletion, and strips owner references for orphaning — each
// driven by the ownerReferences graph it keeps from informers on every
// resource. Before deleting, it confirms an owner's absence with a live read,
// since a just-created owner may not have reached its informer yet.
import type { KubeObject, OwnerReference } from '../api/object.ts';
import { objectKey } from '../api/object.ts';
import { findKind, type ResourceInfo } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import type { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import { done, type Outcome, WorkQueue } from '../client/work-queue.ts';
import type { Logger } from '../util/log.ts';

interface NodeRef {
  informer: Informer;
  key: string;
}

export class GarbageCollector {
  private readonly client: Client;
  private readonly informers: Informer[];
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });
  /** owner uid → dependents (by informer index and key). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly byUid = new Map<string, NodeRef>();

  constructor(client: Client, informers: Informer[], logger: Logger) {
    this.client = client;
    this.informers = informers;
    this.log = logger.child('garbage-collector');
  }

  private ref(i: number, key: string): string {
    return `${i}|${key}`;
  }

  private index(i: number, o: KubeObject, add: boolean): void {
    const r = this.ref(i, objectKey(o));
    const uid = o.metadata.uid;
    if (uid) {
      if (add) this.byUid.set(uid, { informer: this.informers[i], key: objectKey(o) });
      else this.byUid.delete(uid);
    }
    for (const owner of o.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(owner.uid);
      if (add) {
        if (!set) {
          set = new Set();
          this.dependents.set(owner.uid, set);
        }
        set.add(r);
      } else set?.delete(r);
      if (set && set.size === 0) this.dependents.delete(owner.uid);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    this.informers.forEach((inf, i) => {
      inf.on({
        add: (o) => {
          this.index(i, o, true);
          if (o.metadata.ownerReferences?.length) this.queue.add(`dep:${this.ref(i, objectKey(o))}`);
          if (o.metadata.deletionTimestamp) this.queue.add(`owner:${this.ref(i, objectKey(o))}`);
        },
        update: (old, o) => {
          this.index(i, old, false);
          this.index(i, o, true);
          if (o.metadata.deletionTimestamp) this.queue.add(`owner:${this.ref(i, objectKey(o))}`);
          if (o.metadata.ownerReferences?.length) this.queue.add(`dep:${this.ref(i, objectKey(o))}`);
        },
        delete: (o) => {
          this.index(i, o, false);
          for (const d of this.dependents.get(o.metadata.uid ?? '') ?? []) this.queue.add(`dep:${d}`);
          // An owner waiting on this dependent (foreground deletion) may now finish.
          for (const owner of o.metadata.ownerReferences ?? []) {
            const n = this.byUid.get(owner.uid);
            if (n) this.queue.add(`owner:${this.ref(this.informers.indexOf(n.informer), n.key)}`);
          }
        },
      });
    });
    await Promise.all(this.informers.map((i) => i.synced));
    await this.queue.run(
      2,
      (key, s) => this.reconcile(key, s),
      signal,
      (key, err) => this.log.warn('gc failed', { key, err: err as Error }),
    );
  }

  private lookup(ref: string): { informer: Informer; obj: KubeObject } | undefined {
    const bar = ref.indexOf('|');
    const informer = this.informers[Number(ref.slice(0, bar))];
    const obj = informer?.get(ref.slice(bar + 1));
    return obj ? { informer, obj } : undefined;
  }

  private async reconcile(key: string, signal: AbortSignal): Promise<Outcome> {
    const ref = key.slice(key.indexOf(':') + 1);
    const found = this.lookup(ref);
    if (!found) return done;
    return key.startsWith('owner:')
      ? this.processOwner(found.informer.resource, found.obj, signal)
      : this.processDependent(found.informer.resource, found.obj, signal);
  }

  /** Whether the owner an ownerReference names still exists (a live read, uid checked). */
  private async ownerState(
    dep: KubeObject,
    owner: OwnerReference,
    signal: AbortSignal,
  ): Promise<'alive' | 'gone' | 'deleting-foreground' | 'unknown'> {
    const info = findKind(owner.apiVersion, owner.kind);
    if (!info) return 'unknown';
    const live = await this.client.get(
      info,
      info.namespaced ? dep.metadata.namespace : undefined,
      owner.name,
      signal,
    );
    if (!live || live.metadata.uid !== owner.uid) return 'gone';
    if (live.metadata.deletionTimestamp && live.metadata.finalizers?.includes('foregroundDeletion'))
      return 'deleting-foreground';
    return 'alive';
  }

  private async processDependent(info: ResourceInfo, dep: KubeObject, signal: AbortSignal): Promise<Outcome> {
    const owners = dep.metadata.ownerReferences ?? [];
    if (!owners.length || dep.metadata.deletionTimestamp) return done;
    const states = await Promise.all(owners.map((o) => this.ownerState(dep, o, signal)));
    if (states.every((s) => s === 'gone')) {
      this.log.info('deleting object whose owners are gone', { resource: info.plural, key: objectKey(dep) });
      await this.client.delete(
        info,
        dep.metadata.namespace,
        dep.metadata.name!,
        { propagationPolicy: 'Background', preconditions: { uid: dep.metadata.uid } },
        signal,
      );
      return done;
    }
    if (
      states.some((s) => s === 'deleting-foreground') &&
      states.every((s) => s !== 'alive' && s !== 'unknown')
    ) {
      await this.client.delete(
        info,
        dep.metadata.namespace,
        dep.metadata.name!,
        { propagationPolicy: 'Foreground', preconditions: { uid: dep.metadata.uid } },
        signal,
      );
      return done;
    }
    const dangling = owners.filter((_, i) => states[i] === 'gone');
    if (dangling.length) {
      const keep = owners.filter((_, i) => states[i] !== 'gone');
      await this.patchOwners(info, dep, keep, signal);
    }
    return done;
  }

  private async patchOwners(
    info: ResourceInfo,
    dep: KubeObject,
    keep: OwnerReference[],
    signal: AbortSignal,
  ): Promise<void> {
    try {
      await this.client.patch(
        info,
        dep.metadata.namespace,
        dep.metadata.name!,
        'merge',
        {
          metadata: {
            ownerReferences: keep.length ? keep : null,
            resourceVersion: dep.metadata.resourceVersion,
          },
        },
        {},
        signal,
      );
    } catch (err) {
      // Gone already: nothing to strip. A conflict is retried from fresh state by the queue.
      if (!isNotFound(err)) throw err;
    }
  }

  private dependentsOf(uid: string): { informer: Informer; obj: KubeObject }[] {
    return [...(this.dependents.get(uid) ?? [])].map((r) => this.lookup(r)).filter((x) => x !== undefined);
  }

  private async processOwner(info: ResourceInfo, owner: KubeObject, signal: AbortSignal): Promise<Outcome> {
    const finalizers = owner.metadata.finalizers ?? [];
    const uid = owner.metadata.uid!;
    if (finalizers.includes('orphan')) {
      for (const d of this.dependentsOf(uid)) {
        const keep = (d.obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
        await this.patchOwners(d.informer.resource, d.obj, keep, signal);
      }
      await this.removeFinalizer(info, owner, 'orphan', signal);
      return done;
    }
    if (finalizers.includes('foregroundDeletion')) {
      const deps = this.dependentsOf(uid);
      for (const d of deps) {
        if (d.obj.metadata.deletionTimestamp) continue;
        await this.client.delete(
          d.informer.resource,
          d.obj.metadata.namespace,
          d.obj.metadata.name!,
          { propagationPolicy: 'Foreground' },
          signal,
        );
      }
      if (deps.length) return { kind: 'requeueAfter', ms: 1000 };
      await this.removeFinalizer(info, owner, 'foregroundDeletion', signal);
    }
    return done;
  }

  private async removeFinalizer(
    info: ResourceInfo,
    o: KubeObject,
    finalizer: string,
    signal: AbortSignal,
  ): Promise<void> {
    const rest = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.client.patch(
      info,
      o.metadata.namespace,
      o.metadata.name!,
      'merge',
      {
        metadata: { finalizers: rest.length ? rest : null, resourceVersion: o.metadata.resourceVersion },
      },
      {},
      signal,
    );
  }
}
