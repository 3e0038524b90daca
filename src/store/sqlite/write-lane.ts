// The single lane every change to the log goes through: group commit,
// durability and maintenance.
//
// Writes queue up while the previous batch is being synced; the next batch
// takes everything queued (up to MAX_BATCH_OPS), so under load one fsync
// serves many callers, and when idle a lone write goes out at once. A batch
// commits on the main thread without waiting for the disk (a few hundred
// microseconds for a typical batch), then the WAL is fdatasync'd on libuv's
// thread pool; only then do watches see its events and callers their
// answers. Compaction, vacuum and checkpoints run as small steps through the
// same lane, alternating with write batches, so a write waits at most one
// step (the next write's sync makes a maintenance step durable). No second thread with its own JavaScript heap is needed for any of
// this, which is worth about 15 MB of a server's memory.

import type { Logger } from '../../util/log.ts';
import { StoreError, type WatchEvent } from '../types.ts';
import { DurableFiles } from './durable-files.ts';
import { LogWriter, type OpOutcome, type WriteOp } from './log-writer.ts';
import { closeWriterConnection, openWriterConnection } from './schema.ts';

// Bounds the time one commit blocks the main thread.
const MAX_BATCH_OPS = 1000;
// Compaction step sizing: aim for steps of about STEP_TARGET_MS (time the
// main thread is busy with it, serving nothing else) so a write queued
// behind one waits little, adapting to disk speed and row sizes.
const STEP_TARGET_MS = 5;
// After each maintenance step the lane leaves the main thread to requests
// for this many times the step's own duration before the next one: compaction
// takes longer, but writes keep about 90% of their throughput meanwhile.
const MAINTENANCE_REST_FACTOR = 2;
const MIN_STEP_REVISIONS = 50;
const MAX_STEP_REVISIONS = 50_000;
const INITIAL_STEP_REVISIONS = 1_000;
// 128 pages is 512 KiB at SQLite's default 4 KiB page size: each vacuum step
// moves at most that much data (about 5 ms on the development VM).
const VACUUM_PAGES_PER_STEP = 128;
// A checkpoint copies the WAL into the database file once it holds this many
// frames (pages), as SQLite's own automatic checkpoint would.
const CHECKPOINT_FRAMES = 1000;

interface QueuedWrite {
  op: WriteOp;
  resolve(outcome: OpOutcome): void;
  reject(err: Error): void;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

type InFlight =
  | { kind: 'idle' }
  | { kind: 'write'; batch: QueuedWrite[] }
  | { kind: 'compact'; upTo: number }
  | { kind: 'vacuum' }
  | { kind: 'checkpoint' }
  | { kind: 'close' };

type Maintenance =
  | { kind: 'none' }
  | { kind: 'compacting'; goal: number; waiters: Waiter[]; rowsDeleted: number; started: number }
  | { kind: 'vacuuming'; waiters: Waiter[]; rowsDeleted: number; started: number; freePages: number };

type Lifecycle =
  | { kind: 'running' }
  | { kind: 'closing'; closed: Promise<void>; done: () => void }
  | { kind: 'failed'; error: Error };

export interface WriteLaneOptions {
  path: string;
  logger: Logger;
  /** Receives each committed batch's events in revision order, once durable and before any caller hears back. */
  publish(events: WatchEvent[]): void;
  /** The highest revision compaction may reach now (watch backfills in progress hold it back). */
  compactionCeiling(): number;
}

export class WriteLane {
  readonly #writer: LogWriter;
  readonly #files: DurableFiles;
  readonly #options: WriteLaneOptions;
  #revision: number;
  #compacted: number;
  #queue: QueuedWrite[] = [];
  #inFlight: InFlight = { kind: 'idle' };
  #lastWasWrite = false;
  #maintenance: Maintenance = { kind: 'none' };
  #stepRevisions = INITIAL_STEP_REVISIONS;
  /** Frames in the WAL after the last step. */
  #walFrames = 0;
  /** False after a maintenance step, whose frames nobody waits for: the next sync covers them. */
  #logSynced = true;
  #life: Lifecycle = { kind: 'running' };
  #shutdown: Promise<void> | undefined;
  /** No maintenance step starts before this time (performance.now()). */
  #restUntil = 0;
  #restTimer: NodeJS.Timeout | undefined;

