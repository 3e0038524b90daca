// When pods are tried again: backoff doubling to a cap, unschedulable pods
// waiting for a cluster event (or at most maxUnschedulableMs), errors retried
// on their own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulingQueue } from '../../src/scheduler/scheduling-queue.ts';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

/** Runs the queue until `until` says stop; returns every key attempted, in order. */
async function drive(
  q: SchedulingQueue,
  onAttempt: (key: string, n: number) => void,
  until: (attempts: string[]) => boolean,
): Promise<string[]> {
  const attempts: string[] = [];
  const ac = new AbortController();
  let settle!: () => void;
  const finished = new Promise<void>((r) => (settle = r));
  const running = q.run(
    2,
    async (key) => {
      attempts.push(key);
      onAttempt(key, attempts.filter((k) => k === key).length);
      if (until(attempts)) settle();
    },
    ac.signal,
    () => {},
  );
  await finished;
  ac.abort();
  await running;
  return attempts;
}

describe('scheduling queue', () => {
  it('backs off 1s, 2s, 4s … up to 10s by default', () => {
    const q = new SchedulingQueue();
    assert.deepEqual(
      [1, 2, 3, 4, 5, 9].map((n) => q.backoffMs(n)),
      [1000, 2000, 4000, 8000, 10_000, 10_000],
    );
  });

  it('keeps an unschedulable pod waiting until a cluster event, then tries it again', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 1, maxBackoffMs: 1 });
    q.add('default/p');
    const attempts = await drive(
      q,
      (key, n) => {
        if (n === 1) {
          q.failed(key, 'unschedulable');
          assert.equal(q.waitingCount, 1);
          assert.ok(q.hasFailed(key));
          q.moveAllToActive(); // e.g. a node was added
          assert.equal(q.waitingCount, 0);
        }
      },
      (a) => a.length === 2,
    );
    assert.deepEqual(attempts, ['default/p', 'default/p']);
  });

  it('retries a pod that failed with an error without waiting for an event', async () => {
    const q = new SchedulingQueue({ initialBackoffMs: 1, maxBackoffMs: 2 });
    q.add('default/e');
    const attempts = await drive(
      q,
      (key, n) => {
        if (n < 3) q.failed(key, 'error');
        else q.forget(key);
      },
      (a) => a.length === 3,
    );
    assert.deepEqual(attempts, ['default/e', 'default/e', 'default/e']);
    assert.equal(q.hasFailed('default/e'), false);
  });

  it('tries pods that waited longer than maxUnschedulableMs on the leftover flush', () => {
    const clock = fakeClock();
    const q = new SchedulingQueue({ clock, maxUnschedulableMs: 300_000 });
    q.failed('default/old', 'unschedulable');
    clock.advance(200_000);
    q.failed('default/new', 'unschedulable');
    q.flushLeftover();
    assert.equal(q.waitingCount, 2);
    clock.advance(100_001);
    q.flushLeftover();
    assert.equal(q.waitingCount, 1, 'only the pod that waited five minutes is released');
  });

  it('forgets a pod that was bound or deleted', () => {
    const q = new SchedulingQueue();
    q.failed('default/p', 'unschedulable');
    q.forget('default/p');
    assert.equal(q.hasFailed('default/p'), false);
    assert.equal(q.waitingCount, 0);
  });
});
