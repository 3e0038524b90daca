// Behaviour only the SQLite store has to prove: durability across a crash,
// a file that stays bounded, and compaction that never outruns a watch.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/store/index.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { WatchEvent } from '../../src/store/types.ts';
import { silentLogger } from '../../src/util/log.ts';
import { storeError, str, text } from '../helpers/store.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const WRITER_CHILD = fileURLToPath(new URL('../helpers/sqlite-writer-child.ts', import.meta.url));

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orca-sqlite-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function open(t: TestContext, path: string, watchBufferEvents?: number): Promise<SqliteStore> {
  const store = await SqliteStore.open({ path, logger: silentLogger, watchBufferEvents });
  t.after(() => store.close());
  return store;
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

describe('SQLite store', { timeout: 120_000 }, () => {
  it('keeps every acknowledged write across kill -9', async (t) => {
    const path = join(await tempDir(t), 'orca.db');
    const child = spawn(NODE, [WRITER_CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const acknowledged = new Map<string, number>();
    for await (const line of createInterface({ input: child.stdout })) {
      const [key, revision] = line.split(' ');
      acknowledged.set(key, Number(revision));
      // Killed mid-stream: writes are still being queued and committed.
      if (acknowledged.size === 3000) child.kill('SIGKILL');
    }
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');

    const store = await open(t, path);
    for (const [key, revision] of acknowledged) {
      const stored = await store.get(key);
      assert.ok(stored, `${key} was acknowledged but is gone`);
      assert.equal(stored.modRevision, revision);
      assert.equal(str(stored.value), key);
    }
    const newest = Math.max(...acknowledged.values());
    assert.ok((await store.currentRevision()) >= newest);
    assert.ok((await store.create('/durable/after-crash', text('x'))).modRevision > newest);
  });

  it('shows a write to readers only once it is acknowledged', async (t) => {
    const store = await open(t, join(await tempDir(t), 'orca.db'));
    const before = await store.currentRevision();
    const abort = new AbortController();
    t.after(() => abort.abort());
    const events = store.watch('/ack/', before, abort.signal)[Symbol.asyncIterator]();
    // The lane commits at once and acknowledges after its fsync: until then
    // the row is in the file but no read may return it.
    const creating = store.create('/ack/a', text('a'));
    assert.equal(await store.get('/ack/a'), undefined);
    assert.deepEqual((await store.list('/ack/')).items, []);
    assert.equal(await store.count('/ack/'), 0);
    assert.equal(await store.currentRevision(), before);
    const created = await creating;
    assert.deepEqual(await store.get('/ack/a'), created);
    assert.equal((await store.list('/ack/')).revision, created.modRevision);
    assert.equal(((await events.next()).value as WatchEvent).revision, created.modRevision);
  });

  it('keeps the file bounded under churn when compacted, and shrinks it after deletes', async (t) => {
    const path = join(await tempDir(t), 'orca.db');
    const store = await open(t, path);
    const keys = Array.from({ length: 64 }, (_, i) => `/churn/${i}`);
    const value = new Uint8Array(4096).fill(7);
    const revisions = new Map<string, number>();
    for (const key of keys) revisions.set(key, (await store.create(key, value)).modRevision);
    const sizes: number[] = [];
    const rounds = 60;
    for (let round = 1; round <= rounds; round++) {
      await Promise.all(
        keys.map(async (key) => {
          revisions.set(key, (await store.update(key, value, revisions.get(key)!)).modRevision);
        }),
      );
      if (round % 5 === 0) {
        await store.compact(await store.currentRevision());
        sizes.push(fileSize(path));
      }
    }
    const written = rounds * keys.length * value.length;
    const settled = sizes[1];
    assert.ok(Math.max(...sizes.slice(2)) <= 2 * settled, `file grew under churn: ${sizes.join(', ')} bytes`);
    assert.ok(fileSize(path) + fileSize(`${path}-wal`) < written / 3, 'history was not removed');

    const peak = fileSize(path);
    for (const key of keys) await store.delete(key);
    await store.compact(await store.currentRevision());
    assert.ok(fileSize(path) < peak / 2, `file not shrunk after deletes: ${peak} -> ${fileSize(path)}`);
  });

  it('holds compaction back while a watch is still reading that history', async (t) => {
    const store = await open(t, join(await tempDir(t), 'orca.db'));
    let last = await store.create('/pin/a', text('0'));
    const from = last.modRevision;
    for (let i = 1; i <= 1500; i++) last = await store.update('/pin/a', text(String(i)), last.modRevision);
    const abort = new AbortController();
    t.after(() => abort.abort());
    const events = store.watch('/pin/', from, abort.signal)[Symbol.asyncIterator]();
    const seen: WatchEvent[] = [];
    for (let i = 0; i < 10; i++) seen.push((await events.next()).value as WatchEvent);

    await store.compact(last.modRevision);
    assert.ok((await store.compactedRevision()) <= seen.at(-1)!.revision, 'compaction passed the watch');
    while (seen.at(-1)!.revision < last.modRevision) seen.push((await events.next()).value as WatchEvent);
    assert.deepEqual(
      seen.map((e) => e.revision),
      Array.from({ length: 1500 }, (_, i) => from + 1 + i),
    );
    abort.abort();
    await events.return?.();
    await store.compact(last.modRevision);
    assert.equal(await store.compactedRevision(), last.modRevision);
  });

  it('ends a watch that falls too far behind, after the events it buffered', async (t) => {
    const store = await open(t, join(await tempDir(t), 'orca.db'), 100);
    const from = await store.currentRevision();
    const abort = new AbortController();
    t.after(() => abort.abort());
    const events = store.watch('/slow/', from, abort.signal)[Symbol.asyncIterator]();
    const firstWrite = store.create('/slow/0', text('0'));
    const first = (await events.next()).value as WatchEvent;
    assert.equal(first.revision, (await firstWrite).modRevision);
    // Nobody reads now; the writers must still finish.
    await Promise.all(Array.from({ length: 300 }, (_, i) => store.create(`/slow/${i + 1}`, text('x'))));
    const revisions = [first.revision];
    await assert.rejects(async () => {
      for (;;) {
        const next = await events.next();
        if (next.done) return;
        revisions.push(next.value.revision);
      }
    }, storeError('Unavailable'));
    assert.ok(revisions.length > 100);
    assert.deepEqual(
      revisions,
      Array.from({ length: revisions.length }, (_, i) => from + 1 + i),
    );
  });

  it('never reuses a revision after its newest rows were compacted away', async (t) => {
    const path = join(await tempDir(t), 'orca.db');
    const first = await SqliteStore.open({ path, logger: silentLogger });
    await first.create('/gone', text('x'));
    await first.delete('/gone');
    const deletedAt = await first.currentRevision();
    await first.compact(deletedAt);
    await first.close();
    await assert.rejects(first.get('/gone'), storeError('Unavailable'));

    const reopened = await open(t, path);
    assert.equal(await reopened.currentRevision(), deletedAt);
    assert.equal(await reopened.compactedRevision(), deletedAt);
    assert.equal((await reopened.create('/again', text('y'))).modRevision, deletedAt + 1);
  });

  it('is what openStore returns for sqlite:// endpoints', async (t) => {
    const dir = await tempDir(t);
    const byDefault = await openStore('sqlite://', { dataDir: dir, logger: silentLogger });
    t.after(() => byDefault.close());
    assert.ok(byDefault instanceof SqliteStore);
    assert.ok(existsSync(join(dir, 'orca.db')));
    const relative = await openStore('sqlite://sub/other.db', { dataDir: dir, logger: silentLogger });
    t.after(() => relative.close());
    assert.ok(existsSync(join(dir, 'sub', 'other.db')));
    await assert.rejects(
      openStore('mysql://db', { dataDir: dir, logger: silentLogger }),
      /unsupported store/,
    );
  });
});