  static async start(options: WriteLaneOptions): Promise<WriteLane> {
    const db = openWriterConnection(options.path);
    try {
      return new WriteLane(new LogWriter(db), await DurableFiles.open(options.path), options);
    } catch (err) {
      closeWriterConnection(db);
      throw err;
    }
  }

  private constructor(writer: LogWriter, files: DurableFiles, options: WriteLaneOptions) {
    this.#writer = writer;
    this.#files = files;
    this.#options = options;
    this.#revision = writer.revision;
    this.#compacted = writer.compacted;
    // What a crash left in the WAL counts towards the first checkpoint.
    this.#walFrames = writer.walFrames();
  }

  /** The newest durable revision; its events have been published. Reads must not see past it. */
  get revision(): number {
    return this.#revision;
  }

  /** Oldest revision still readable, counting a compaction step that is committing now. */
  get compactionHorizon(): number {
    return this.#inFlight.kind === 'compact'
      ? Math.max(this.#compacted, this.#inFlight.upTo)
      : this.#compacted;
  }

  get compacted(): number {
    return this.#compacted;
  }

  submit(op: WriteOp): Promise<OpOutcome> {
    if (this.#life.kind !== 'running') return Promise.reject(this.#unavailable(op.key));
    return new Promise<OpOutcome>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      this.#pump();
    });
  }

