// The on-disk layout: an append-only log in which the row id is the revision
// (the kine model). Every create, update and delete appends one row; the
// newest row of a key is its current state, and a row with deleted = 1 is a
// tombstone that also carries the value the key last held, so a delete event
// can be rebuilt from the log alone. `prev_revision` points at the row a write
// superseded (0 for a create); compaction follows it to find dead history.
//
// One writer connection and one read-only connection share the file in WAL
// mode, both on the main thread; the write lane (write-lane.ts) makes commits
// durable with fsyncs that run off it.

import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import type { StoredObject, WatchEvent } from '../types.ts';

const SCHEMA_VERSION = 1;

// Readers only wait on SQLite's own brief WAL-index locks; a generous busy
// timeout makes sure those never surface as "database is locked".
const BUSY_TIMEOUT_MS = 10_000;

// The write lane checkpoints about every 4 MiB written, keeping the WAL near
// SQLite's usual 1000 pages; after a burst (a big batch, or compaction) the
// file is cut back to this size instead of keeping its high-water mark.
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

export function openWriterConnection(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  // auto_vacuum only takes effect before the first table exists; it lets
  // compaction hand freed pages back to the filesystem in small steps.
  db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  db.exec('PRAGMA journal_mode = WAL');
  // The schema set-up below is synced as usual; afterwards see the end.
  db.exec('PRAGMA synchronous = FULL');
  db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.exec(`
    CREATE TABLE IF NOT EXISTS log (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      value BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS log_name ON log (name);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT OR IGNORE INTO meta (name, value) VALUES
      ('schema', ${SCHEMA_VERSION}), ('revision', 0), ('compacted', 0);
  `);
  const schema = readMeta(db, 'schema');
  if (schema !== SCHEMA_VERSION) {
    db.close();
    throw new Error(`${path}: schema version ${schema}, this build understands ${SCHEMA_VERSION}`);
  }
  // From here SQLite itself never waits for the disk: a synchronous fsync
  // would stall the main thread. The write lane instead syncs the WAL with an
  // asynchronous fdatasync after every transaction, before anyone hears of
  // it, and checkpoints itself (syncing the database file before the WAL is
  // reused), so an acknowledged write still survives a crash of the machine.
  db.exec('PRAGMA synchronous = OFF');
  db.exec('PRAGMA wal_autocheckpoint = 0');
  return db;
}

/**
 * Closes a connection from openWriterConnection with SQLite's own syncs back
 * on: closing checkpoints and removes the WAL, which must not happen before
 * the database file is on disk.
 */
export function closeWriterConnection(db: DatabaseSync): void {
  db.exec('PRAGMA synchronous = FULL');
  db.close();
}

export function openReaderConnection(path: string): DatabaseSync {
  return new DatabaseSync(path, { readOnly: true, timeout: BUSY_TIMEOUT_MS });
}

/** Where SQLite keeps the WAL of the database at `path`. */
export function walPath(path: string): string {
  return `${path}-wal`;
}

export type MetaName = 'schema' | 'revision' | 'compacted';

export function readMeta(db: DatabaseSync, name: MetaName): number {
  const row = db.prepare('SELECT value FROM meta WHERE name = ?').get(name);
  return row ? Number(row.value) : 0;
}

type Row = Record<string, SQLOutputValue>;

export function num(row: Row, column: string): number {
  return Number(row[column]);
}

export function bytes(row: Row, column: string): Uint8Array {
  const value = row[column];
  if (value instanceof Uint8Array) return value;
  throw new Error(`column ${column} is not a blob`);
}

/** A row read as the object it describes (a tombstone describes the value before deletion). */
export function rowObject(row: Row): StoredObject {
  const deleted = num(row, 'deleted') === 1;
  return {
    key: String(row.name),
    value: bytes(row, 'value'),
    createRevision: num(row, 'create_revision'),
    // A tombstone's own id is the deletion; the value it carries dates from the row it superseded.
    modRevision: deleted ? num(row, 'prev_revision') : num(row, 'id'),
  };
}

/**
 * The watch event a log row stands for. `previous` columns (p_*) come from a
 * LEFT JOIN on prev_revision and are null for creates and tombstones.
 */
export function rowEvent(row: Row): WatchEvent {
  const revision = num(row, 'id');
  const object = rowObject(row);
  if (num(row, 'deleted') === 1) return { type: 'delete', revision, object };
  if (row.p_id === null || row.p_id === undefined) return { type: 'put', revision, object };
  const previous: StoredObject = {
    key: object.key,
    value: bytes(row, 'p_value'),
    createRevision: num(row, 'p_create_revision'),
    modRevision: num(row, 'p_id'),
  };
  return { type: 'put', revision, object, previous };
}
