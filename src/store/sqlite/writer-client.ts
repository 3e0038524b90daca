// The main thread's side of the writer thread: group commit and maintenance.
//
// Writes queue up while the writer thread commits the previous batch; the next
// batch takes everything queued (up to MAX_BATCH_OPS), so under load one fsync
// serves many callers, and when idle a lone write goes out at once.
// Compaction and vacuum run as small steps through the same single lane,
// alternating with write batches, so a write waits at most one step.

import { Worker } from 'node:worker_threads';
import type { Logger } from '../../util/log.ts';
import { StoreError, type WatchEvent } from '../types.ts';
import type { OpOutcome, WriteOp } from './log-writer.ts';
import type { WriterReply, WriterRequest, WriterStartup } from './writer-protocol.ts';

// Bounds the time one commit holds the lane, and the size of one message.
const MAX_BATCH_OPS = 1000;
// Compaction step sizing: aim for steps of about STEP_TARGET_MS so a write
// queued behind one waits little, adapting to disk speed and row sizes.
const STEP_TARGET_MS = 10;
const MIN_STEP_REVISIONS = 50;
const MAX_STEP_REVISIONS = 50_000;
const INITIAL_STEP_REVISIONS = 1_000;
// 256 pages is 1 MiB at SQLite's default 4 KiB page size: each vacuum step
// moves at most that much data (about 10-15 ms on the development VM).
const VACUUM_PAGES_PER_STEP = 256;

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
  | { kind: 'close' };

type Maintenance =
  | { kind: 'none' }
  | { kind: 'compacting'; goal: number; waiters: Waiter[]; rowsDeleted: number; started: number }
  | { kind: 'vacuuming'; waiters: Waiter[]; rowsDeleted: number; started: number; freePages: number };

type Lifecycle =
  | { kind: 'running' }
  | { kind: 'closing'; closed: Promise<void> }
  | { kind: 'failed'; error: Error };

export interface WriterClientOptions {
  path: string;
  logger: Logger;
  /** Receives each committed batch's events in revision order, before any caller hears back. */
  publish(events: WatchEvent[]): void;
  /** The highest revision compaction may reach now (watch backfills in progress hold it back). */
  compactionCeiling(): number;
}

export class WriterClient {
  readonly #worker: Worker;
  readonly #options: WriterClientOptions;
  #revision: number;
  #compacted: number;
  #queue: QueuedWrite[] = [];
  #inFlight: InFlight = { kind: 'idle' };
  #lastWasWrite = false;
  #maintenance: Maintenance = { kind: 'none' };
  #stepRevisions = INITIAL_STEP_REVISIONS;
  #life: Lifecycle = { kind: 'running' };
  #exited: Promise<void>;

