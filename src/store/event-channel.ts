// A bounded hand-off between a producer that must never wait (the code that
// commits writes, or an etcd stream) and one consumer that reads at its own
// pace. When the consumer falls more than `capacity` items behind, the channel
// fails instead of dropping: the consumer sees everything buffered so far and
// then the error, so it knows exactly where to resume.

type ChannelState = { kind: 'open' } | { kind: 'failed'; error: Error } | { kind: 'closed' };

export class EventChannel<T> {
  readonly #capacity: number;
  readonly #overflowError: () => Error;
  #pending: T[] = [];
  #state: ChannelState = { kind: 'open' };
  #wake: (() => void) | undefined;

  constructor(capacity: number, overflowError: () => Error) {
    this.#capacity = capacity;
    this.#overflowError = overflowError;
  }

  /** True once the channel failed or closed; pushes are then ignored. */
  get ended(): boolean {
    return this.#state.kind !== 'open';
  }

  push(item: T): void {
    if (this.#state.kind !== 'open') return;
    if (this.#pending.length >= this.#capacity) {
      this.fail(this.#overflowError());
      return;
    }
    this.#pending.push(item);
    this.#signal();
  }

  /** Ends the channel after the items already buffered, with `error`. */
  fail(error: Error): void {
    if (this.#state.kind !== 'open') return;
    this.#state = { kind: 'failed', error };
    this.#signal();
  }

  /** Ends the channel now, discarding what is buffered (the consumer asked to stop). */
  close(): void {
    this.#state = { kind: 'closed' };
    this.#pending = [];
    this.#signal();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.#state.kind === 'closed') return;
      if (this.#pending.length > 0) {
        // Take the whole backlog at once; new pushes start a fresh buffer.
        const batch = this.#pending;
        this.#pending = [];
        for (const item of batch) {
          if (this.#closed()) return;
          yield item;
        }
        continue;
      }
      if (this.#state.kind === 'failed') throw this.#state.error;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  // A method, not an inline check: the state changes while the generator is suspended at a yield.
  #closed(): boolean {
    return this.#state.kind === 'closed';
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
