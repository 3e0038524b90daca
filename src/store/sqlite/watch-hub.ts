// Fan-out of committed events to the watches of one SQLite store, and the
// pins that keep compaction away from history a watch has yet to read.
// Publishing never waits: each watch has its own bounded EventChannel.

import { EventChannel } from '../event-channel.ts';
import { StoreError, type WatchEvent } from '../types.ts';

export interface Subscription {
  readonly channel: EventChannel<WatchEvent>;
  cancel(): void;
}

interface Subscriber {
  prefix: string;
  channel: EventChannel<WatchEvent>;
}

export class WatchHub {
  readonly #subscribers = new Set<Subscriber>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  subscribe(prefix: string): Subscription {
    const channel = new EventChannel<WatchEvent>(
      this.#capacity,
      () =>
        new StoreError(
          'Unavailable',
          prefix,
          `watch of ${prefix} fell more than ${this.#capacity} events behind; resume from the last revision seen`,
        ),
    );
    const subscriber = { prefix, channel };
    this.#subscribers.add(subscriber);
    return { channel, cancel: () => this.#subscribers.delete(subscriber) };
  }

  publish(events: WatchEvent[]): void {
    for (const subscriber of this.#subscribers) {
      for (const event of events) {
        if (event.object.key.startsWith(subscriber.prefix)) subscriber.channel.push(event);
      }
      if (subscriber.channel.ended) this.#subscribers.delete(subscriber);
    }
  }

  /** Ends every watch with `error` (the store is going away). */
  failAll(error: Error): void {
    for (const subscriber of this.#subscribers) subscriber.channel.fail(error);
    this.#subscribers.clear();
  }
}

export interface Pin {
  /** Everything after this revision is still needed. */
  revision: number;
  release(): void;
}

/** Revisions that compaction must not pass while a watch reads history. */
export class RevisionPins {
  readonly #pins = new Set<Pin>();

  pin(revision: number): Pin {
    const pin: Pin = { revision, release: () => this.#pins.delete(pin) };
    this.#pins.add(pin);
    return pin;
  }

  /** The highest revision compaction may reach without removing pinned history. */
  ceiling(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const pin of this.#pins) lowest = Math.min(lowest, pin.revision);
    return lowest;
  }
}
