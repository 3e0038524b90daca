// Control-plane benchmark against real `bin/orca server` processes over HTTPS
// (figures only, nothing asserted):
//   node_modules/.bin/node bench/apiserver.ts [--objects N] [--datastore sqlite|etcd|both]
//     [--compaction-interval 15s] [--profile DIR] [--server-node-options='FLAGS']
// For each datastore, on one server: durable creates/s from 16 clients, GET
// latency, watch delivery latency to 100 watchers, and the server's RSS with
// the objects stored; then on a fresh server started with a short
// --compaction-interval: the write latency while its compactor removes a
// large backlog of history under load. --profile DIR writes the servers'
// CPU profiles there (NODE_OPTIONS=--cpu-prof; bin/orca execs node), and
// --server-node-options passes other node flags to the servers only.
// Everything started is stopped by PID and its temp dir removed, on failure,
// on Ctrl-C and when the overall time limit passes.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type CompactionResult, compactionStall } from './apiserver/compaction-stall.ts';
import { type BenchServer, type Datastore, residentBytes, startServer } from './apiserver/server-process.ts';
import { ms, type Summary } from './apiserver/stats.ts';
import { type CreateResult, createObjects, getLatency } from './apiserver/throughput.ts';
import { type WatchResult, watchLatency } from './apiserver/watch-latency.ts';
import { runGuarded } from './lifecycle.ts';

const CLIENTS = 16;
const GETS = 3_000;
const WATCHERS = 100;
const WATCH_WRITES = 200;
const WATCH_PACE_MS = 20;
// Idle time before reading RSS, for the garbage collector to catch up after the creates.
const SETTLE_MS = 3_000;
const CHURN_CLIENTS = 8;
const CHURN_KEYS_PER_CLIENT = 200;
const TIME_LIMIT_MS = 10 * 60_000;

interface Results {
  datastore: Datastore;
  creates: CreateResult;
  rssBytes: number;
  gets: Summary;
  watch: WatchResult;
  compaction: CompactionResult;
}

interface Settings {
  objects: number;
  datastores: Datastore[];
  compactionIntervalMs: number;
  compactionInterval: string;
  profileDir?: string;
  serverNodeOptions: string;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '10000' },
      datastore: { type: 'string', default: 'both' },
      'compaction-interval': { type: 'string', default: '15s' },
      profile: { type: 'string' },
      'server-node-options': { type: 'string', default: '' },
    },
  });
  const objects = Number(values.objects);
  if (!Number.isInteger(objects) || objects < 1) throw new Error('--objects must be a positive integer');
  const datastores: Datastore[] =
    values.datastore === 'both' ? ['sqlite', 'etcd'] : [values.datastore as Datastore];
  if (!datastores.every((d) => d === 'sqlite' || d === 'etcd'))
    throw new Error('--datastore must be sqlite, etcd or both');
  const m = /^(\d+)s$/.exec(values['compaction-interval']);
  if (!m || Number(m[1]) < 1) throw new Error('--compaction-interval must be whole seconds, e.g. 15s');
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return {
    objects,
    datastores,
    compactionIntervalMs: Number(m[1]) * 1000,
    compactionInterval: values['compaction-interval'],
    profileDir,
    serverNodeOptions: values['server-node-options'],
  };
}

/** Stops every server started so far; every call waits for all stops, including ones under way. */
class Cleanup {
  readonly #servers = new Set<BenchServer>();

  track(server: BenchServer): BenchServer {
    this.#servers.add(server);
    return server;
  }

  async stop(server: BenchServer): Promise<void> {
    await server.stop();
    this.#servers.delete(server);
  }

