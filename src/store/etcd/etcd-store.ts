// The Store on etcd v3. Every write is one transaction whose compare makes it
// conditional (create: the key has no create revision; update/delete: its mod
// revision is the expected one) and whose failure branch reads the key, so a
// rejected write reports the current object without a second round trip.

import { noop } from 'cockatiel';
import { Etcd3, type IRangeResponse, type ITxnResponse, type KVClient } from 'etcd3';
import type { Logger } from '../../util/log.ts';
import { keyRange, prefixEndBytes } from '../key-range.ts';
import {
  type ListOptions,
  type ListResult,
  type Store,
  type StoredObject,
  StoreError,
  type WatchEvent,
} from '../types.ts';
import { etcdCall, toStoreError } from './errors.ts';
import { toObject, watchEtcd } from './etcd-watch.ts';

// Same bound as the SQLite store: how far a watch may lag before it is ended.
const WATCH_BUFFER_EVENTS = 10_000;
const DIAL_TIMEOUT_MS = 5_000;
// A key no one writes, read to learn the cluster's revision cheaply.
const PROBE_KEY = Buffer.from([0]);

export interface EtcdStoreOptions {
  /** Client URLs such as http://127.0.0.1:2379. */
  endpoints: string[];
  logger: Logger;
}

export class EtcdStore implements Store {
  readonly #client: Etcd3;
  readonly #kv: KVClient;
  readonly #logger: Logger;
  /** Highest compacted revision this store has learned of, to narrow the search in compactedRevision(). */
  #knownCompacted = 0;

  /** Connects and checks the cluster answers, so a wrong endpoint fails here rather than on first use. */
  static async open(options: EtcdStoreOptions): Promise<EtcdStore> {
    const client = new Etcd3({
      hosts: options.endpoints,
      dialTimeout: DIAL_TIMEOUT_MS,
      // No silent retries: a write whose reply was lost may have been applied,
      // and retrying its transaction would report a false AlreadyExists or
      // Conflict. Failures surface as StoreError('Unavailable') instead; a
      // failing member is still skipped by the per-host circuit breaker.
      faultHandling: { global: noop },
    });
    const store = new EtcdStore(client, options.logger.child('etcd'));
    try {
      const revision = await store.currentRevision();
      store.#logger.info('connected', { endpoints: options.endpoints, revision });
      return store;
    } catch (err) {
      client.close();
      throw err;
    }
  }

