// One watch cache per resource: a single store watch feeds an in-memory
// snapshot of every object plus a ring of recent events, so any number of
// API watchers (and consistent lists) cost one store watch. Watchers that
// resume from a resourceVersion older than the ring get 410 Gone, as upstream.

import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';
import type { Store, StoredObject, WatchEvent } from '../store/types.ts';
import type { Logger } from '../util/log.ts';
import { CacheInterner } from './cache-interner.ts';
import { decodeObject } from './registry/codec.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: EventType;
  object: KubeObject;
  /** The object before this change (undefined for ADDED). */
  previous?: KubeObject;
  revision: number;
  key: string;
}

export interface WatchCacheOptions {
  /** Events kept for resuming watches. */
  capacity?: number;
  /** Events a watcher may fall behind by before it is cut off. */
  watcherBuffer?: number;
}

interface Watcher {
  push(e: CacheEvent): void;
  fail(err: Error): void;
}

export class WatchCache {
  private readonly opts: Required<WatchCacheOptions>;
  private readonly objects = new Map<string, KubeObject>();
  private readonly interner = new CacheInterner();
  private readonly ring: CacheEvent[] = [];
  private ringStart = 0;
  /** All events with revision > coveredFrom are in the ring. */
  private coveredFrom = 0;
  private revision = 0;
  private readonly watchers = new Set<Watcher>();
  private readonly waiters: { rev: number; resolve: () => void }[] = [];
  private readyResolve!: () => void;
  readonly ready: Promise<void>;

  constructor(options: WatchCacheOptions) {
    this.opts = { capacity: options.capacity ?? 10_000, watcherBuffer: options.watcherBuffer ?? 20_000 };
    this.ready = new Promise((r) => {
      this.readyResolve = r;
    });
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** Replaces the whole state after a (re)list by the hub. */
  reset(items: StoredObject[], revision: number): void {
    this.objects.clear();
    for (const s of items) {
      const obj = decodeObject(s);
      this.interner.intern(obj);
      this.objects.set(s.key, obj);
    }
    this.ring.length = 0;
    this.ringStart = 0;
    // Watchers cannot be carried across a relist: changes in between were not seen as events.
    if (this.revision !== 0) {
      for (const w of this.watchers) w.fail(errors.gone('watch cache was reset; relist required'));
    }
    this.revision = revision;
    this.coveredFrom = revision;
    this.wake();
    this.readyResolve();
  }

  /** Ends every watcher (the server is stopping). */
  close(): void {
    for (const w of this.watchers) w.fail(errors.unavailable('apiserver is shutting down'));
  }

  /** The store moved to `revision` through writes elsewhere: nothing changed here up to it. */
  advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    this.wake();
  }

