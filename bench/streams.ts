// Pod streams end to end against a real pod (figures only, nothing asserted):
//   node_modules/.bin/node bench/streams.ts [--runs 50] [--size 200] [--rounds 3] [--profile DIR]
// A one-node cluster of its own (test/helpers/cluster.ts: own bridge, pod
// range and data dir) runs one busybox pod (bench/streams/bench-pod.ts).
// Figures:
// - `kubectl exec POD -- true` p50/p99 over --runs runs, beside `kubectl get
//   pod POD -o name` (the same discovery and pod GET, no exec), and the
//   difference: what exec costs on top of kubectl's own start;
// - MB/s through one `kubectl port-forward`: downloads of a --size MiB file of
//   random bytes from the pod's httpd and uploads of as many bytes into a
//   sink in the pod, with 1 and with 4 connections at once, each checked by
//   sha256 against the pod's own sha256sum; the median of --rounds rounds.
// --profile DIR writes the orca server's CPU profile there (at the end).
// Everything started is removed (pod, cluster, kubectl by PID, temp dirs),
// also on failure, on Ctrl-C and when the overall time limit passes.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Cluster, startCluster } from '../test/helpers/cluster.ts';
import { ms, summarize } from './apiserver/stats.ts';
import { Cleanup, runGuarded } from './lifecycle.ts';
import { servedDigest, startBenchPod } from './streams/bench-pod.ts';
import { measureExecLatency } from './streams/exec-latency.ts';
import {
  measureDownload,
  measureUpload,
  type PortForward,
  startPortForward,
  type Transfer,
} from './streams/port-forward-throughput.ts';

const TIME_LIMIT_MS = 20 * 60_000;
const log = (what: string) => console.error(`[streams] ${what}`);

interface Settings {
  runs: number;
  mib: number;
  rounds: number;
  profileDir?: string;
}

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '50' },
      size: { type: 'string', default: '200' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'string' },
    },
  });
  const count = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return {
    runs: count('runs', values.runs),
    mib: count('size', values.size),
    rounds: count('rounds', values.rounds),
    profileDir,
  };
}

interface Transfers {
  direction: Transfer['direction'];
  connections: number;
  rounds: Transfer[];
}

