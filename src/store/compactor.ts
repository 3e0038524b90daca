// Periodic history compaction, for either store.
//
// Each round compacts to the revision that was current one round earlier,
// but always keeps at least `retainRevisions` revisions. So a watcher that
// lost its connection can resume from any revision it saw in the last
// interval (kube-apiserver compacts etcd every 5 minutes the same way), and a
// quiet cluster still keeps a short tail of history (as kine keeps 1000).

import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../util/log.ts';
import type { Store } from './types.ts';

export interface CompactorOptions {
  /** Time between rounds. Default 5 minutes, as kube-apiserver's --etcd-compaction-interval. */
  intervalMs?: number;
  /** Revisions always kept behind the current one. Default 1000. */
  retainRevisions?: number;
}

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;
export const DEFAULT_RETAIN_REVISIONS = 1000;

export type CompactableStore = Pick<Store, 'currentRevision' | 'compactedRevision' | 'compact'>;

/**
 * Runs until `signal` aborts; the returned promise settles then (it never
 * rejects: a failed round is logged and the next round tries again).
 */
export async function startCompactor(
  store: CompactableStore,
  options: CompactorOptions,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const intervalMs = options.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
  const retain = options.retainRevisions ?? DEFAULT_RETAIN_REVISIONS;
  let seenLastRound: number | undefined;
  while (!signal.aborted) {
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return; // aborted
    }
    try {
      const current = await store.currentRevision();
      if (seenLastRound !== undefined) {
        const target = Math.min(seenLastRound, current - retain);
        if (target > (await store.compactedRevision())) {
          const started = performance.now();
          await store.compact(target);
          logger.info('compacted history', { revision: target, ms: Math.round(performance.now() - started) });
        }
      }
      seenLastRound = current;
    } catch (err) {
      logger.warn('compaction round failed', { error: err });
    }
  }
}