  apply(e: WatchEvent): void {
    const prev = this.objects.get(e.object.key);
    let ev: CacheEvent;
    if (e.type === 'put') {
      const obj = decodeObject(e.object);
      this.interner.intern(obj, prev);
      this.objects.set(e.object.key, obj);
      ev = {
        type: prev ? 'MODIFIED' : 'ADDED',
        object: obj,
        previous: prev,
        revision: e.revision,
        key: e.object.key,
      };
    } else {
      this.objects.delete(e.object.key);
      const obj = decodeObject(e.object, e.revision);
      ev = { type: 'DELETED', object: obj, previous: prev, revision: e.revision, key: e.object.key };
    }
    this.revision = e.revision;
    if (this.ring.length - this.ringStart >= this.opts.capacity) {
      this.coveredFrom = this.ring[this.ringStart].revision;
      this.ringStart++;
      if (this.ringStart > 4096) {
        this.ring.splice(0, this.ringStart);
        this.ringStart = 0;
      }
    }
    this.ring.push(ev);
    for (const w of this.watchers) w.push(ev);
    this.wake();
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].rev <= this.revision) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  /** Resolves once the cache has seen revision `rev` (or the signal aborts). */
  async waitFor(rev: number, signal?: AbortSignal): Promise<void> {
    await this.ready;
    if (this.revision >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = { rev, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(errors.timeout('request was cancelled while waiting for the watch cache'));
        },
        { once: true },
      );
    });
  }

  /** A consistent snapshot: every object as of `revision`, sorted by key. */
  snapshot(prefix: string): { items: [string, KubeObject][]; revision: number } {
    const items: [string, KubeObject][] = [];
    for (const entry of this.objects) if (entry[0].startsWith(prefix)) items.push(entry);
    items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { items, revision: this.revision };
  }

  get(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Events after `fromRevision` (replayed from the ring, then live) until
   * `signal` aborts. With `initial`, first an ADDED event for every object
   * currently under the prefix. Throws a 410 StatusError when the ring no
   * longer holds what came after `fromRevision`.
   */
  async *watch(
    prefix: string,
    from: { revision: number } | 'initial',
    signal: AbortSignal,
  ): AsyncGenerator<CacheEvent> {
    await this.ready;
    const queue: CacheEvent[] = [];
    let failure: Error | undefined;
    let notify: (() => void) | undefined;
    const limit = this.opts.watcherBuffer;
    const watcher: Watcher = {
      push: (e) => {
        if (!e.key.startsWith(prefix)) return;
        if (queue.length >= limit) {
          watcher.fail(errors.gone('watcher fell too far behind'));
          return;
        }
        queue.push(e);
        notify?.();
      },
      fail: (err) => {
        failure = err;
        this.watchers.delete(watcher);
        notify?.();
      },
    };
    if (from === 'initial') {
      const snap = this.snapshot(prefix);
      for (const [key, object] of snap.items)
        queue.push({ type: 'ADDED', object, revision: snap.revision, key });
    } else {
      if (from.revision < this.coveredFrom) {
        throw errors.gone(`too old resource version: ${from.revision} (${this.coveredFrom})`);
      }
      if (from.revision > this.revision) await this.waitFor(from.revision, signal);
      for (let i = this.ringStart; i < this.ring.length; i++) {
        const e = this.ring[i];
        if (e.revision > from.revision && e.key.startsWith(prefix)) queue.push(e);
      }
    }
    this.watchers.add(watcher);
    const onAbort = () => notify?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (queue.length) {
          const batch = queue.splice(0, queue.length);
          for (const e of batch) yield e;
          continue;
        }
        if (failure) throw failure;
        await new Promise<void>((r) => {
          notify = r;
        });
        notify = undefined;
      }
    } finally {
      this.watchers.delete(watcher);
      signal.removeEventListener('abort', onAbort);
    }
  }

  get watcherCount(): number {
    return this.watchers.size;
  }
}

/**
 * Feeds every resource's cache from ONE store watch over the whole registry.
 * Each event advances every cache's revision, so a consistent read of a quiet
 * resource never waits for a write to that resource.
 */
export class WatchCacheHub {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly caches: { prefix: string; cache: WatchCache }[] = [];

  constructor(store: Store, logger: Logger) {
    this.store = store;
    this.log = logger;
  }

  add(prefix: string, cache: WatchCache): void {
    this.caches.push({ prefix, cache });
    // Longest prefix first, so nested prefixes never steal each other's keys.
    this.caches.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  private cacheFor(key: string): WatchCache | undefined {
    return this.caches.find((c) => key.startsWith(c.prefix))?.cache;
  }

  /**
   * Lists everything into the caches. Its own function so that the raw list
   * (every stored value) is garbage as soon as the caches hold the objects,
   * rather than for as long as the watch that follows runs.
   */
  private async relist(): Promise<number> {
    const listed = await this.store.list('/registry/');
    const byCache = new Map<WatchCache, StoredObject[]>(this.caches.map((c) => [c.cache, []]));
    for (const s of listed.items) {
      const c = this.cacheFor(s.key);
      if (c) byCache.get(c)!.push(s);
    }
    for (const [cache, items] of byCache) cache.reset(items, listed.revision);
    return listed.revision;
  }

  /** Runs until `signal` aborts; relists whenever the store watch breaks. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const revision = await this.relist();
        for await (const e of this.store.watch('/registry/', revision, signal)) {
          this.cacheFor(e.object.key)?.apply(e);
          for (const c of this.caches) c.cache.advance(e.revision);
        }
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn('watch cache restarting', { err: err as Error });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    for (const c of this.caches) c.cache.close();
  }
}
