// Which pods to try next, and when to try again. Keys only: every attempt
// reads the pod afresh from the informer. A pod that fits nowhere waits
// until something changes that might help (a node added or changed, a
// bound pod gone) and is then retried once its backoff has passed; a pod
// that failed for a passing reason (no nodes yet, an API error) is retried
// after its backoff anyway. Nothing waits longer than five minutes without
// another try, as upstream's leftover flush guarantees.
import { setTimeout as sleep } from 'node:timers/promises';
import { done, type Outcome, WorkQueue } from '../client/work-queue.ts';
import { type Clock, systemClock } from '../util/clock.ts';

export interface SchedulingQueueOptions {
  /** Backoff after the first failure; it doubles per failure up to maxBackoffMs (upstream: 1s → 10s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest an unschedulable pod waits for a cluster event before it is tried anyway. */
  maxUnschedulableMs?: number;
  /** How often to look for pods that have waited that long (upstream: 30s). */
  leftoverFlushMs?: number;
  clock?: Clock;
}

interface Failures {
  count: number;
  lastMs: number;
}

export type FailureKind = 'unschedulable' | 'error';

export class SchedulingQueue {
  private readonly work = new WorkQueue();
  private readonly failures = new Map<string, Failures>();
  /** Pods waiting for a cluster event, with the time they started waiting. */
  private readonly waiting = new Map<string, number>();
  private readonly opts: Required<SchedulingQueueOptions>;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.opts = {
      initialBackoffMs: 1000,
      maxBackoffMs: 10_000,
      maxUnschedulableMs: 5 * 60_000,
      leftoverFlushMs: 30_000,
      clock: systemClock,
      ...opts,
    };
  }

  private now(): number {
    return this.opts.clock.now().getTime();
  }

  /** A new pod, or one whose spec changed: try it as soon as a worker is free. */
  add(key: string): void {
    this.waiting.delete(key);
    this.work.add(key);
  }

  /** Whether the pod has failed since it last succeeded (or was forgotten). */
  hasFailed(key: string): boolean {
    return this.failures.has(key);
  }

  backoffMs(failures: number): number {
    return Math.min(this.opts.initialBackoffMs * 2 ** Math.max(0, failures - 1), this.opts.maxBackoffMs);
  }

  /** Records a failed attempt. Unschedulable pods wait for a cluster event; errors retry after backoff. */
  failed(key: string, kind: FailureKind): void {
    const f = { count: (this.failures.get(key)?.count ?? 0) + 1, lastMs: this.now() };
    this.failures.set(key, f);
    // Both kinds wait for events: a node appearing helps a pod that found no nodes too.
    this.waiting.set(key, f.lastMs);
    if (kind === 'error') this.work.addAfter(key, this.backoffMs(f.count));
  }

  /** The pod was bound or is no longer ours: drop its history. */
  forget(key: string): void {
    this.failures.delete(key);
    this.waiting.delete(key);
  }

  /** Something changed that might let waiting pods fit: retry each once its backoff is over. */
  moveAllToActive(): void {
    const now = this.now();
    for (const key of this.waiting.keys()) {
      const f = this.failures.get(key);
      const readyAt = f ? f.lastMs + this.backoffMs(f.count) : now;
      this.work.addAfter(key, readyAt - now);
    }
    this.waiting.clear();
  }

  /** Retries pods that have waited for an event longer than maxUnschedulableMs. */
  flushLeftover(): void {
    const cutoff = this.now() - this.opts.maxUnschedulableMs;
    for (const [key, since] of this.waiting) {
      if (since > cutoff) continue;
      this.waiting.delete(key);
      this.work.add(key);
    }
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Hands keys to `attempt`, at most `workers` at once and never one key twice at once. */
  async run(
    workers: number,
    attempt: (key: string, signal: AbortSignal) => Promise<void>,
    signal: AbortSignal,
    onError: (key: string, err: unknown) => void,
  ): Promise<void> {
    const flusher = this.flushLoop(signal);
    await this.work.run(
      workers,
      async (key, s): Promise<Outcome> => {
        this.waiting.delete(key);
        try {
          await attempt(key, s);
        } catch (err) {
          onError(key, err);
          this.failed(key, 'error');
        }
        return done;
      },
      signal,
    );
    await flusher;
  }

  private async flushLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await sleep(this.opts.leftoverFlushMs, undefined, { signal });
      } catch {
        return; // aborted
      }
      this.flushLeftover();
    }
  }
}
