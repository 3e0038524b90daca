// The Store on one SQLite file: writes go through the write lane (group
// commit, durability, maintenance), reads use a read-only connection, and
// watches are fed from the log plus the events the lane publishes as each
// batch becomes durable.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../util/log.ts';
import {
  type ListOptions,
  type ListResult,
  type Store,
  type StoredObject,
  StoreError,
  type WatchEvent,
} from '../types.ts';
import { LogReader } from './log-reader.ts';
import type { OpOutcome, WriteOp } from './log-writer.ts';
import { openReaderConnection } from './schema.ts';
import { RevisionPins, WatchHub } from './watch-hub.ts';
import { WriteLane } from './write-lane.ts';

// How far a watch may fall behind live writes before it is ended (and its
// consumer resumes from its last revision). 10k events of a few KiB each is
// tens of MiB at worst, and several seconds of a busy cluster's writes.
const WATCH_BUFFER_EVENTS = 10_000;
// Rows read per step of a watch's catch-up from the log.
const BACKFILL_PAGE_EVENTS = 500;

export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  path: string;
  logger: Logger;
  /** Events a watch may have buffered before it is ended; default 10,000. */
  watchBufferEvents?: number;
}

type Lifecycle = { kind: 'open' } | { kind: 'closed'; done: Promise<void> };

export class SqliteStore implements Store {
  readonly #writer: WriteLane;
  readonly #reader: LogReader;
  readonly #hub: WatchHub;
  readonly #pins: RevisionPins;
  #life: Lifecycle = { kind: 'open' };

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    mkdirSync(dirname(options.path), { recursive: true });
    const logger = options.logger.child('sqlite');
    const hub = new WatchHub(options.watchBufferEvents ?? WATCH_BUFFER_EVENTS);
    const pins = new RevisionPins();
    const writer = await WriteLane.start({
      path: options.path,
      logger,
      publish: (events) => hub.publish(events),
      compactionCeiling: () => pins.ceiling(),
    });
    try {
      const reader = new LogReader(openReaderConnection(options.path), () => writer.revision);
      logger.info('opened', { path: options.path, revision: writer.revision, compacted: writer.compacted });
      return new SqliteStore(writer, reader, hub, pins);
    } catch (err) {
      await writer.close();
      throw err;
    }
  }

  private constructor(writer: WriteLane, reader: LogReader, hub: WatchHub, pins: RevisionPins) {
    this.#writer = writer;
    this.#reader = reader;
    this.#hub = hub;
    this.#pins = pins;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.#assertOpen(key);
    return this.#reader.get(key);
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.#assertOpen(prefix);
    return this.#reader.list(prefix, options);
  }

  async count(prefix: string): Promise<number> {
    this.#assertOpen(prefix);
    return this.#reader.count(prefix);
  }

  async create(key: string, value: Uint8Array): Promise<StoredObject> {
    return this.#write({ kind: 'create', key, value });
  }

  async update(key: string, value: Uint8Array, ifRevision: number): Promise<StoredObject> {
    return this.#write({ kind: 'update', key, value, ifRevision });
  }

  async delete(key: string, ifRevision?: number): Promise<StoredObject> {
    return this.#write({ kind: 'delete', key, ifRevision });
  }

  watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncIterable<WatchEvent> {
    return this.#watch(prefix, fromRevision, signal);
  }

  async currentRevision(): Promise<number> {
    return this.#writer.revision;
  }

  async compactedRevision(): Promise<number> {
    return this.#writer.compacted;
  }

  async compact(revision: number): Promise<void> {
    this.#assertOpen('');
    await this.#writer.compact(revision);
  }

  close(): Promise<void> {
    if (this.#life.kind === 'closed') return this.#life.done;
    this.#hub.failAll(new StoreError('Unavailable', '', 'store closed'));
    // The reader goes first so the writer is the last connection: on a clean
    // close it checkpoints and removes the WAL.
    this.#reader.close();
    const done = this.#writer.close();
    this.#life = { kind: 'closed', done };
    return done;
  }

  async #write(op: WriteOp): Promise<StoredObject> {
    return resultOf(op, await this.#writer.submit(op));
  }

  /**
   * Subscribes before reading history, so an event committed while the log
   * is read is either in the log pages (up to the revision current at the
   * first page) or in the live buffer (everything after). Duplicates are
   * dropped by revision. While catching up, a pin stops compaction from
   * removing rows the watch has not read yet.
   */
  async *#watch(prefix: string, fromRevision: number, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    if (signal.aborted) return;
    this.#assertOpen(prefix);
    const subscription = this.#hub.subscribe(prefix);
    const pin = this.#pins.pin(fromRevision);
    const stop = () => subscription.channel.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const horizon = this.#writer.compactionHorizon;
      if (fromRevision < horizon) throw compactedError(prefix, fromRevision, horizon);
      let last = fromRevision;
      let upTo: number | undefined;
      for (;;) {
        this.#assertOpen(prefix);
        const page = this.#reader.events(prefix, last, upTo, BACKFILL_PAGE_EVENTS);
        // Cannot happen while the pin holds; checked so a bug shows as an error, not a gap.
        if (page.compacted > last) throw compactedError(prefix, last, page.compacted);
        upTo ??= page.current;
        for (const event of page.events) {
          yield event;
          if (signal.aborted) return;
          last = event.revision;
          pin.revision = last;
        }
        if (page.events.length < BACKFILL_PAGE_EVENTS) break;
      }
      pin.release();
      last = Math.max(last, upTo);
      for await (const event of subscription.channel.drain()) {
        if (event.revision <= last) continue;
        last = event.revision;
        yield event;
      }
    } finally {
      pin.release();
      subscription.cancel();
      signal.removeEventListener('abort', stop);
    }
  }

  #assertOpen(key: string): void {
    if (this.#life.kind === 'closed') throw new StoreError('Unavailable', key, 'store closed');
  }
}

function resultOf(op: WriteOp, outcome: OpOutcome): StoredObject {
  if (outcome.kind === 'written') return outcome.event.object;
  const { code, current } = outcome;
  switch (code) {
    case 'AlreadyExists':
      return fail(code, `${op.key} already exists`);
    case 'NotFound':
      return fail(code, `${op.key} not found`);
    case 'Conflict': {
      const expected = op.kind === 'create' ? 0 : op.ifRevision;
      return fail(code, `${op.key} changed: expected revision ${expected}, found ${current?.modRevision}`);
    }
  }

  function fail(code: 'AlreadyExists' | 'NotFound' | 'Conflict', message: string): never {
    throw new StoreError(code, op.key, message, current);
  }
}

function compactedError(key: string, revision: number, compacted: number): StoreError {
  return new StoreError('Compacted', key, `revision ${revision} has been compacted (oldest is ${compacted})`);
}
