// The fsyncs SQLite no longer does itself (the writer connection runs with
// synchronous=OFF, see schema.ts). They run on libuv's thread pool, so the
// main thread keeps serving requests while the disk catches up.

import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { walPath } from './schema.ts';

export class DurableFiles {
  readonly #wal: FileHandle;
  readonly #database: FileHandle;

  /** Call once the writer connection has opened `path` in WAL mode (so the WAL exists). */
  static async open(path: string): Promise<DurableFiles> {
    // SQLite syncs a new WAL's directory entry on its first sync, which no
    // longer happens; the directory is synced here instead.
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    const database = await open(path, 'r+');
    try {
      return new DurableFiles(await open(walPath(path), 'r+'), database);
    } catch (err) {
      await database.close();
      throw err;
    }
  }

  private constructor(wal: FileHandle, database: FileHandle) {
    this.#wal = wal;
    this.#database = database;
  }

  /** Everything committed so far is on disk once this resolves. */
  syncLog(): Promise<void> {
    return this.#wal.datasync();
  }

  /** Pages a checkpoint copied into the database file are on disk once this resolves. */
  syncDatabase(): Promise<void> {
    return this.#database.sync();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#wal.close(), this.#database.close()]);
  }
}