  /** Compacts up to `target` (as far as open watches allow), then returns freed pages to the filesystem. */
  compact(target: number): Promise<void> {
    if (this.#life.kind !== 'running') return Promise.reject(this.#unavailable(''));
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      const m = this.#maintenance;
      switch (m.kind) {
        case 'none':
          this.#maintenance = {
            kind: 'compacting',
            goal: target,
            waiters: [waiter],
            rowsDeleted: 0,
            started: performance.now(),
          };
          break;
        case 'compacting':
          m.goal = Math.max(m.goal, target);
          m.waiters.push(waiter);
          break;
        case 'vacuuming':
          this.#maintenance = {
            kind: 'compacting',
            goal: target,
            waiters: [...m.waiters, waiter],
            rowsDeleted: m.rowsDeleted,
            started: m.started,
          };
          break;
      }
      this.#pump();
    });
  }

  /** Finishes queued writes, then closes the database (SQLite checkpoints and removes the WAL). */
  close(): Promise<void> {
    switch (this.#life.kind) {
      case 'closing':
        return this.#life.closed;
      case 'failed':
        return this.#shutDown();
      case 'running': {
        this.#settleMaintenance(new StoreError('Unavailable', '', 'store is closing'));
        let done!: () => void;
        const closed = new Promise<void>((resolve) => {
          done = resolve;
        });
        this.#life = { kind: 'closing', closed, done };
        this.#pump();
        return closed;
      }
    }
  }

  #pump(): void {
    if (this.#inFlight.kind !== 'idle' || this.#life.kind === 'failed') return;
    if (this.#walFrames >= CHECKPOINT_FRAMES) {
      this.#run({ kind: 'checkpoint' }, () => this.#checkpoint());
      return;
    }
    const maintenance = this.#nextMaintenance();
    if (this.#queue.length > 0 && (!this.#lastWasWrite || maintenance === undefined)) {
      const batch = this.#queue.splice(0, MAX_BATCH_OPS);
      this.#run({ kind: 'write', batch }, () => this.#write(batch));
    } else if (maintenance) {
      this.#run(maintenance.inFlight, maintenance.step);
    } else if (this.#life.kind === 'closing') {
      const { done } = this.#life;
      this.#run({ kind: 'close' }, async () => {
        await this.#shutDown();
        done();
      });
    }
  }

  /** Runs one step of the lane; the lane is busy until it settles. */
  #run(inFlight: InFlight, step: () => Promise<void>): void {
    this.#inFlight = inFlight;
    this.#lastWasWrite = inFlight.kind === 'write';
    const started = performance.now();
    step().then(
      () => {
        // After closing the lane stays marked busy so nothing more runs.
        if (inFlight.kind === 'close') return;
        this.#inFlight = { kind: 'idle' };
        if (inFlight.kind === 'compact' || inFlight.kind === 'vacuum') {
          const now = performance.now();
          this.#restUntil = now + (now - started) * MAINTENANCE_REST_FACTOR;
        }
        this.#pump();
      },
      (err: Error) => this.#fail(err),
    );
  }

  async #write(batch: QueuedWrite[]): Promise<void> {
    let outcomes: OpOutcome[];
    try {
      outcomes = this.#writer.apply(batch.map((w) => w.op));
    } catch (err) {
      // SQLite failed (disk full, I/O error) and rolled back: this batch fails, the lane goes on.
      const message = (err as Error).message;
      this.#options.logger.error('sqlite write failed', { error: message });
      for (const write of batch)
        write.reject(new StoreError('Unavailable', write.op.key, `sqlite: ${message}`));
      return;
    }
    this.#walFrames = this.#writer.walFrames();
    const revision = this.#writer.revision;
    // A failed sync rejects this step: the lane fails, and with it these writes.
    await this.#files.syncLog();
    this.#logSynced = true;
    this.#revision = revision;
    const events: WatchEvent[] = [];
    for (const outcome of outcomes) if (outcome.kind === 'written') events.push(outcome.event);
    if (events.length > 0) this.#options.publish(events);
    for (const [i, write] of batch.entries()) write.resolve(outcomes[i]);
  }

  #nextMaintenance(): { inFlight: InFlight; step: () => Promise<void> } | undefined {
    const m = this.#maintenance;
    if (m.kind === 'none') return undefined;
    const rest = this.#restUntil - performance.now();
    if (rest > 0) {
      this.#restTimer ??= setTimeout(() => {
        this.#restTimer = undefined;
        this.#pump();
      }, rest);
      return undefined;
    }
    if (m.kind === 'compacting') {
      const limit = Math.min(m.goal, this.#options.compactionCeiling(), this.#revision);
      if (limit > this.#compacted) {
        const upTo = Math.min(limit, this.#compacted + this.#stepRevisions);
        return { inFlight: { kind: 'compact', upTo }, step: () => this.#compactStep(upTo) };
      }
      if (limit < m.goal) {
        this.#options.logger.debug('compaction held back by watches catching up', { goal: m.goal, limit });
      }
      this.#maintenance = { ...m, kind: 'vacuuming', freePages: Number.POSITIVE_INFINITY };
    }
    if (this.#maintenance.kind === 'vacuuming') {
      return { inFlight: { kind: 'vacuum' }, step: () => this.#vacuumStep() };
    }
    return undefined;
  }

  async #compactStep(upTo: number): Promise<void> {
    let step: { compacted: number; rowsDeleted: number };
    const started = performance.now();
    try {
      step = this.#writer.compactStep(upTo);
    } catch (err) {
      this.#maintenanceFailed(err as Error);
      return;
    }
    this.#resizeStep(performance.now() - started);
    this.#walFrames = this.#writer.walFrames();
    // Not synced here: lost in a crash, a compaction step is merely redone.
    this.#logSynced = false;
    this.#compacted = step.compacted;
    if (this.#maintenance.kind === 'compacting') this.#maintenance.rowsDeleted += step.rowsDeleted;
  }

  async #vacuumStep(): Promise<void> {
    let freePages: number;
    try {
      freePages = this.#writer.vacuumStep(VACUUM_PAGES_PER_STEP);
    } catch (err) {
      this.#maintenanceFailed(err as Error);
      return;
    }
    this.#walFrames = this.#writer.walFrames();
    this.#logSynced = false;
    const m = this.#maintenance;
    if (m.kind !== 'vacuuming') return;
    // Stop when nothing is left, or when a step made no headway (writes
    // reusing the pages, or a file created without incremental auto_vacuum).
    if (freePages !== 0 && freePages < m.freePages) {
      m.freePages = freePages;
      return;
    }
    // The file shrinks when the vacuum reaches it: checkpoint before reporting done.
    await this.#checkpoint();
    this.#finishMaintenance();
  }

  /**
   * Copies the WAL into the database file. Only durable frames may be copied
   * (a crash must never leave the file with pages the WAL lost), and the file
   * is synced before the lane frees up (the next write may start the WAL over).
   */
  async #checkpoint(): Promise<void> {
    if (!this.#logSynced) await this.#files.syncLog();
    this.#logSynced = true;
    const { frames, copied } = this.#writer.checkpoint();
    this.#walFrames = 0;
    await this.#files.syncDatabase();
    if (copied < frames) this.#options.logger.debug('checkpoint left frames behind', { frames, copied });
  }

  #resizeStep(elapsedMs: number): void {
    if (elapsedMs > STEP_TARGET_MS) {
      this.#stepRevisions = Math.max(MIN_STEP_REVISIONS, Math.floor(this.#stepRevisions / 2));
    } else if (elapsedMs < STEP_TARGET_MS / 4) {
      this.#stepRevisions = Math.min(MAX_STEP_REVISIONS, this.#stepRevisions * 2);
    }
  }

  #maintenanceFailed(err: Error): void {
    this.#options.logger.error('sqlite maintenance failed', { error: err.message });
    this.#settleMaintenance(new StoreError('Unavailable', '', `sqlite: ${err.message}`));
  }

  #finishMaintenance(): void {
    const m = this.#maintenance;
    if (m.kind === 'none') return;
    this.#options.logger.debug('compaction done', {
      compacted: this.#compacted,
      rowsDeleted: m.rowsDeleted,
      ms: Math.round(performance.now() - m.started),
    });
    this.#maintenance = { kind: 'none' };
    for (const waiter of m.waiters) waiter.resolve();
  }

  #settleMaintenance(error: Error): void {
    const m = this.#maintenance;
    this.#maintenance = { kind: 'none' };
    if (m.kind !== 'none') for (const waiter of m.waiters) waiter.reject(error);
  }

  /** Closes the database and the files, once however often it is called. */
  #shutDown(): Promise<void> {
    clearTimeout(this.#restTimer);
    this.#shutdown ??= (async () => {
      try {
        this.#writer.close();
      } finally {
        await this.#files.close();
      }
    })();
    return this.#shutdown;
  }

  /**
   * A sync failed (or the database could not be closed): whether the last
   * step reached the disk is unknown, so it and everything after fails.
   */
  #fail(cause: Error): void {
    if (this.#life.kind === 'failed') return;
    const closing = this.#life.kind === 'closing' ? this.#life : undefined;
    this.#life = { kind: 'failed', error: cause };
    this.#options.logger.error('sqlite store stopped', { error: cause });
    const inFlight = this.#inFlight;
    this.#inFlight = { kind: 'idle' };
    const pending = inFlight.kind === 'write' ? [...inFlight.batch, ...this.#queue] : this.#queue;
    this.#queue = [];
    for (const write of pending) write.reject(this.#unavailable(write.op.key));
    this.#settleMaintenance(this.#unavailable(''));
    if (closing) {
      this.#shutDown()
        .catch((err: Error) => this.#options.logger.error('closing sqlite failed', { error: err }))
        .finally(closing.done);
    }
  }

  #unavailable(key: string): StoreError {
    const reason = this.#life.kind === 'failed' ? this.#life.error.message : 'store is closed';
    return new StoreError('Unavailable', key, `sqlite store unavailable: ${reason}`);
  }
}
