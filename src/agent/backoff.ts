// Restart back-off per key (a pod's container, or an image pull): the first
// retry is immediate, then 10 s doubling to 5 min, as the kubelet does; an
// entry is forgotten once its key has gone 10 minutes without a failure.
import type { Clock } from '../util/clock.ts';

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Failures further apart than this start over from the initial delay. */
  resetAfterMs?: number;
}

interface Entry {
  delayMs: number;
  /** No retry before this time. */
  until: number;
  lastFailure: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly initial: number;
  private readonly max: number;
  private readonly reset: number;
  private readonly clock: Clock;

  constructor(clock: Clock, o: BackoffOptions = {}) {
    this.clock = clock;
    this.initial = o.initialMs ?? 10_000;
    this.max = o.maxMs ?? 300_000;
    this.reset = o.resetAfterMs ?? 600_000;
  }

  /** Milliseconds until `key` may be retried (0 = now). */
  remaining(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.until - this.clock.now().getTime());
  }

  /** The current delay of `key` (for messages such as "back-off 20s restarting …"). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? this.initial;
  }

  /** Records a retry of `key` that happens now; the next one must wait. `failedAt` is when it last failed. */
  next(key: string, failedAt?: Date): void {
    const now = this.clock.now().getTime();
    const at = failedAt?.getTime() ?? now;
    const e = this.entries.get(key);
    if (!e || at - e.lastFailure > this.reset) {
      this.entries.set(key, { delayMs: this.initial, until: at + this.initial, lastFailure: at });
      return;
    }
    const delayMs = Math.min(e.delayMs * 2, this.max);
    this.entries.set(key, { delayMs, until: at + delayMs, lastFailure: at });
  }

  /** Whether `key` has a back-off running (it failed and was retried recently). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
