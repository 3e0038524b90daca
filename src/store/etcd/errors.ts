// Translation of the etcd3 client's errors into StoreError at the edge of the
// etcd store. Only conditions a caller can act on are translated: compaction
// (relist) and unavailability (retry later). Anything else (an oversized
// request, a bug) is passed through unchanged so it surfaces as an internal
// error instead of masquerading as a transient one.

import {
  ClientClosedError,
  EtcdWatchStreamEnded,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  GRPCUnknownError,
} from 'etcd3';
import { StoreError } from '../types.ts';

// Server-side conditions etcd reports while electing a leader or overloaded;
// the same request succeeds once the cluster settles.
const TRANSIENT_SERVER_MESSAGES = [
  'etcdserver: no leader',
  'etcdserver: leader changed',
  'etcdserver: request timed out',
  'etcdserver: too many requests',
  'etcdserver: server stopped',
  'etcdserver: not capable',
];

export function isCompactedMessage(message: string): boolean {
  return message.includes('required revision has been compacted');
}

export function toStoreError(err: unknown, key: string): unknown {
  if (err instanceof StoreError) return err;
  if (!(err instanceof Error)) return err;
  if (isCompactedMessage(err.message)) return new StoreError('Compacted', key, err.message);
  if (err.message.includes('required revision is a future revision')) {
    return new StoreError('Unavailable', key, err.message);
  }
  const transport =
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof GRPCCancelledError ||
    err instanceof GRPCUnknownError ||
    err instanceof ClientClosedError ||
    err instanceof EtcdWatchStreamEnded ||
    err.name === 'BrokenCircuitError';
  if (transport || TRANSIENT_SERVER_MESSAGES.some((m) => err.message.includes(m))) {
    return new StoreError('Unavailable', key, `etcd: ${err.message}`);
  }
  return err;
}

/** Runs an etcd call, rethrowing its failure as a StoreError where one applies. */
export async function etcdCall<T>(key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStoreError(err, key);
  }
}