  private constructor(client: Etcd3, logger: Logger) {
    this.#client = client;
    this.#kv = client.kv;
    this.#logger = logger;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const response = await etcdCall(key, () => this.#kv.range({ key: Buffer.from(key) }));
    return response.kvs[0] ? toObject(response.kvs[0]) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const range = keyRange(prefix, options.startAfter);
    const start = Buffer.from(range.from);
    const response = await etcdCall(prefix, () =>
      this.#kv.range({
        // An exclusive start is the next possible key: the same bytes plus a zero byte.
        key: range.fromInclusive ? startKey(start) : Buffer.concat([start, PROBE_KEY]),
        range_end: rangeEnd(prefix),
        revision: options.revision || 0,
        limit: options.limit && options.limit > 0 ? options.limit : 0,
      }),
    );
    return {
      items: response.kvs.map(toObject),
      revision: options.revision || Number(response.header.revision),
      more: response.more,
    };
  }

  async count(prefix: string): Promise<number> {
    const response = await etcdCall(prefix, () =>
      this.#kv.range({ key: startKey(Buffer.from(prefix)), range_end: rangeEnd(prefix), count_only: true }),
    );
    return Number(response.count);
  }

  async create(key: string, value: Uint8Array): Promise<StoredObject> {
    const k = Buffer.from(key);
    const response = await etcdCall(key, () =>
      this.#kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) {
      throw new StoreError('AlreadyExists', key, `${key} already exists`, currentOf(response));
    }
    const revision = Number(response.header.revision);
    return { key, value, createRevision: revision, modRevision: revision };
  }

  async update(key: string, value: Uint8Array, ifRevision: number): Promise<StoredObject> {
    const k = Buffer.from(key);
    const response = await etcdCall(key, () =>
      this.#kv.txn({
        compare: [
          // Without this, a missing key (mod revision 0) would match ifRevision 0 and be created.
          { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
          { key: k, target: 'Mod', result: 'Equal', mod_revision: ifRevision },
        ],
        success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) throw rejection(key, ifRevision, currentOf(response));
    const previous = response.responses[0]?.response_put?.prev_kv;
    return {
      key,
      value,
      createRevision: Number(previous?.create_revision),
      modRevision: Number(response.header.revision),
    };
  }

  async delete(key: string, ifRevision?: number): Promise<StoredObject> {
    const k = Buffer.from(key);
    const response = await etcdCall(key, () =>
      this.#kv.txn({
        compare: [
          { key: k, target: 'Create', result: 'Greater', create_revision: 0 },
          ...(ifRevision === undefined
            ? []
            : [{ key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: ifRevision }]),
        ],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) throw rejection(key, ifRevision, currentOf(response));
    const last = response.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!last) throw new StoreError('NotFound', key, `${key} not found`);
    return toObject(last);
  }

  watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return watchEtcd(
      this.#client.watchClient,
      {
        prefix,
        key: startKey(Buffer.from(prefix)),
        rangeEnd: rangeEnd(prefix),
        fromRevision,
        capacity: WATCH_BUFFER_EVENTS,
      },
      signal,
    );
  }

  async currentRevision(): Promise<number> {
    const response = await etcdCall('', () => this.#kv.range({ key: PROBE_KEY, count_only: true }));
    return Number(response.header.revision);
  }

  /**
   * etcd has no call that returns its compacted revision, but a read below it
   * fails; so binary-search for the oldest readable revision, starting from
   * the highest compaction already known. About log2(revisions) cheap reads.
   */
  async compactedRevision(): Promise<number> {
    // Invariant: `low` is not readable (or is 0), `high` is.
    let low = Math.max(0, this.#knownCompacted - 1);
    let high = await this.currentRevision();
    if (low === 0 && (await this.#readableAt(1))) return this.#knownCompacted;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (await this.#readableAt(middle)) high = middle;
      else low = middle;
    }
    this.#knownCompacted = high;
    return high;
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, await this.currentRevision());
    if (target <= this.#knownCompacted) return;
    try {
      // physical: reply once the data is gone, so compact() means what it says.
      await etcdCall('', () => this.#kv.compact({ revision: target, physical: true }));
    } catch (err) {
      // Already compacted that far (by us or another server): nothing to do.
      if (!(err instanceof StoreError && err.code === 'Compacted')) throw err;
    }
    this.#knownCompacted = Math.max(this.#knownCompacted, target);
    this.#logger.debug('compacted', { revision: target });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #readableAt(revision: number): Promise<boolean> {
    try {
      await this.#kv.range({ key: PROBE_KEY, revision, count_only: true });
      return true;
    } catch (err) {
      const mapped = toStoreError(err, '');
      if (mapped instanceof StoreError && mapped.code === 'Compacted') return false;
      throw mapped;
    }
  }
}

/** etcd refuses an empty key; the empty prefix starts at the lowest key, "\0". */
function startKey(key: Buffer): Buffer {
  return key.length > 0 ? key : Buffer.from([0]);
}

/** Range end for everything under `prefix`; "\0" is etcd's "to the end of the keyspace". */
function rangeEnd(prefix: string): Buffer {
  const end = prefixEndBytes(Buffer.from(prefix));
  return end.length > 0 ? Buffer.from(end) : Buffer.from([0]);
}

function currentOf(response: ITxnResponse): StoredObject | undefined {
  const range: IRangeResponse | undefined = response.responses[0]?.response_range;
  const kv = range?.kvs[0];
  return kv ? toObject(kv) : undefined;
}

function rejection(key: string, expected: number | undefined, current: StoredObject | undefined): StoreError {
  if (!current) return new StoreError('NotFound', key, `${key} not found`);
  return new StoreError(
    'Conflict',
    key,
    `${key} changed: expected revision ${expected}, found ${current.modRevision}`,
    current,
  );
}
