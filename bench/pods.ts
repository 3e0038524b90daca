// Pod start benchmark, orca against `podman kube play`, in one run (figures
// only, nothing asserted):
//   node_modules/.bin/node bench/pods.ts [--runs 50] [--warmup 2] [--rounds 3]
//     [--bursts 10,100] [--skip-podman] [--log-level info] [--profile DIR]
// One two-container pod manifest (bench/pods/manifest.ts) and one image for
// both. Figures: create → started latency p50/p99 of one pod at a time over
// --runs runs (after --warmup discarded ones, each pod deleted and torn down
// before the next); the time until 10 and until 100 pods created at once are
// all started; resident memory with the 100 pods running. orca runs first on
// a one-node cluster of its own (own bridge, pod range and data dir), then
// podman. --profile DIR writes the orca server's CPU profile there.
// Everything started is removed (pods, podman pods and volumes, the bridge,
// processes by PID, temp dirs), also on failure, on Ctrl-C and when the
// overall time limit passes.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { repoRoot } from '../test/helpers/orca.ts';
import { ms, summarize } from './apiserver/stats.ts';
import { Cleanup, runGuarded } from './lifecycle.ts';
import { benchImage } from './pods/manifest.ts';
import { type OrcaCluster, startOrcaCluster } from './pods/orca-cluster.ts';
import { runOrcaSide } from './pods/orca-side.ts';
import { Podman } from './pods/podman-side.ts';
import { log, type Settings, type SideResult } from './pods/results.ts';

const run = promisify(execFile);
const TIME_LIMIT_MS = 40 * 60_000;

function settings(): Settings {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      bursts: { type: 'string', default: '10,100' },
      'skip-podman': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'string' },
    },
  });
  const count = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const profileDir = values.profile ? resolve(values.profile) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  return {
    runs: count('runs', values.runs, 1),
    warmup: count('warmup', values.warmup, 0),
    rounds: count('rounds', values.rounds, 1),
    bursts: values.bursts.split(',').map((b) => count('bursts', b, 1)),
    skipPodman: values['skip-podman'],
    logLevel: values['log-level'],
    profileDir,
  };
}

interface Row {
  figure: string;
  orca: number | undefined;
  podman: number | undefined;
  format(v: number): string;
  target: string;
}

const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

function rows(s: Settings, orca: SideResult, podman: SideResult | undefined): Row[] {
  const seqO = summarize(orca.sequential);
  const seqP = podman && summarize(podman.sequential);
  const out: Row[] = [
    { figure: 'create → Running p50 (ms)', orca: seqO.p50, podman: seqP?.p50, format: ms, target: '≤ 150' },
    { figure: 'create → Running p99 (ms)', orca: seqO.p99, podman: seqP?.p99, format: ms, target: '≤ 400' },
  ];
  const targets: Record<number, string> = { 10: '≤ 1000', 100: '≤ 10000' };
  for (const b of orca.bursts) {
    const p = podman?.bursts.find((x) => x.pods === b.pods);
    const rounds = b.rounds.length > 1 ? `, median of ${b.rounds.length} rounds` : '';
    out.push({
      figure: `${b.pods} pods at once, all Running (ms${rounds})`,
      orca: median(b.rounds),
      podman: p && median(p.rounds),
      format: ms,
      target: targets[b.pods] ?? '',
    });
  }
  const n = orca.memory.pods;
  out.push(
    {
      figure: `orca server RSS, agent included, with ${n} pods (MiB)`,
      orca: orca.memory.managerBytes,
      podman: undefined,
      format: mib,
      target: '',
    },
    {
      figure: `orca launcher helper RSS (MiB; the server's child that starts runc, conmon, mount)`,
      orca: orca.memory.helperBytes,
      podman: undefined,
      format: mib,
      target: '',
    },
    {
      figure: `conmon RSS summed with ${n} pods (MiB; processes ${orca.memory.conmon.count} / ${podman?.memory.conmon.count ?? '–'})`,
      orca: orca.memory.conmon.bytes,
      podman: podman?.memory.conmon.bytes,
      format: mib,
      target: '',
    },
  );
  void s;
  return out;
}

function median(values: number[]): number {
  return summarize(values).p50;
}

function table(s: Settings, orca: SideResult, podman: SideResult | undefined): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const header = ['figure', 'orca', 'podman', 'podman ÷ orca', 'target (orca)'];
  const body = rows(s, orca, podman).map((r) => [
    r.figure,
    r.orca === undefined ? '–' : r.format(r.orca),
    r.podman === undefined ? (r.figure.startsWith('orca ') ? 'no daemon' : '–') : r.format(r.podman),
    r.orca !== undefined && r.podman !== undefined && r.orca > 0 ? `${(r.podman / r.orca).toFixed(2)}×` : '–',
    r.target,
  ]);
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

