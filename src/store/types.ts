// The storage contract. Both implementations (SQLite, etcd) pass the same
// contract suite in test/integration/store-contract.test.ts.
//
// Semantics follow etcd v3: one cluster-wide revision counter that every write
// increments; each key remembers the revision that created it and the one
// that last modified it. The apiserver uses modRevision as resourceVersion.
// The store knows nothing of HTTP or Kubernetes kinds: errors are StoreError
// values that the registry translates into Kubernetes Status errors.

export interface StoredObject {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
}

export type WatchEvent =
  | { type: 'put'; revision: number; object: StoredObject; previous?: StoredObject }
  /** `object` is the last value the key held; `revision` is the deletion's own revision. */
  | { type: 'delete'; revision: number; object: StoredObject };

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Compacted' | 'Unavailable';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly key: string;
  /** For Conflict: the object as it currently is, when known (saves a re-read). */
  readonly current?: StoredObject;
  constructor(code: StoreErrorCode, key: string, message?: string, current?: StoredObject) {
    super(message ?? `${code}: ${key}`);
    this.name = 'StoreError';
    this.code = code;
    this.key = key;
    this.current = current;
  }
}

export interface ListOptions {
  /** Read as of this revision (0 or absent = latest). Compacted → StoreError('Compacted'). */
  revision?: number;
  /** At most this many items (0 or absent = all). */
  limit?: number;
  /** Only keys strictly greater than this one (for paging). */
  startAfter?: string;
}

export interface ListResult {
  items: StoredObject[];
  /** The revision the list was read at. */
  revision: number;
  /** True when `limit` cut the result and more keys follow. */
  more: boolean;
}

export interface Store {
  get(key: string): Promise<StoredObject | undefined>;
  /** Keys that start with `prefix`, sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Fails with AlreadyExists when the key exists. */
  create(key: string, value: Uint8Array): Promise<StoredObject>;
  /** Compare-and-swap on modRevision: Conflict when it moved, NotFound when absent. */
  update(key: string, value: Uint8Array, ifRevision: number): Promise<StoredObject>;
  /** Deletes; with ifRevision, only if unchanged since. Returns the last value. */
  delete(key: string, ifRevision?: number): Promise<StoredObject>;
  /**
   * Every change under `prefix` with revision > fromRevision, in revision order,
   * none dropped or repeated. Throws StoreError('Compacted') when fromRevision
   * is older than the compacted revision (etcd also accepts compacted - 1,
   * whose following events it still has). Ends when `signal` aborts; ends
   * with StoreError('Unavailable') when the consumer falls too far behind or
   * the backend goes away, after the events already buffered, so the
   * consumer can resume from the last revision it saw.
   */
  watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent>;
  currentRevision(): Promise<number>;
  /** Oldest revision still readable (history below it is gone). */
  compactedRevision(): Promise<number>;
  /**
   * Drop history older than `revision` (reads at `revision` and watches from
   * it keep working). Must not stall writers for long. The SQLite store stops
   * short of `revision` while a watch still reads older history, and returns
   * freed space to the filesystem before resolving.
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
