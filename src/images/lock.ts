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

/**
 * A first-come, first-served queue for one process's callers of a store's
 * lock. Without it they would all poll the lock file with growing sleeps, and
 * with many containers starting at once each waits far longer than the work
 * under the lock takes.
 */
export class LocalTurns {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const before = this.#tail;
    let done!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      done = resolve;
    });
    try {
      await before;
      signal?.throwIfAborted();
      return await fn();
    } finally {
      done();
    }
  }
}

/** Runs `fn` holding the store lock. Keep `fn` short: other processes wait. */
export function withStoreLock<T>(
  layout: StoreLayout,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  return layout.lockTurns.run(() => holdingLockFile(layout, fn, signal), signal);
}

async function holdingLockFile<T>(
  layout: StoreLayout,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const owner = await currentOwner();
  const token = randomBytes(8).toString('hex');
  let delay = 5;
  while (!(await tryAcquire(layout, owner, token))) {
    signal?.throwIfAborted();
    await breakIfStale(layout, token);
    await sleep(delay, undefined, { signal });
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    const holder = (await readOwner(layout.lock)) as (ProcessOwner & { token?: string }) | undefined;
    if (holder?.token === token) await rm(layout.lock, { force: true });
  }
}
