// Everything that changes the log, on the single writer connection. Runs in
// the writer thread; synchronous by design (node:sqlite is), which is why it
// lives off the main thread: an fsync here never stalls request handling.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StoredObject, WatchEvent } from '../types.ts';
import { num, readMeta, rowObject } from './schema.ts';

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

  /** Returns up to `maxPages` free pages to the filesystem; answers how many stay free. */
  vacuumStep(maxPages: number): number {
    this.#db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
    const free = num(this.#freePages.get()!, 'freelist_count');
    // In WAL mode the file only shrinks when a checkpoint copies the last
    // vacuum back; PASSIVE never waits for readers.
    if (free === 0) this.#db.exec('PRAGMA wal_checkpoint(PASSIVE)');
    return free;
  }

  close(): void {
    this.#db.close();
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