const mbps = (t: Transfer) => t.bytes / 1e6 / t.seconds;
/** The 1-minute load average: other work on the machine shows in every figure. */
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** The round with the median rate (the lower middle one for an even count). */
function medianRound(rounds: Transfer[]): Transfer {
  const sorted = [...rounds].sort((a, b) => mbps(a) - mbps(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function table(latency: { exec: number[]; get: number[] }, transfers: Transfers[]): string {
  const exec = summarize(latency.exec);
  const get = summarize(latency.get);
  const rows: string[][] = [
    ['`kubectl exec POD -- true` (ms)', ms(exec.p50), ms(exec.p99), ''],
    ['`kubectl get pod POD -o name` (ms)', ms(get.p50), ms(get.p99), ''],
    [
      'exec on top of kubectl’s own start (ms; difference of the two)',
      ms(exec.p50 - get.p50),
      ms(exec.p99 - get.p99),
      'p50 ≤ 100',
    ],
  ];
  const latencyTable = [
    `| figure (${exec.count} runs) | p50 | p99 | target |`,
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  const transferTable = [
    '| port-forward | MB/s (median) | rounds (MB/s) | CPU s server / kubectl / client (median round) | target |',
    '| --- | --- | --- | --- | --- |',
    ...transfers.map((t) => {
      const m = medianRound(t.rounds);
      const all = t.rounds.map((r) => mbps(r).toFixed(0)).join(', ');
      const cpu = `${m.cpu.server.toFixed(2)} / ${m.cpu.kubectl.toFixed(2)} / ${m.cpu.client.toFixed(2)} in ${m.seconds.toFixed(2)} s`;
      return `| ${t.direction}, ${t.connections} connection${t.connections > 1 ? 's' : ''} | ${mbps(m).toFixed(0)} | ${all} | ${cpu} | ≥ 200 |`;
    }),
  ];
  return [...latencyTable, '', ...transferTable].join('\n');
}

async function main(): Promise<void> {
  const s = settings();
  const cleanup = new Cleanup();
  const work = mkdtempSync(join(tmpdir(), 'orca-bench-streams-'));
  cleanup.add('work dir', async () => rmSync(work, { recursive: true, force: true }));
  // startCluster builds the test image into a file named after this process and keeps it for reuse.
  const imageTar = join(tmpdir(), 'orca-test-image', `busybox-${process.pid}.tar`);
  cleanup.add('test image', async () => rmSync(imageTar, { force: true }));
  await runGuarded(TIME_LIMIT_MS, cleanup, async () => {
    log('starting a one-node cluster');
    // The server (bin/orca execs node) inherits NODE_OPTIONS; nothing else started here is Node.
    const savedOptions = process.env.NODE_OPTIONS;
    if (s.profileDir) process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${s.profileDir}`;
    let cluster: Cluster;
    try {
      cluster = await startCluster(['--log-level', 'warn']);
    } finally {
      if (savedOptions === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = savedOptions;
    }
    cleanup.add('cluster', () => cluster.stopCluster());
    log(`starting the pod and writing ${s.mib} MiB of random bytes in it`);
    await startBenchPod(cluster, s.mib);
    const served = await servedDigest(cluster);

    const loadBefore = load();
    log(`exec latency, ${s.runs} runs`);
    const latency = await measureExecLatency(cluster.kubeconfig, work, s.runs);

    log('port-forward throughput');
    const pf: PortForward = await startPortForward(cluster.kubeconfig, join(work, 'cache-port-forward'));
    cleanup.add('kubectl port-forward', () => pf.stop());
    // One untimed transfer each way first, so the server's JIT has compiled the data path.
    await measureDownload(cluster, pf, 1, served);
    await measureUpload(cluster, pf, 1, s.mib << 20);
    const transfers: Transfers[] = [];
    for (const direction of ['download', 'upload'] as const) {
      for (const connections of [1, 4]) {
        const t: Transfers = { direction, connections, rounds: [] };
        for (let r = 0; r < s.rounds; r++) {
          const round =
            direction === 'download'
              ? await measureDownload(cluster, pf, connections, served)
              : await measureUpload(cluster, pf, connections, s.mib << 20);
          log(`${direction} × ${connections}: ${mbps(round).toFixed(0)} MB/s`);
          t.rounds.push(round);
        }
        transfers.push(t);
      }
    }
    const loadAfter = load();
    console.log(table(latency, transfers));
    console.log('');
    console.log(
      [
        'Notes:',
        `- Machine: ${availableParallelism()} CPUs shared by the pod, the orca server, kubectl and this client; ` +
          `1-minute load average ${loadBefore} before the measurements and ${loadAfter} after.`,
        `- Latency: wall time of each kubectl process, spawn to exit, ${s.runs} runs of each, alternating (which ` +
          'goes first swaps every run), after one untimed run that warmed each command’s own --cache-dir; both ' +
          'use the cluster’s kubeconfig (admin client certificate, HTTPS on 127.0.0.1) and exec runs `-c web`. ' +
          'p99 is nearest-rank.',
        `- Transfers: ${s.mib} MiB per connection through one \`kubectl port-forward pod/NAME :8080 :9000\` ` +
          `(kubectl’s default WebSocket tunnel), after one untimed download and upload; MB = 10^6 bytes; ` +
          `${s.rounds} rounds each. Downloads: busybox httpd ` +
          'serving a file of random bytes on a memory emptyDir, sha256 of every download checked against ' +
          '`kubectl exec … sha256sum`. Uploads: a 1 MiB random block repeated into busybox `nc -ll -e` writing ' +
          'each connection to a memory emptyDir; a round ends when the pod closed every connection, and the ' +
          'stored files’ sha256 are checked afterwards. CPU: user+system seconds of the orca server process ' +
          '(API server and agent together), the kubectl process and this client (hashing included).',
      ].join('\n'),
    );
  });
}

await main();
