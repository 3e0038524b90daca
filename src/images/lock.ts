// A lock file shared by every process using one image store (the agent and any
// number of `orca images` commands). It guards index.json, leases/ and
// deletion; downloads and unpacks run outside it. The file is created
// atomically with its owner inside (link of a finished temp file), and a lock
// whose owner has died is broken, so a crash never wedges the store.

import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreLayout } from './layout.ts';
import { currentOwner, ownerAlive, ownerTag, type ProcessOwner } from './owner.ts';

async function readOwner(file: string): Promise<ProcessOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as ProcessOwner;
    return typeof parsed.pid === 'number' && typeof parsed.start === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function tryAcquire(layout: StoreLayout, owner: ProcessOwner, token: string): Promise<boolean> {
  const temp = join(layout.tmp, `${ownerTag(owner)}-lock-${token}`);
  await writeFile(temp, JSON.stringify({ ...owner, token }));
  try {
    await link(temp, layout.lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

async function breakIfStale(layout: StoreLayout, token: string): Promise<void> {
  const holder = await readOwner(layout.lock);
  if (holder === undefined || (await ownerAlive(holder))) return;
  // Move it aside first, so two processes breaking the same stale lock at
  // once cannot remove a fresh lock taken in between.
  const aside = join(layout.tmp, `stale-lock-${token}`);
  try {
    await rename(layout.lock, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved && (await ownerAlive(moved))) await link(aside, layout.lock).catch(() => {});
  await rm(aside, { force: true });
}

interface Turn {
  fn: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
}

/**
 * One process's callers of a store's lock, served in batches: whoever asks
 * while the lock is being taken or held waits for the next hold, and one hold
 * then runs all of them in order. Without it they would all poll the lock
 * file with growing sleeps; served one hold each, a hundred containers
 * starting at once would wait on a hundred rounds of lock-file writes.
 */
export class LocalTurns {
  readonly #hold: (work: () => Promise<void>) => Promise<void>;
  #waiting: Turn[] = [];
  #serving = false;

  /** hold: takes the lock, runs the work it is given, releases the lock. */
  constructor(hold: (work: () => Promise<void>) => Promise<void>) {
    this.#hold = hold;
  }

  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ fn, resolve: resolve as (value: unknown) => void, reject, signal });
      if (!this.#serving) void this.#serve();
    });
  }

  async #serve(): Promise<void> {
    this.#serving = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0);
        const work = async () => {
          for (const turn of batch) {
            try {
              turn.signal?.throwIfAborted();
              turn.resolve(await turn.fn());
            } catch (err) {
              turn.reject(err);
            }
          }
        };
        // A lock that could not be taken fails the whole batch; settled turns ignore the second answer.
        await this.#hold(work).catch((err: unknown) => {
          for (const turn of batch) turn.reject(err);
        });
      }
    } finally {
      this.#serving = false;
    }
  }
}

/** Runs `fn` holding the store lock. Keep `fn` short: other processes wait. */
export function withStoreLock<T>(
  layout: StoreLayout,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return layout.lockTurns.run(fn, signal);
}

/** Takes the lock file (waiting for other processes), runs fn, releases it. */
export async function holdingLockFile(layout: StoreLayout, fn: () => Promise<void>): Promise<void> {
  const owner = await currentOwner();
  const token = randomBytes(8).toString('hex');
  let delay = 5;
  while (!(await tryAcquire(layout, owner, token))) {
    await breakIfStale(layout, token);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    await fn();
  } finally {
    const holder = (await readOwner(layout.lock)) as (ProcessOwner & { token?: string }) | undefined;
    if (holder?.token === token) await rm(layout.lock, { force: true });
  }
}
