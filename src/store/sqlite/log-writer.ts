// Everything that changes the log, on the single writer connection.
// Synchronous (node:sqlite is) but never waits for the disk: the connection
// runs with synchronous=OFF and the write lane makes each transaction durable
// with an asynchronous fsync before it is acknowledged (see schema.ts).

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StoredObject, WatchEvent } from '../types.ts';
import { closeWriterConnection, num, readMeta, rowObject } from './schema.ts';

export type WriteOp =
  | { kind: 'create'; key: string; value: Uint8Array }
  | { kind: 'update'; key: string; value: Uint8Array; ifRevision: number }
  | { kind: 'delete'; key: string; ifRevision?: number };

export type OpOutcome =
  | { kind: 'written'; event: WatchEvent }
  | { kind: 'rejected'; code: 'NotFound' | 'AlreadyExists' | 'Conflict'; current?: StoredObject };

export interface CompactStep {
  compacted: number;
  rowsDeleted: number;
}

export interface Checkpoint {
  /** Frames in the WAL, and how many of them are now in the database file. */
  frames: number;
  copied: number;
}

export class LogWriter {
  readonly #db: DatabaseSync;
  #revision: number;
  #compacted: number;
  readonly #latest: StatementSync;
  readonly #append: StatementSync;
  readonly #setMeta: StatementSync;
  readonly #deleteSuperseded: StatementSync;
  readonly #deleteTombstones: StatementSync;
  readonly #freePages: StatementSync;
  readonly #checkpoint: StatementSync;
  readonly #walFrames: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#revision = readMeta(db, 'revision');
    this.#compacted = readMeta(db, 'compacted');
    this.#latest = db.prepare(
      'SELECT id, name, deleted, create_revision, prev_revision, value FROM log WHERE name = ? ORDER BY id DESC LIMIT 1',
    );
    this.#append = db.prepare(
      'INSERT INTO log (id, name, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#setMeta = db.prepare('UPDATE meta SET value = ? WHERE name = ?');
    // Rows made dead by a newer row inside the window; the IN list is built
    // before any row is deleted.
    this.#deleteSuperseded = db.prepare(
      'DELETE FROM log WHERE id IN (SELECT prev_revision FROM log WHERE id > ? AND id <= ? AND prev_revision > 0)',
    );
    this.#deleteTombstones = db.prepare('DELETE FROM log WHERE id > ? AND id <= ? AND deleted = 1');
    this.#freePages = db.prepare('PRAGMA freelist_count');
    this.#checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
    // An older SQLite would take NOOP for PASSIVE and copy frames into the
    // database file that nobody syncs before the WAL starts over.
    const version = String(db.prepare('SELECT sqlite_version() AS v').get()!.v);
    const [major, minor] = version.split('.').map(Number);
    if (major < 3 || (major === 3 && minor < 51)) {
      throw new Error(`SQLite ${version} lacks wal_checkpoint(NOOP); orca needs 3.51 or newer`);
    }
    this.#walFrames = db.prepare('PRAGMA wal_checkpoint(NOOP)');
  }

  get revision(): number {
    return this.#revision;
  }

  get compacted(): number {
    return this.#compacted;
  }

  /**
   * Applies `ops` in order in one transaction (one fsync for all of them).
   * Each op is checked against the state its predecessors left. Throws, with
   * nothing written, only when SQLite itself fails (disk full, I/O error).
   */
  apply(ops: WriteOp[]): OpOutcome[] {
    const before = this.#revision;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const outcomes = ops.map((op) => this.#applyOne(op));
      if (this.#revision !== before) this.#setMeta.run(this.#revision, 'revision');
      this.#db.exec('COMMIT');
      return outcomes;
    } catch (err) {
      this.#revision = before;
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Moves the compacted revision up to `upTo` (callers keep each step small so
   * writers wait little). A row at or below the new
   * compacted revision C goes when a row at or below C superseded it, or when
   * it is a tombstone: what remains is exactly the state at C plus all later
   * history, so reads at C and watches from C stay complete.
   */
  compactStep(upTo: number): CompactStep {
    const from = this.#compacted;
    const to = Math.min(upTo, this.#revision);
    if (to <= from) return { compacted: from, rowsDeleted: 0 };
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const superseded = this.#deleteSuperseded.run(from, to).changes;
      const tombstones = this.#deleteTombstones.run(from, to).changes;
      this.#setMeta.run(to, 'compacted');
      this.#db.exec('COMMIT');
      this.#compacted = to;
      return { compacted: to, rowsDeleted: Number(superseded) + Number(tombstones) };
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Releases up to `maxPages` free pages; answers how many stay free. In WAL
   * mode the file only shrinks at the next checkpoint.
   */
  vacuumStep(maxPages: number): number {
    this.#db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
    return num(this.#freePages.get()!, 'freelist_count');
  }

  /**
   * Copies the WAL into the database file without syncing it. Every frame
   * must already be durable, and the database file must be synced before the
   * next write: that write may start the WAL over. Readers on this thread
   * never hold a snapshot across it, so it copies every frame.
   */
  checkpoint(): Checkpoint {
    const row = this.#checkpoint.get()!;
    return { frames: num(row, 'log'), copied: num(row, 'checkpointed') };
  }

  /** Frames in the WAL now (counted without copying any). */
  walFrames(): number {
    return num(this.#walFrames.get()!, 'log');
  }

  close(): void {
    closeWriterConnection(this.#db);
  }

  #applyOne(op: WriteOp): OpOutcome {
    const row = this.#latest.get(op.key);
    const current = row && num(row, 'deleted') === 0 ? rowObject(row) : undefined;
    const revision = this.#revision + 1;
    switch (op.kind) {
      case 'create': {
        if (current) return { kind: 'rejected', code: 'AlreadyExists', current };
        this.#append.run(revision, op.key, 0, revision, 0, op.value);
        this.#revision = revision;
        const object = { key: op.key, value: op.value, createRevision: revision, modRevision: revision };
        return { kind: 'written', event: { type: 'put', revision, object } };
      }
      case 'update': {
        if (!current) return { kind: 'rejected', code: 'NotFound' };
        if (current.modRevision !== op.ifRevision) return { kind: 'rejected', code: 'Conflict', current };
        this.#append.run(revision, op.key, 0, current.createRevision, current.modRevision, op.value);
        this.#revision = revision;
        const object = {
          key: op.key,
          value: op.value,
          createRevision: current.createRevision,
          modRevision: revision,
        };
        return { kind: 'written', event: { type: 'put', revision, object, previous: current } };
      }
      case 'delete': {
        if (!current) return { kind: 'rejected', code: 'NotFound' };
        if (op.ifRevision !== undefined && current.modRevision !== op.ifRevision) {
          return { kind: 'rejected', code: 'Conflict', current };
        }
        this.#append.run(revision, op.key, 1, current.createRevision, current.modRevision, current.value);
        this.#revision = revision;
        return { kind: 'written', event: { type: 'delete', revision, object: current } };
      }
    }
  }
}
