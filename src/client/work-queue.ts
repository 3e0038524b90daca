// A queue of keys for level-triggered workers: a key waits in the queue at
// most once, is never handed to two workers at the same time, and one added
// while it is being processed is handed out again afterwards. Retry policy
// (per-key exponential backoff) lives here, not in the controllers.

export type Outcome =
  | { kind: 'done' }
  | { kind: 'requeueAfter'; ms: number }
  | { kind: 'retry'; cause: unknown };

export const done: Outcome = { kind: 'done' };

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly waiters: (() => void)[] = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(opts: { baseDelayMs?: number; maxDelayMs?: number } = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  get length(): number {
    return this.queue.length;
  }

  private async next(signal: AbortSignal): Promise<string | undefined> {
    while (!signal.aborted) {
      const key = this.queue.shift();
      if (key !== undefined) {
        this.dirty.delete(key);
        this.processing.add(key);
        return key;
      }
      // run() wakes every waiter on abort; no listener per wait.
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return undefined;
  }

  private finish(key: string, outcome: Outcome): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.waiters.shift()?.();
    }
    switch (outcome.kind) {
      case 'done':
        this.failures.delete(key);
        break;
      case 'requeueAfter':
        this.failures.delete(key);
        this.addAfter(key, outcome.ms);
        break;
      case 'retry': {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.addAfter(key, Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs));
        break;
      }
    }
  }

  /** Runs `workers` loops handing keys to `reconcile` until `signal` aborts. */
  async run(
    workers: number,
    reconcile: (key: string, signal: AbortSignal) => Promise<Outcome>,
    signal: AbortSignal,
    onError?: (key: string, err: unknown) => void,
  ): Promise<void> {
    const loop = async () => {
      for (;;) {
        const key = await this.next(signal);
        if (key === undefined) return;
        let outcome: Outcome;
        try {
          outcome = await reconcile(key, signal);
        } catch (err) {
          onError?.(key, err);
          outcome = { kind: 'retry', cause: err };
        }
        this.finish(key, outcome);
      }
    };
    const wakeAll = () => {
      for (const w of this.waiters.splice(0)) w();
    };
    signal.addEventListener('abort', wakeAll, { once: true });
    await Promise.all(Array.from({ length: workers }, loop));
    signal.removeEventListener('abort', wakeAll);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