interface Load {
  orca: number[];
  podman?: number[];
}

function notes(
  s: Settings,
  orca: SideResult,
  podman: SideResult | undefined,
  load: Load,
  podmanVersion?: string,
): string {
  const loads = (l: number[] | undefined) => (l ? l.map((x) => x.toFixed(1)).join(' → ') : '–');
  const rounds = (r: SideResult | undefined) =>
    r?.bursts.map((b) => `${b.pods}: ${b.rounds.map((x) => ms(x)).join(', ')}`).join('; ') ?? '–';
  return [
    'Notes:',
    `- One pod at a time: ${s.runs} runs after ${s.warmup} discarded warm-up runs; p99 is nearest-rank ` +
      `(of ${s.runs} runs it is the ${Math.ceil(0.99 * s.runs)}th fastest). Target: at least 2× podman on every time.`,
    '- orca: from sending the POST (HTTPS, admin client certificate, on a connection already open) until a ' +
      'watch on the namespace received the event showing phase Running and both containers running and ' +
      'ready (status patch and watch delivery included). Deleted with grace 0; the next pod starts only ' +
      "after the agent removed the pod's last state on the node.",
    '- podman: from just before spawning `podman kube play` until the newest .State.StartedAt of the ' +
      "pod's containers (infra included), as the peer baseline's bench-podman.sh measures it: the moment " +
      'podman recorded the last container running (kube play returns only after that). Removed with ' +
      '`podman pod rm -f -t 0` and `podman volume rm -f`.',
    `- Bursts: all pods created at once (orca: concurrent POSTs on warm connections; podman: concurrent ` +
      `kube play processes); the figure is until the last one started. Rounds (ms): orca ${rounds(orca)}; ` +
      `podman ${rounds(podman)}.`,
    '- Memory, 3 s after the largest burst was all Running: VmRSS of the whole `orca server` process (API ' +
      'server, store, controllers, scheduler and the node agent run in it), and separately its launcher ' +
      'helper (a small child process that starts runc, conmon and mount; most of its resident memory is ' +
      `the node binary's shared pages: its own, RssAnon, was ${mib(orca.memory.helperAnonBytes ?? 0)} MiB); ` +
      'podman has no long-lived process. conmon: VmRSS summed over ' +
      'the per-container monitors (infra/sandbox container included on both sides; shared pages count ' +
      'once per process).',
    ...(podmanVersion ? [`- ${podmanVersion}, runc; containers.conf as in the peer baseline.`] : []),
    `- Machine: ${availableParallelism()} CPUs; 1-minute load average before → after each side: orca ` +
      `${loads(load.orca)}, podman ${loads(load.podman)} (anything else running skews both sides).`,
    ...(podman ? [] : ['- podman skipped (--skip-podman).']),
  ].join('\n');
}

async function buildImage(dir: string): Promise<string> {
  const tar = join(dir, 'busybox.tar');
  await run('bash', [join(repoRoot, 'scripts', 'build-test-image.sh'), tar, benchImage]);
  return tar;
}

async function main(): Promise<void> {
  const s = settings();
  const cleanup = new Cleanup();
  const work = mkdtempSync(join(tmpdir(), 'orca-bench-pods-work-'));
  cleanup.add('work dir', async () => rmSync(work, { recursive: true, force: true }));
  await runGuarded(TIME_LIMIT_MS, cleanup, async () => {
    const imageTar = await buildImage(work);
    log('orca', 'starting a one-node cluster');
    const cluster: OrcaCluster = await startOrcaCluster({
      imageTar,
      logLevel: s.logLevel,
      ...(s.profileDir
        ? { nodeOptions: `--cpu-prof --cpu-prof-dir=${s.profileDir}`, stopGraceMs: 60_000 }
        : {}),
    });
    cleanup.add('orca cluster', () => cluster.stop());
    const load: Load = { orca: [loadavg()[0]] };
    const orca = await runOrcaSide(cluster, s);
    load.orca.push(loadavg()[0]);
    log('orca', 'stopping the cluster');
    await cluster.stop();

    let podman: SideResult | undefined;
    let podmanVersion: string | undefined;
    if (!s.skipPodman) {
      const p = new Podman(work);
      cleanup.add('podman', () => p.cleanup());
      podmanVersion = await p.prepare(imageTar);
      log('podman', podmanVersion);
      load.podman = [loadavg()[0]];
      podman = await p.measure(s);
      load.podman.push(loadavg()[0]);
    }
    console.log(table(s, orca, podman));
    console.log('');
    console.log(notes(s, orca, podman, load, podmanVersion));
  });
}

await main();
