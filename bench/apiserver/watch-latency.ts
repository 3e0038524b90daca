// Watch delivery latency: many watch streams on one namespace's ConfigMaps,
// paced updates from one writer, and for every (write, watcher) pair the time
// from the write's HTTP response reaching the writer to the event reaching
// the watcher. Both ends live in this process, on one clock
// (performance.now()). The server hands an event to watchers before it
// answers the write, so a watcher can see it before the writer sees its ack;
// such pairs count as 0 ms and are reported separately.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Credentials } from '../../test/helpers/api.ts';
import { ApiClient, openWatch, type WatchStream } from './client.ts';
import { configMap, configMapsPath, namespace } from './objects.ts';
import { type Summary, summarize } from './stats.ts';

export interface WatchOptions {
  watchers: number;
  writes: number;
  /** Time between the starts of consecutive writes. */
  paceMs: number;
}

export interface WatchResult {
  watchers: number;
  writes: number;
  latency: Summary;
  /** Pairs whose event arrived before the write's ack (counted as 0 ms). */
  beforeAck: number;
  /** Pairs never delivered within the wait. */
  missing: number;
}

const WARMUP_WRITES = 5;
const DELIVERY_WAIT_MS = 10_000;
const NAME = 'watched';

export async function watchLatency(
  credentials: Credentials,
  ns: string,
  options: WatchOptions,
): Promise<WatchResult> {
  const writer = new ApiClient(credentials);
  const streams: WatchStream[] = [];
  try {
    await writer.expect(201, 'POST', '/api/v1/namespaces', namespace(ns));
    let current = await writer.expect(201, 'POST', configMapsPath(ns), configMap(NAME));
    const from = String(current.metadata.resourceVersion);
    // One map per watcher: resourceVersion → receive time.
    const received = Array.from({ length: options.watchers }, () => new Map<string, number>());
    // allSettled: a failed open must not leave later-opening streams behind unclosed.
    const opened = await Promise.allSettled(
      received.map(async (seen) => {
        const stream = await openWatch(
          credentials,
          `${configMapsPath(ns)}?watch=true&resourceVersion=${from}`,
          (line, receivedAt) => {
            const rv = /"resourceVersion":"(\d+)"/.exec(line)?.[1];
            if (rv && !seen.has(rv)) seen.set(rv, receivedAt);
          },
        );
        streams.push(stream);
      }),
    );
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;

    const update = async (i: number): Promise<{ rv: string; ackAt: number }> => {
      const reply = await writer.request(
        'PUT',
        configMapsPath(ns, NAME),
        configMap(NAME, i, current.metadata.resourceVersion),
      );
      const ackAt = performance.now();
      if (reply.status !== 200)
        throw new Error(`update ${NAME}: ${reply.status} ${reply.text.slice(0, 300)}`);
      current = JSON.parse(reply.text);
      return { rv: String(current.metadata.resourceVersion), ackAt };
    };
    const allReceived = async (rv: string) => {
      const deadline = performance.now() + DELIVERY_WAIT_MS;
      while (performance.now() < deadline && !received.every((seen) => seen.has(rv))) await sleep(5);
    };

    // Warm-up: every stream registered and carrying events before timing starts.
    let last = { rv: from, ackAt: 0 };
    for (let i = 0; i < WARMUP_WRITES; i++) last = await update(-1 - i);
    await allReceived(last.rv);
    if (!received.every((seen) => seen.has(last.rv)))
      throw new Error('watchers did not all see the warm-up writes');

    const acks: { rv: string; ackAt: number }[] = [];
    const start = performance.now();
    for (let i = 0; i < options.writes; i++) {
      const wait = start + i * options.paceMs - performance.now();
      if (wait > 0) await sleep(wait);
      acks.push(await update(i));
    }
    await allReceived(acks[acks.length - 1].rv);

    const latencies: number[] = [];
    let beforeAck = 0;
    let missing = 0;
    for (const { rv, ackAt } of acks) {
      for (const seen of received) {
        const at = seen.get(rv);
        if (at === undefined) missing++;
        else if (at < ackAt) {
          beforeAck++;
          latencies.push(0);
        } else latencies.push(at - ackAt);
      }
    }
    return {
      watchers: options.watchers,
      writes: options.writes,
      latency: summarize(latencies),
      beforeAck,
      missing,
    };
  } finally {
    for (const s of streams) s.close();
    writer.close();
  }
}
