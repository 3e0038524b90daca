// Store benchmark (figures only, nothing asserted):
//   node_modules/.bin/node bench/store.ts [sqlite|etcd ...]
// For each store: durable creates/s from 16 concurrent writers, then the
// longest single write while a compaction of a large backlog runs.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../src/store/etcd/etcd-store.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/types.ts';
import { silentLogger } from '../src/util/log.ts';
import { startEtcd } from '../test/helpers/etcd.ts';

const WRITERS = 16;
const CREATES = 30_000;
const VALUE = new Uint8Array(1024).fill(42); // about a small Kubernetes object
const BACKLOG_KEYS = 1_000;
const BACKLOG_UPDATES_PER_KEY = 100; // 100k superseded rows for compaction to remove

interface Latencies {
  count: number;
  maxMs: number;
  p99Ms: number;
}

async function concurrently(workers: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, w) => work(w)));
}

async function createsPerSecond(store: Store): Promise<number> {
  let next = 0;
  const started = performance.now();
  await concurrently(WRITERS, async () => {
    while (next < CREATES) await store.create(`/bench/create/${next++}`, VALUE);
  });
  return CREATES / ((performance.now() - started) / 1000);
}

/** Writes from WRITERS callers until `until` settles, timing each write. */
async function writeLatencies(store: Store, label: string, until: Promise<unknown>): Promise<Latencies> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const samples: number[] = [];
  let next = 0;
  await concurrently(WRITERS, async () => {
    while (!done) {
      const started = performance.now();
      await store.create(`/bench/${label}/${next++}`, VALUE);
      samples.push(performance.now() - started);
    }
  });
  await until;
  samples.sort((a, b) => a - b);
  return {
    count: samples.length,
    maxMs: samples.at(-1) ?? 0,
    p99Ms: samples[Math.floor(samples.length * 0.99)] ?? 0,
  };
}

async function buildBacklog(store: Store): Promise<void> {
  await concurrently(WRITERS, async (w) => {
    for (let k = w; k < BACKLOG_KEYS; k += WRITERS) {
      const key = `/bench/backlog/${k}`;
      let revision = (await store.create(key, VALUE)).modRevision;
      for (let i = 0; i < BACKLOG_UPDATES_PER_KEY; i++)
        revision = (await store.update(key, VALUE, revision)).modRevision;
    }
  });
}

async function run(name: string, store: Store): Promise<void> {
  const creates = await createsPerSecond(store);
  console.log(
    `${name}: ${Math.round(creates)} durable creates/s (${WRITERS} writers, ${VALUE.length} B values)`,
  );

  await buildBacklog(store);
  const quiet = await writeLatencies(store, 'quiet', new Promise((resolve) => setTimeout(resolve, 2000)));
  const target = await store.currentRevision();
  const started = performance.now();
  const compaction = store.compact(target);
  const busy = await writeLatencies(store, 'during-compaction', compaction);
  const compactionMs = performance.now() - started;
  const rows = BACKLOG_KEYS * BACKLOG_UPDATES_PER_KEY;
  console.log(
    `${name}: compaction of ~${rows} superseded revisions took ${Math.round(compactionMs)} ms;` +
      ` writes meanwhile: ${busy.count}, longest ${busy.maxMs.toFixed(1)} ms, p99 ${busy.p99Ms.toFixed(1)} ms` +
      ` (without compaction: longest ${quiet.maxMs.toFixed(1)} ms, p99 ${quiet.p99Ms.toFixed(1)} ms)`,
  );
}

async function benchSqlite(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'orca-bench-'));
  try {
    const store = await SqliteStore.open({ path: join(dir, 'orca.db'), logger: silentLogger });
    try {
      await run('sqlite', store);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchEtcd(): Promise<void> {
  const etcd = await startEtcd();
  try {
    const store = await EtcdStore.open({ endpoints: [etcd.endpoint], logger: silentLogger });
    try {
      await run('etcd', store);
    } finally {
      await store.close();
    }
  } finally {
    await etcd.stop();
  }
}

const wanted = process.argv.slice(2);
if (wanted.length === 0 || wanted.includes('sqlite')) await benchSqlite();
if (wanted.length === 0 || wanted.includes('etcd')) await benchEtcd();
