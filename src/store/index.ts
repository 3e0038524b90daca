// The store folder's public face: the contract, the two implementations'
// factories, and the periodic compactor.

import { isAbsolute, join } from 'node:path';
import type { Logger } from '../util/log.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './types.ts';

export {
  type CompactableStore,
  type CompactorOptions,
  DEFAULT_COMPACTION_INTERVAL_MS,
  DEFAULT_RETAIN_REVISIONS,
  startCompactor,
} from './compactor.ts';
export * from './types.ts';

export interface OpenStoreOptions {
  /** Where a relative or absent SQLite path is resolved. */
  dataDir: string;
  logger: Logger;
}

export const DEFAULT_SQLITE_FILE = 'orca.db';

/**
 * Opens the store an endpoint names:
 * - `sqlite://` or `sqlite://PATH`: a SQLite file; no path means
 *   DATA_DIR/orca.db, a relative path is taken relative to DATA_DIR
 *   (`sqlite:///var/lib/x.db` is absolute);
 * - `http://host:2379[,http://host2:2379]`: an etcd cluster (plain HTTP; no TLS yet).
 */
export async function openStore(endpoint: string, options: OpenStoreOptions): Promise<Store> {
  if (endpoint.startsWith('sqlite://')) {
    const path = endpoint.slice('sqlite://'.length);
    const file = path === '' ? join(options.dataDir, DEFAULT_SQLITE_FILE) : path;
    return SqliteStore.open({
      path: isAbsolute(file) ? file : join(options.dataDir, file),
      logger: options.logger,
    });
  }
  const endpoints = endpoint
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (endpoints.length > 0 && endpoints.every((e) => /^http:\/\/[^/]+\/?$/.test(e))) {
    // Loaded only for etcd: its gRPC client stack costs a SQLite server ~20 MB of memory for nothing.
    const { EtcdStore } = await import('./etcd/etcd-store.ts');
    return EtcdStore.open({ endpoints, logger: options.logger });
  }
  throw new Error(
    `unsupported store endpoint ${JSON.stringify(endpoint)}: want sqlite://[PATH] or http://HOST:PORT[,http://HOST:PORT]`,
  );
}