  async all(): Promise<void> {
    await Promise.allSettled([...this.#servers].map((s) => s.stop()));
  }
}

async function runDatastore(datastore: Datastore, s: Settings, cleanup: Cleanup): Promise<Results> {
  const nodeOptions = [
    s.serverNodeOptions,
    ...(s.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${s.profileDir}`] : []),
  ].filter((o) => o !== '');
  const profile = {
    ...(nodeOptions.length ? { env: { NODE_OPTIONS: nodeOptions.join(' ') } } : {}),
    // Writing a CPU profile on exit takes a while.
    ...(s.profileDir ? { stopGraceMs: 60_000 } : {}),
  };
  const log = (what: string) => console.error(`[${datastore}] ${what}`);

  log('starting server');
  const server = cleanup.track(await startServer({ datastore, ...profile }));
  log(`creating ${s.objects} ConfigMaps from ${CLIENTS} clients`);
  const creates = await createObjects(server.credentials, 'bench', s.objects, CLIENTS);
  await sleep(SETTLE_MS);
  const rssBytes = residentBytes(server.pid);
  log(`${GETS} GETs`);
  const gets = await getLatency(server.credentials, 'bench', s.objects, GETS);
  log(`watch latency: ${WATCHERS} watchers, ${WATCH_WRITES} writes`);
  const watch = await watchLatency(server.credentials, 'bench-watch', {
    watchers: WATCHERS,
    writes: WATCH_WRITES,
    paceMs: WATCH_PACE_MS,
  });
  await cleanup.stop(server);

  log(`compaction under load (interval ${s.compactionInterval}; takes about twice that)`);
  const churnServer = cleanup.track(
    await startServer({
      datastore,
      extraArgs: ['--compaction-interval', s.compactionInterval, '--log-level', 'debug'],
      ...profile,
    }),
  );
  const compaction = await compactionStall(churnServer, 'bench-churn', {
    clients: CHURN_CLIENTS,
    keysPerClient: CHURN_KEYS_PER_CLIENT,
    intervalMs: s.compactionIntervalMs,
    serverReadyAt: performance.now(),
  });
  await cleanup.stop(churnServer);
  return { datastore, creates, rssBytes, gets, watch, compaction };
}

interface Row {
  metric: string;
  value: (r: Results) => string;
  target?: string;
}

function rows(s: Settings): Row[] {
  const n = s.objects.toLocaleString('en-US');
  return [
    {
      metric: `durable creates/s (${CLIENTS} clients, ${n} ConfigMaps, every one 201)`,
      value: (r) => Math.round(r.creates.perSecond).toLocaleString('en-US'),
      target: '≥ 3,000',
    },
    {
      metric: 'create latency p50 / p99 (ms)',
      value: (r) => `${ms(r.creates.latency.p50)} / ${ms(r.creates.latency.p99)}`,
    },
    {
      metric: `GET latency p50 / p99 (ms, ${GETS.toLocaleString('en-US')} sequential)`,
      value: (r) => `${ms(r.gets.p50)} / ${ms(r.gets.p99)}`,
    },
    {
      metric: `watch delivery p50 / p99 (ms, ${WATCHERS} watchers × ${WATCH_WRITES} writes)`,
      value: (r) => `${ms(r.watch.latency.p50)} / ${ms(r.watch.latency.p99)}`,
      target: 'p99 ≤ 10',
    },
    {
      metric: 'watch max (ms); events seen before the ack (counted as 0); missing',
      value: (r) =>
        `${ms(r.watch.latency.max)}; ${r.watch.beforeAck} of ${r.watch.writes * r.watch.watchers}; ${r.watch.missing}`,
    },
    {
      metric: `server RSS with ${n} objects (MiB)`,
      value: (r) => (r.rssBytes / 1024 / 1024).toFixed(0),
      target: '≤ 150',
    },
    {
      metric: 'compaction: revisions compacted / rows deleted',
      value: (r) =>
        `${r.compaction.compactedTo.toLocaleString('en-US')} / ${r.compaction.rowsDeleted?.toLocaleString('en-US') ?? 'n/a'}`,
    },
    { metric: 'compaction duration (ms)', value: (r) => ms(r.compaction.compactionMs) },
    {
      metric: `write latency during compaction p99 / max (ms; writes; ${CHURN_CLIENTS} clients)`,
      value: (r) =>
        `${ms(r.compaction.during.p99)} / ${ms(r.compaction.during.max)} (${r.compaction.during.count})`,
      target: 'max ≤ 100',
    },
    {
      metric: 'write latency in the 5 s before it p99 / max (ms; writes)',
      value: (r) =>
        `${ms(r.compaction.before.p99)} / ${ms(r.compaction.before.max)} (${r.compaction.before.count})`,
    },
    {
      metric: 'writes/s during compaction; failed writes',
      value: (r) => `${Math.round(r.compaction.writesPerSecondDuring)}; ${r.compaction.failedWrites}`,
    },
  ];
}

function table(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

function report(s: Settings, results: Results[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`### ${r.datastore}\n`);
    out.push(
      table(
        ['metric', 'value', 'target (SQLite)'],
        rows(s).map((row) => [row.metric, row.value(r), row.target ?? '']),
      ),
    );
    out.push('');
  }
  if (results.length > 1) {
    out.push('### combined\n');
    out.push(
      table(
        ['metric', ...results.map((r) => r.datastore), 'target (SQLite)'],
        rows(s).map((row) => [row.metric, ...results.map((r) => row.value(r)), row.target ?? '']),
      ),
    );
    out.push('');
  }
  out.push(
    [
      'Notes:',
      "- Watch latency: from the write's HTTP response arriving at the writer to the event line arriving at " +
        'each watcher (own TLS connection each), both timed with performance.now() in this one benchmark ' +
        'process. An event can reach a watcher before the ack reaches the writer (SQLite publishes to ' +
        'watches before answering; on etcd it is a race); such a pair counts as 0 ms (how many is shown).',
      `- RSS: VmRSS of the server process, ${SETTLE_MS / 1000} s idle after the creates; the spawned PID was ` +
        'checked to be node running src/cli/main.ts (bin/orca execs node).',
      '- Compaction: a fresh server with --compaction-interval ' +
        `${s.compactionInterval}; the window is the server's own "compacted history" log line (end time ` +
        "and duration, SQLite's incremental vacuum included); reported writes are those overlapping it.",
      ...(s.serverNodeOptions ? [`- Server NODE_OPTIONS: ${s.serverNodeOptions}`] : []),
    ].join('\n'),
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  const s = settings();
  const cleanup = new Cleanup();
  await runGuarded(TIME_LIMIT_MS, cleanup, async () => {
    const results: Results[] = [];
    for (const datastore of s.datastores) results.push(await runDatastore(datastore, s, cleanup));
    console.log(report(s, results));
  });
}

await main();
