// `kubectl exec POD -- true` against the same kubectl doing the same
// discovery and pod GET without the exec (`kubectl get pod POD -o name`):
// the difference is what exec adds on top of kubectl's own start. Each
// command has a discovery cache of its own, warmed once before timing, and
// the two alternate (which goes first swaps each run) so drift hits both.

import { join } from 'node:path';
import { runKubectl } from '../../test/helpers/orca.ts';
import { benchPod } from './bench-pod.ts';

export interface ExecLatency {
  /** Wall time of each `kubectl exec` process, spawn to exit (ms). */
  exec: number[];
  /** Wall time of each `kubectl get pod` process (ms). */
  get: number[];
}

const commandTimeoutMs = 30_000;

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await runKubectl(args, { timeoutMs: commandTimeoutMs });
  return performance.now() - started;
}

export async function measureExecLatency(
  kubeconfig: string,
  workDir: string,
  runs: number,
): Promise<ExecLatency> {
  const exec = [
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    join(workDir, 'cache-exec'),
    'exec',
    benchPod,
    '-c',
    'web',
    '--',
    'true',
  ];
  const get = [
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    join(workDir, 'cache-get'),
    'get',
    'pod',
    benchPod,
    '-o',
    'name',
  ];
  await timed(exec);
  await timed(get);
  const out: ExecLatency = { exec: [], get: [] };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      out.exec.push(await timed(exec));
      out.get.push(await timed(get));
    } else {
      out.get.push(await timed(get));
      out.exec.push(await timed(exec));
    }
  }
  return out;
}
