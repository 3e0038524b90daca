// The longest write while the server's own compactor removes a large
// backlog of history. The server runs with a short --compaction-interval I:
// its first round (at I) only notes the current revision, its second (at 2I)
// compacts to that revision. Churn (creates, updates, deletes) runs from
// start to finish, so everything written before the first round becomes
// dead history, and the same writers keep writing while it is removed. The
// compaction window comes from the server's "compacted history" log line
// (its end time and duration); writes overlapping it are the ones reported.

import type { KubeObject } from '../../src/api/object.ts';
import { ApiClient } from './client.ts';
import { concurrently, configMap, configMapsPath, namespace } from './objects.ts';
import type { BenchServer, LogEntry } from './server-process.ts';
import { type Summary, summarize } from './stats.ts';

export interface CompactionOptions {
  clients: number;
  keysPerClient: number;
  /** The --compaction-interval the server was started with. */
  intervalMs: number;
  /** performance.now() when the server became ready (its compactor's clock starts then). */
  serverReadyAt: number;
}

export interface CompactionResult {
  /** The revision compacted to: how much history the compaction walked. */
  compactedTo: number;
  /** Rows removed, when the store reports it (SQLite at debug level). */
  rowsDeleted?: number;
  compactionMs: number;
  /** Writes that overlapped the compaction. */
  during: Summary;
  /** Writes that finished in the 5 s before it, for comparison. */
  before: Summary;
  writesPerSecondDuring: number;
  failedWrites: number;
}

interface Sample {
  start: number;
  end: number;
}

const AFTER_COMPACTION_MS = 1_000;
const BASELINE_MS = 5_000;
// Time allowed past the second round for the compaction itself.
const COMPACTION_WAIT_MS = 90_000;
const DELETE_SHARE = 0.05;

export async function compactionStall(
  server: BenchServer,
  ns: string,
  options: CompactionOptions,
): Promise<CompactionResult> {
  let compaction: { endsAt: number; ms: number; revision: number } | undefined;
  let rowsDeleted: number | undefined;
  const unsubscribe = server.onLog((entry: LogEntry) => {
    if (entry.msg === 'compacted history' && !compaction) {
      const ms = Number(entry.ms);
      // Same machine, same wall clock: map the log's timestamp onto performance.now().
      const endsAt = Date.parse(String(entry.ts)) - performance.timeOrigin;
      compaction = { endsAt, ms, revision: Number(entry.revision) };
    } else if (entry.msg === 'compaction done' && rowsDeleted === undefined) {
      rowsDeleted = Number(entry.rowsDeleted);
    }
  });
  const clients = Array.from({ length: options.clients }, () => new ApiClient(server.credentials));
  try {
    await clients[0].expect(201, 'POST', '/api/v1/namespaces', namespace(ns));
    const samples: Sample[] = [];
    let failedWrites = 0;
    const deadline = options.serverReadyAt + 2 * options.intervalMs + COMPACTION_WAIT_MS;
    // Set when any client fails, so the others stop too instead of running on unobserved.
    let failure = false;
    const finished = () =>
      failure || (compaction !== undefined && performance.now() > compaction.endsAt + AFTER_COMPACTION_MS);

    async function churn(c: number): Promise<void> {
      const client = clients[c];
      const objects = new Map<number, KubeObject>();
      let version = 0;
      while (!finished()) {
        if (performance.now() > deadline)
          throw new Error(`no compaction logged by the server:\n${server.tail()}`);
        const k = Math.floor(Math.random() * options.keysPerClient);
        const name = `churn-${c}-${k}`;
        const current = objects.get(k);
        const start = performance.now();
        const reply =
          current === undefined
            ? await client.request('POST', configMapsPath(ns), configMap(name, version++))
            : Math.random() < DELETE_SHARE
              ? await client.request('DELETE', configMapsPath(ns, name))
              : await client.request(
                  'PUT',
                  configMapsPath(ns, name),
                  configMap(name, version++, current.metadata.resourceVersion),
                );
        samples.push({ start, end: performance.now() });
        if (reply.status === 201 || (reply.status === 200 && current !== undefined)) {
          const body = JSON.parse(reply.text);
          if (body.kind === 'Status') objects.delete(k);
          else objects.set(k, body);
        } else {
          failedWrites++;
          const now = await client.request('GET', configMapsPath(ns, name));
          if (now.status === 200) objects.set(k, JSON.parse(now.text));
          else objects.delete(k);
        }
      }
    }

    await concurrently(options.clients, async (c) => {
      try {
        await churn(c);
      } catch (err) {
        failure = true;
        throw err;
      }
    });

    const window = compaction!;
    const windowStart = window.endsAt - window.ms;
    const during = samples.filter((s) => s.end >= windowStart && s.start <= window.endsAt);
    const before = samples.filter((s) => s.end < windowStart && s.end >= windowStart - BASELINE_MS);
    const completedDuring = samples.filter((s) => s.end >= windowStart && s.end <= window.endsAt).length;
    return {
      compactedTo: window.revision,
      rowsDeleted,
      compactionMs: window.ms,
      during: summarize(during.map((s) => s.end - s.start)),
      before: summarize(before.map((s) => s.end - s.start)),
      writesPerSecondDuring: window.ms > 0 ? (completedDuring * 1000) / window.ms : 0,
      failedWrites,
    };
  } finally {
    unsubscribe();
    for (const c of clients) c.close();
  }
}
