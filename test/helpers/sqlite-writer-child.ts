// Child process for the crash test: opens the SQLite store at argv[2] and
// creates keys from 16 concurrent writers forever, printing "KEY REVISION"
// once each create is acknowledged. The parent kills it with SIGKILL.

import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { silentLogger } from '../../src/util/log.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: sqlite-writer-child.ts DB_PATH');
const store = await SqliteStore.open({ path, logger: silentLogger });
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (;;) {
      const key = `/durable/${String(next++).padStart(8, '0')}`;
      const stored = await store.create(key, new TextEncoder().encode(key));
      // Pipes are written synchronously on Linux: once this returns, the
      // line is the parent's even if we are killed right after.
      process.stdout.write(`${key} ${stored.modRevision}\n`);
    }
  }),
);
