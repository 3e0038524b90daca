// One Store watch = one etcd watch stream of its own. We use the raw stream
// rather than etcd3's Watcher because the Watcher reconnects on its own and
// reports a compacted start only as a generic cancel message; here a broken
// stream ends the watch with StoreError('Unavailable') and a compacted start
// with StoreError('Compacted'), and the consumer resumes or relists.

import type { IKeyValue, IWatchResponse, WatchClient } from 'etcd3';
import { EventChannel } from '../event-channel.ts';
import { type StoredObject, StoreError, type WatchEvent } from '../types.ts';
import { toStoreError } from './errors.ts';

export interface EtcdWatchOptions {
  prefix: string;
  key: Buffer;
  rangeEnd: Buffer;
  fromRevision: number;
  capacity: number;
}

export async function* watchEtcd(
  client: WatchClient,
  options: EtcdWatchOptions,
  signal: AbortSignal,
): AsyncGenerator<WatchEvent> {
  if (signal.aborted) return;
  const { prefix, capacity } = options;
  const channel = new EventChannel<WatchEvent>(
    capacity,
    () =>
      new StoreError(
        'Unavailable',
        prefix,
        `watch of ${prefix} fell more than ${capacity} events behind; resume from the last revision seen`,
      ),
  );
  const stream = await client.watch().catch((err: unknown) => {
    throw toStoreError(err, prefix);
  });
  let streamStopped = false;
  const stopStream = () => {
    if (streamStopped) return;
    streamStopped = true;
    // Half-close first: etcd3 counts an error on a still-writable stream
    // against the host's circuit breaker, and our own cancel is no failure.
    stream.end();
    stream.cancel();
  };
  const stop = () => {
    channel.close();
    stopStream();
  };
  stream.on('data', (response: IWatchResponse) => {
    onResponse(channel, prefix, response);
    // Failed (compacted, cancelled, overflowed): the consumer still reads the
    // buffered events, but etcd need not send more.
    if (channel.ended) stopStream();
  });
  // After cancel() the stream reports the cancellation as an error; the
  // channel is closed by then and ignores it.
  stream.on('error', (err: Error) => channel.fail(asError(toStoreError(err, prefix))));
  stream.on('end', () => channel.fail(new StoreError('Unavailable', prefix, 'etcd watch stream ended')));
  if (signal.aborted) {
    stop();
    return;
  }
  signal.addEventListener('abort', stop, { once: true });
  stream.write({
    create_request: {
      key: options.key,
      range_end: options.rangeEnd,
      // etcd's start revision is inclusive; ours is "after fromRevision".
      start_revision: options.fromRevision + 1,
      prev_kv: true,
    },
  });
  try {
    // etcd delivers each revision once and in order on one stream.
    yield* channel.drain();
  } finally {
    signal.removeEventListener('abort', stop);
    stop();
  }
}

function onResponse(channel: EventChannel<WatchEvent>, prefix: string, response: IWatchResponse): void {
  if (Number(response.compact_revision) > 0) {
    channel.fail(
      new StoreError(
        'Compacted',
        prefix,
        `watch start has been compacted (oldest is ${response.compact_revision})`,
      ),
    );
    return;
  }
  if (response.canceled) {
    channel.fail(
      new StoreError('Unavailable', prefix, `etcd cancelled the watch: ${response.cancel_reason}`),
    );
    return;
  }
  for (const event of response.events ?? []) {
    const revision = Number(event.kv.mod_revision);
    if (event.type === 'Delete') {
      const object = event.prev_kv ? toObject(event.prev_kv) : { ...toObject(event.kv), modRevision: 0 };
      channel.push({ type: 'delete', revision, object });
    } else {
      const object = toObject(event.kv);
      channel.push(
        event.prev_kv
          ? { type: 'put', revision, object, previous: toObject(event.prev_kv) }
          : { type: 'put', revision, object },
      );
    }
  }
}

/** etcd's KeyValue as a StoredObject; values become plain Uint8Array views. */
export function toObject(kv: IKeyValue): StoredObject {
  return {
    key: kv.key.toString(),
    value: new Uint8Array(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
