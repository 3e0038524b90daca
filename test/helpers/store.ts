// Shared pieces for store tests: the backends the contract suite runs on, and
// small helpers to drive watches.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../../src/store/etcd/etcd-store.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { type Store, StoreError, type StoreErrorCode, type WatchEvent } from '../../src/store/types.ts';
import { silentLogger } from '../../src/util/log.ts';
import { type EtcdServer, startEtcd } from './etcd.ts';

/** A place stores can be opened: set up once per suite, one store per test. */
export interface StoreBackend {
  name: string;
  setup(): Promise<void>;
  open(): Promise<Store>;
  teardown(): Promise<void>;
}

export function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let opened = 0;
  return {
    name: 'sqlite',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'orca-store-test-'));
    },
    open() {
      if (!dir) throw new Error('setup() first');
      opened++;
      return SqliteStore.open({ path: join(dir, `store-${opened}.db`), logger: silentLogger });
    },
    async teardown() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export function etcdBackend(): StoreBackend {
  let server: EtcdServer | undefined;
  return {
    name: 'etcd',
    async setup() {
      server = await startEtcd();
    },
    open() {
      if (!server) throw new Error('setup() first');
      return EtcdStore.open({ endpoints: [server.endpoint], logger: silentLogger });
    },
    async teardown() {
      await server?.stop();
    },
  };
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** For assert.rejects: the error is a StoreError with this code. */
export function storeError(code: StoreErrorCode): (err: unknown) => boolean {
  return (err) => {
    if (err instanceof StoreError && err.code === code) return true;
    throw new Error(`expected StoreError ${code}, got ${String(err)}`);
  };
}

/** Reads a watch until `done` says so, then stops it. */
export async function watchUntil(
  store: Store,
  prefix: string,
  fromRevision: number,
  done: (events: WatchEvent[]) => boolean,
): Promise<WatchEvent[]> {
  const abort = new AbortController();
  const events: WatchEvent[] = [];
  try {
    for await (const event of store.watch(prefix, fromRevision, abort.signal)) {
      events.push(event);
      if (done(events)) break;
    }
  } finally {
    abort.abort();
  }
  return events;
}

/** Reads a whole watch into an array, failing with whatever the watch throws. */
export async function drainWatch(store: Store, prefix: string, fromRevision: number): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of store.watch(prefix, fromRevision, new AbortController().signal))
    events.push(event);
  return events;
}
