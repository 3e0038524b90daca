// Reads on the read-only connection. Each read that needs the revision and
// the rows to agree runs in one read transaction, which in WAL mode is a
// snapshot: a compaction or write committing meanwhile is either wholly
// visible or not at all. Reads never go past the durable revision: a batch
// is visible to this connection from its commit, but only durable (and
// acknowledged) once the write lane's fsync returns.

import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type KeyRange, keyRange } from '../key-range.ts';
import {
  type ListOptions,
  type ListResult,
  type StoredObject,
  StoreError,
  type WatchEvent,
} from '../types.ts';
import { num, rowEvent, rowObject } from './schema.ts';

export interface Revisions {
  current: number;
  compacted: number;
}

export interface EventPage extends Revisions {
  events: WatchEvent[];
}

type Params = Record<string, SQLInputValue>;

// The newest row of each key at :rev, skipping keys whose newest row there is
// a tombstone. Walks the name index in key order, so LIMIT stops early.
const LIVE_AT_REVISION = `l.id <= :rev AND l.deleted = 0
  AND NOT EXISTS (SELECT 1 FROM log n WHERE n.name = l.name AND n.id > l.id AND n.id <= :rev)`;

function rangeSql(range: KeyRange): string {
  const lower = range.fromInclusive ? 'l.name >= :from' : 'l.name > :from';
  return range.to === undefined ? lower : `${lower} AND l.name < :to`;
}

function rangeParams(range: KeyRange): Params {
  return range.to === undefined ? { from: range.from } : { from: range.from, to: range.to };
}

export class LogReader {
  readonly #db: DatabaseSync;
  readonly #durable: () => number;
  readonly #statements = new Map<string, StatementSync>();
  readonly #compacted: StatementSync;
  readonly #latest: StatementSync;

  /** `durable` answers the newest revision whose writes are on disk. */
  constructor(db: DatabaseSync, durable: () => number) {
    this.#db = db;
    this.#durable = durable;
    this.#compacted = db.prepare("SELECT value FROM meta WHERE name = 'compacted'");
    this.#latest = db.prepare(
      'SELECT id, name, deleted, create_revision, prev_revision, value FROM log WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1',
    );
  }

  get(key: string): StoredObject | undefined {
    const row = this.#latest.get(key, this.#durable());
    return row && num(row, 'deleted') === 0 ? rowObject(row) : undefined;
  }

  list(prefix: string, options: ListOptions = {}): ListResult {
    const range = keyRange(prefix, options.startAfter);
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    return this.#snapshot(() => {
      const revision = this.#readableRevision(prefix, options.revision);
      const sql = `SELECT l.id, l.name, l.deleted, l.create_revision, l.prev_revision, l.value FROM log l
        WHERE ${rangeSql(range)} AND ${LIVE_AT_REVISION} ORDER BY l.name LIMIT :limit`;
      // One row past the limit tells whether more keys follow.
      const rows = this.#statement(sql).all({
        ...rangeParams(range),
        rev: revision,
        limit: limit ? limit + 1 : -1,
      });
      const more = limit > 0 && rows.length > limit;
      const items = (more ? rows.slice(0, limit) : rows).map(rowObject);
      return { items, revision, more };
    });
  }

  count(prefix: string): number {
    const range = keyRange(prefix);
    return this.#snapshot(() => {
      const { current } = this.#revisions();
      const sql = `SELECT count(*) AS n FROM log l WHERE ${rangeSql(range)} AND ${LIVE_AT_REVISION}`;
      return num(this.#statement(sql).get({ ...rangeParams(range), rev: current })!, 'n');
    });
  }

  /**
   * Events under `prefix` with after < revision <= upTo (upTo undefined = the
   * current revision), oldest first, at most `limit`; with the revisions of
   * the same snapshot so the caller can tell whether history was complete.
   */
  events(prefix: string, after: number, upTo: number | undefined, limit: number): EventPage {
    const range = keyRange(prefix);
    return this.#snapshot(() => {
      const revisions = this.#revisions();
      const sql = `SELECT l.id, l.name, l.deleted, l.create_revision, l.prev_revision, l.value,
          p.id AS p_id, p.create_revision AS p_create_revision, p.value AS p_value
        FROM log l LEFT JOIN log p ON p.id = l.prev_revision AND l.deleted = 0
        WHERE l.id > :after AND l.id <= :upTo AND ${rangeSql(range)}
        ORDER BY l.id LIMIT :limit`;
      const rows = this.#statement(sql).all({
        ...rangeParams(range),
        after,
        upTo: upTo ?? revisions.current,
        limit,
      });
      return { ...revisions, events: rows.map(rowEvent) };
    });
  }

  close(): void {
    this.#db.close();
  }

  #readableRevision(key: string, requested: number | undefined): number {
    const { current, compacted } = this.#revisions();
    if (!requested) return current;
    if (requested < compacted) {
      throw new StoreError(
        'Compacted',
        key,
        `revision ${requested} has been compacted (oldest is ${compacted})`,
      );
    }
    if (requested > current) {
      throw new StoreError(
        'Unavailable',
        key,
        `revision ${requested} is in the future (current is ${current})`,
      );
    }
    return requested;
  }

  #revisions(): Revisions {
    const row = this.#compacted.get();
    return { current: this.#durable(), compacted: row ? num(row, 'value') : 0 };
  }

  #snapshot<T>(read: () => T): T {
    this.#db.exec('BEGIN');
    try {
      return read();
    } finally {
      this.#db.exec('COMMIT');
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
