// The image store's lock is taken once for everyone who asked while it was busy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalTurns } from '../../src/images/lock.ts';

describe('image store lock turns', () => {
  it('serves callers who arrive while the lock is held in one later hold, in order', async () => {
    const holds: number[] = [];
    const ran: number[] = [];
    const turns = new LocalTurns(async (work) => {
      holds.push(ran.length);
      await new Promise((r) => setTimeout(r, 5));
      await work();
    });
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        turns.run(async () => {
          ran.push(n);
          return n * 10;
        }),
      ),
    );
    assert.deepEqual(results, [10, 20, 30, 40, 50]);
    assert.deepEqual(ran, [1, 2, 3, 4, 5]);
    // The first caller takes the lock alone; the four who waited share the next hold.
    assert.equal(holds.length, 2);
  });

  it('fails only the caller whose work failed, and the whole batch when the lock cannot be taken', async () => {
    const turns = new LocalTurns((work) => work());
    const [a, b] = await Promise.allSettled([
      turns.run(async () => {
        throw new Error('bad work');
      }),
      turns.run(async () => 'fine'),
    ]);
    assert.equal(a.status, 'rejected');
    assert.deepEqual(b, { status: 'fulfilled', value: 'fine' });

    const broken = new LocalTurns(async () => {
      throw new Error('lock file unwritable');
    });
    await assert.rejects(
      broken.run(async () => 'never'),
      /lock file unwritable/,
    );
  });

  it('skips a caller that gave up before its turn', async () => {
    const turns = new LocalTurns((work) => work());
    const gaveUp = new AbortController();
    gaveUp.abort(new Error('no longer wanted'));
    let ran = false;
    await assert.rejects(
      turns.run(async () => {
        ran = true;
      }, gaveUp.signal),
      /no longer wanted/,
    );
    assert.equal(ran, false);
  });
});