  static async start(options: WriterClientOptions): Promise<WriterClient> {
    const startup: WriterStartup = { path: options.path };
    const worker = new Worker(
      new URL(import.meta.url.endsWith('.ts') ? './writer-worker.ts' : './writer-worker.js', import.meta.url),
      { workerData: startup },
    );
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const ready = await new Promise<WriterReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      void exited.then(() => reject(new Error('sqlite writer thread exited during startup')));
    });
    if (ready.kind !== 'ready') {
      await worker.terminate();
      throw new Error(`opening ${options.path}: ${ready.kind === 'failed' ? ready.message : ready.kind}`);
    }
    return new WriterClient(worker, exited, options, ready.revision, ready.compacted);
  }

  private constructor(
    worker: Worker,
    exited: Promise<void>,
    options: WriterClientOptions,
    revision: number,
    compacted: number,
  ) {
    this.#worker = worker;
    this.#exited = exited;
    this.#options = options;
    this.#revision = revision;
    this.#compacted = compacted;
    worker.on('message', (reply: WriterReply) => this.#onReply(reply));
    worker.on('error', (err) => this.#fail(err));
    void exited.then(() => this.#fail(new Error('sqlite writer thread exited')));
  }

  /** The newest committed revision whose events have been published. */
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

  /** Finishes queued writes, then closes the database. */
  close(): Promise<void> {
    switch (this.#life.kind) {
      case 'closing':
        return this.#life.closed;
      case 'failed':
        return this.#worker.terminate().then(() => undefined);
      case 'running': {
        this.#settleMaintenance(new StoreError('Unavailable', '', 'store is closing'));
        const closed = this.#exited;
        this.#life = { kind: 'closing', closed };
        this.#pump();
        return closed;
      }
    }
  }

  #pump(): void {
    if (this.#inFlight.kind !== 'idle' || this.#life.kind === 'failed') return;
    const maintenance = this.#nextMaintenance();
    if (this.#queue.length > 0 && (!this.#lastWasWrite || maintenance === undefined)) {
      const batch = this.#queue.splice(0, MAX_BATCH_OPS);
      this.#send({ kind: 'write', batch }, { kind: 'write', ops: batch.map((w) => w.op) });
    } else if (maintenance) {
      this.#send(maintenance.inFlight, maintenance.request);
    } else if (this.#life.kind === 'closing') {
      this.#send({ kind: 'close' }, { kind: 'close' });
    }
  }

  #nextMaintenance(): { inFlight: InFlight; request: WriterRequest } | undefined {
    const m = this.#maintenance;
    if (m.kind === 'compacting') {
      const limit = Math.min(m.goal, this.#options.compactionCeiling(), this.#revision);
      if (limit > this.#compacted) {
        const upTo = Math.min(limit, this.#compacted + this.#stepRevisions);
        return { inFlight: { kind: 'compact', upTo }, request: { kind: 'compact', upTo } };
      }
      if (limit < m.goal) {
        this.#options.logger.debug('compaction held back by watches catching up', { goal: m.goal, limit });
      }
      this.#maintenance = { ...m, kind: 'vacuuming', freePages: Number.POSITIVE_INFINITY };
    }
    if (this.#maintenance.kind === 'vacuuming') {
      return { inFlight: { kind: 'vacuum' }, request: { kind: 'vacuum', maxPages: VACUUM_PAGES_PER_STEP } };
    }
    return undefined;
  }

  #send(inFlight: InFlight, request: WriterRequest): void {
    this.#inFlight = inFlight;
    this.#lastWasWrite = inFlight.kind === 'write';
    this.#worker.postMessage(request);
  }

  #onReply(reply: WriterReply): void {
    // After 'closed' the lane stays marked busy so nothing more is sent.
    if (reply.kind === 'closed') return;
    const inFlight = this.#inFlight;
    this.#inFlight = { kind: 'idle' };
    if (reply.kind === 'failed') {
      this.#onFailedReply(inFlight, reply.message);
    } else if (reply.kind === 'written' && inFlight.kind === 'write') {
      this.#onWritten(inFlight.batch, reply.outcomes, reply.revision);
    } else if (reply.kind === 'compacted') {
      this.#compacted = reply.compacted;
      this.#resizeStep(reply.elapsedMs);
      if (this.#maintenance.kind === 'compacting') this.#maintenance.rowsDeleted += reply.rowsDeleted;
    } else if (reply.kind === 'vacuumed' && this.#maintenance.kind === 'vacuuming') {
      // Stop when nothing is left, or when a step made no headway (writes
      // reusing the pages, or a file created without incremental auto_vacuum).
      if (reply.freePages === 0 || reply.freePages >= this.#maintenance.freePages) this.#finishMaintenance();
      else this.#maintenance.freePages = reply.freePages;
    }
    this.#pump();
  }

  #onWritten(batch: QueuedWrite[], outcomes: OpOutcome[], revision: number): void {
    this.#revision = revision;
    const events: WatchEvent[] = [];
    for (const outcome of outcomes) if (outcome.kind === 'written') events.push(outcome.event);
    if (events.length > 0) this.#options.publish(events);
    for (const [i, write] of batch.entries()) write.resolve(outcomes[i]);
  }

  #onFailedReply(inFlight: InFlight, message: string): void {
    this.#options.logger.error('sqlite write failed', { job: inFlight.kind, error: message });
    if (inFlight.kind === 'write') {
      for (const write of inFlight.batch) {
        write.reject(new StoreError('Unavailable', write.op.key, `sqlite: ${message}`));
      }
    } else {
      this.#settleMaintenance(new StoreError('Unavailable', '', `sqlite: ${message}`));
    }
  }

  #resizeStep(elapsedMs: number): void {
    if (elapsedMs > STEP_TARGET_MS) {
      this.#stepRevisions = Math.max(MIN_STEP_REVISIONS, Math.floor(this.#stepRevisions / 2));
    } else if (elapsedMs < STEP_TARGET_MS / 4) {
      this.#stepRevisions = Math.min(MAX_STEP_REVISIONS, this.#stepRevisions * 2);
    }
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

  /** The writer thread is gone: everything outstanding fails, and so does everything after. */
  #fail(cause: Error): void {
    if (this.#life.kind === 'failed') return;
    const expected = this.#life.kind === 'closing';
    this.#life = { kind: 'failed', error: cause };
    if (!expected) this.#options.logger.error('sqlite writer stopped', { error: cause });
    const inFlight = this.#inFlight;
    this.#inFlight = { kind: 'idle' };
    const pending = inFlight.kind === 'write' ? [...inFlight.batch, ...this.#queue] : this.#queue;
    this.#queue = [];
    for (const write of pending) write.reject(this.#unavailable(write.op.key));
    this.#settleMaintenance(this.#unavailable(''));
  }

  #unavailable(key: string): StoreError {
    const reason = this.#life.kind === 'failed' ? this.#life.error.message : 'store is closed';
    return new StoreError('Unavailable', key, `sqlite store unavailable: ${reason}`);
  }
}
