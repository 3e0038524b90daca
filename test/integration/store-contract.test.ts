// The Store contract, run against every implementation: SQLite on a temp
// file and etcd on a throwaway server. Each test works under a prefix of its
// own, so tests sharing one etcd cannot see each other's keys.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCompactor } from '../../src/store/index.ts';
import type { Store, StoredObject, WatchEvent } from '../../src/store/types.ts';
import { silentLogger } from '../../src/util/log.ts';
import {
  drainWatch,
  etcdBackend,
  type StoreBackend,
  sqliteBackend,
  storeError,
  str,
  text,
  watchUntil,
} from '../helpers/store.ts';

for (const backend of [sqliteBackend(), etcdBackend()]) {
  describe(`Store contract on ${backend.name}`, { timeout: 120_000 }, () => {
    before(() => backend.setup());
    after(() => backend.teardown());

    it('creates, reads, updates and deletes with revisions', async (t) => {
      const { store, p } = await openFor(t, backend);
      const created = await store.create(`${p}a`, text('one'));
      assert.equal(created.key, `${p}a`);
      assert.equal(created.createRevision, created.modRevision);
      assert.deepEqual(await store.get(`${p}a`), created);

      const updated = await store.update(`${p}a`, text('two'), created.modRevision);
      assert.ok(updated.modRevision > created.modRevision);
      assert.equal(updated.createRevision, created.createRevision);
      assert.equal(str((await store.get(`${p}a`))!.value), 'two');
      assert.equal(await store.currentRevision(), updated.modRevision);

      const removed = await store.delete(`${p}a`);
      assert.deepEqual(removed, { ...updated, value: text('two') });
      assert.equal(await store.get(`${p}a`), undefined);

      const again = await store.create(`${p}a`, text('three'));
      assert.ok(again.createRevision > updated.modRevision, 'a re-created key starts a new life');
    });

    it('rejects writes with AlreadyExists, Conflict and NotFound', async (t) => {
      const { store, p } = await openFor(t, backend);
      const first = await store.create(`${p}a`, text('v1'));
      await assert.rejects(store.create(`${p}a`, text('x')), storeError('AlreadyExists'));
      const second = await store.update(`${p}a`, text('v2'), first.modRevision);

      const conflict = await store.update(`${p}a`, text('x'), first.modRevision).catch((e: unknown) => e);
      assert.ok(storeError('Conflict')(conflict));
      assert.deepEqual((conflict as { current?: StoredObject }).current, { ...second, value: text('v2') });
      await assert.rejects(store.delete(`${p}a`, first.modRevision), storeError('Conflict'));
      assert.equal(str((await store.get(`${p}a`))!.value), 'v2', 'a rejected delete leaves the key');

      await assert.rejects(store.update(`${p}missing`, text('x'), 0), storeError('NotFound'));
      await assert.rejects(store.update(`${p}missing`, text('x'), first.modRevision), storeError('NotFound'));
      await assert.rejects(store.delete(`${p}missing`), storeError('NotFound'));
      await store.delete(`${p}a`, second.modRevision);
      await assert.rejects(store.update(`${p}a`, text('x'), second.modRevision), storeError('NotFound'));
    });

    it('lists and counts only the prefix, sorted by UTF-8 bytes', async (t) => {
      const { store, p } = await openFor(t, backend);
      // U+FFFF sorts before U+1F600 as UTF-8 but after it as UTF-16.
      const names = ['b', 'a', 'é', '\u{1F600}', '\uFFFF', 'a/nested'];
      for (const name of names) await store.create(`${p}x/${name}`, text(name));
      await store.create(`${p}x`, text('the prefix itself is not under x/'));
      await store.create(`${p}xy/z`, text('a sibling prefix'));

      const listed = await store.list(`${p}x/`);
      assert.deepEqual(
        listed.items.map((o) => o.key.slice(`${p}x/`.length)),
        ['a', 'a/nested', 'b', 'é', '\uFFFF', '\u{1F600}'],
      );
      assert.equal(listed.more, false);
      assert.equal(listed.revision, await store.currentRevision());
      assert.equal(await store.count(`${p}x/`), names.length);

      const paged: string[] = [];
      let startAfter: string | undefined;
      for (;;) {
        const page = await store.list(`${p}x/`, { limit: 1, startAfter });
        paged.push(...page.items.map((o) => o.key));
        if (!page.more) break;
        startAfter = page.items.at(-1)!.key;
      }
      assert.deepEqual(
        paged,
        listed.items.map((o) => o.key),
      );
    });

    it('pages through a list consistently at a past revision', async (t) => {
      const { store, p } = await openFor(t, backend);
      const keys = Array.from({ length: 10 }, (_, i) => `${p}k${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.create(key, text('original'));
      const revision = await store.currentRevision();
      const k0 = (await store.get(keys[0]))!;
      await store.update(keys[0], text('changed'), k0.modRevision);
      await store.delete(keys[1]);
      await store.create(`${p}k05a`, text('new'));

      const seen: StoredObject[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.list(p, { revision, limit: 3, startAfter });
        pages++;
        assert.equal(page.revision, revision);
        seen.push(...page.items);
        if (!page.more) break;
        startAfter = page.items.at(-1)!.key;
      }
      assert.equal(pages, 4);
      assert.deepEqual(
        seen.map((o) => o.key),
        keys,
      );
      assert.ok(seen.every((o) => str(o.value) === 'original' && o.modRevision <= revision));

      const latest = await store.list(p);
      assert.equal(latest.items.length, 10);
      assert.equal(str(latest.items[0].value), 'changed');
    });

    it('fails reads below the compacted revision with Compacted', async (t) => {
      const { store, p } = await openFor(t, backend);
      const first = await store.create(`${p}a`, text('v1'));
      let last = first;
      for (let i = 2; i <= 4; i++) last = await store.update(`${p}a`, text(`v${i}`), last.modRevision);
      const target = await store.currentRevision();
      await store.compact(target);
      assert.ok((await store.compactedRevision()) >= target);

      await assert.rejects(store.list(p, { revision: first.modRevision }), storeError('Compacted'));
      const atTarget = await store.list(p, { revision: target });
      assert.deepEqual(atTarget.items, [{ ...last, value: text('v4') }]);
      assert.equal(str((await store.get(`${p}a`))!.value), 'v4');
      await assert.rejects(drainWatch(store, p, first.modRevision), storeError('Compacted'));
    });

    it('watches every change after a revision, with previous and last values', async (t) => {
      const { store, p } = await openFor(t, backend);
      const before = await store.currentRevision();
      await store.create(`${p}other-prefix`, text('not watched'));
      const a1 = await store.create(`${p}w/a`, text('a1'));
      const a2 = await store.update(`${p}w/a`, text('a2'), a1.modRevision);
      const b1 = await store.create(`${p}w/b`, text('b1'));
      await store.delete(`${p}w/a`);
      const deletedAt = await store.currentRevision();

      const events = await watchUntil(store, `${p}w/`, before, (e) => e.length === 4);
      assert.deepEqual(events, [
        { type: 'put', revision: a1.modRevision, object: { ...a1, value: text('a1') } },
        {
          type: 'put',
          revision: a2.modRevision,
          object: { ...a2, value: text('a2') },
          previous: { ...a1, value: text('a1') },
        },
        { type: 'put', revision: b1.modRevision, object: { ...b1, value: text('b1') } },
        { type: 'delete', revision: deletedAt, object: { ...a2, value: text('a2') } },
      ]);
      const fromMiddle = await watchUntil(store, `${p}w/`, a2.modRevision, (e) => e.length === 2);
      assert.deepEqual(fromMiddle, events.slice(2));
    });

    it('delivers each event exactly once and in order under concurrent writers and compaction', async (t) => {
      const { store, p } = await openFor(t, backend);
      // History for the concurrent compaction to remove.
      let churn = await store.create(`${p}churn`, text('0'));
      for (let i = 1; i <= 200; i++)
        churn = await store.update(`${p}churn`, text(String(i)), churn.modRevision);
      const start = await store.currentRevision();
      const endKey = `${p}~end`;
      const reachedEnd = (events: WatchEvent[]) => events.at(-1)?.object.key === endKey;

      const live = watchUntil(store, p, start, reachedEnd);
      // Watches started while writes are in flight: from the newest revision
      // a writer knows (their catch-up races the commits) and from `start`
      // (a long catch-up while live events pile up).
      const joiners: { from: number; events: Promise<WatchEvent[]> }[] = [];
      const join = (from: number) => joiners.push({ from, events: watchUntil(store, p, from, reachedEnd) });
      const compaction = store.compact(start);
      const puts: number[] = [];
      const deletes: StoredObject[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 25; i++) {
            const key = `${p}w${w}/${i}`;
            const created = await store.create(key, text('c'));
            const updated = await store.update(key, text('u'), created.modRevision);
            puts.push(created.modRevision, updated.modRevision);
            if (i % 2 === 0) deletes.push(await store.delete(key, updated.modRevision));
            if (i % 5 === 2) join(w % 2 === 0 ? updated.modRevision : start);
          }
        }),
      );
      await compaction;
      const end = await store.create(endKey, text('end'));
      const liveEvents = await live;

      const revisions = liveEvents.map((e) => e.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((x, y) => x - y),
        'in revision order',
      );
      assert.equal(new Set(revisions).size, revisions.length, 'no event twice');
      const livePuts = liveEvents.filter((e) => e.type === 'put').map((e) => e.revision);
      assert.deepEqual(
        livePuts,
        [...puts, end.modRevision].sort((x, y) => x - y),
      );
      const liveDeletes = liveEvents.filter((e) => e.type === 'delete').map((e) => e.object);
      const byKey = (x: StoredObject, y: StoredObject) => x.key.localeCompare(y.key);
      assert.deepEqual(liveDeletes.sort(byKey), deletes.sort(byKey));
      for (const joiner of joiners) {
        assert.deepEqual(
          await joiner.events,
          liveEvents.filter((e) => e.revision > joiner.from),
        );
      }
      // The same history replayed entirely from the log.
      assert.deepEqual(await watchUntil(store, p, start, reachedEnd), liveEvents);
    });

    it('fails a watch from a compacted revision with Compacted', async (t) => {
      const { store, p } = await openFor(t, backend);
      const first = await store.create(`${p}a`, text('1'));
      const second = await store.update(`${p}a`, text('2'), first.modRevision);
      await store.update(`${p}a`, text('3'), second.modRevision);
      await store.compact(await store.currentRevision());
      await assert.rejects(drainWatch(store, p, first.modRevision - 1), storeError('Compacted'));
    });

    it('ends a watch when its signal aborts', async (t) => {
      const { store, p } = await openFor(t, backend);
      const abort = new AbortController();
      let sawFirst!: () => void;
      const firstSeen = new Promise<void>((resolve) => {
        sawFirst = resolve;
      });
      const from = await store.currentRevision();
      const reading = (async () => {
        const events: WatchEvent[] = [];
        for await (const event of store.watch(p, from, abort.signal)) {
          events.push(event);
          sawFirst();
        }
        return events;
      })();
      await store.create(`${p}a`, text('1'));
      await firstSeen;
      abort.abort();
      const events = await reading;
      assert.deepEqual(
        events.map((e) => e.object.key),
        [`${p}a`],
      );

      const already = AbortSignal.abort();
      const none: WatchEvent[] = [];
      for await (const event of store.watch(p, 0, already)) none.push(event);
      assert.deepEqual(none, []);
    });

    it('keeps the last N revisions with the periodic compactor', async (t) => {
      const { store, p } = await openFor(t, backend);
      const retainRevisions = 20;
      const stop = new AbortController();
      const compactor = startCompactor(store, { intervalMs: 10, retainRevisions }, stop.signal, silentLogger);
      t.after(() => stop.abort());
      let last = await store.create(`${p}a`, text('0'));
      const before = await store.compactedRevision();
      for (let i = 1; i <= 100; i++) last = await store.update(`${p}a`, text(String(i)), last.modRevision);
      while ((await store.compactedRevision()) <= before) await sleep(10);
      const compacted = await store.compactedRevision();
      assert.ok(compacted <= (await store.currentRevision()) - retainRevisions, `compacted to ${compacted}`);
      stop.abort();
      await compactor;
      assert.equal(str((await store.get(`${p}a`))!.value), '100');
    });
  });
}

async function openFor(t: TestContext, backend: StoreBackend): Promise<{ store: Store; p: string }> {
  const store = await backend.open();
  t.after(() => store.close());
  return { store, p: `/test/${randomUUID()}/` };
}
