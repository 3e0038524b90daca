// Throughput through one `kubectl port-forward` process into the bench pod:
// downloads from its httpd (each checked against the pod's own sha256sum) and
// uploads into its sink (checked the same way afterwards), with one or
// several connections at once. Each transfer also notes the CPU seconds the
// orca server, kubectl and this process (the client, hashing) spent on it.

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import type { Cluster } from '../../test/helpers/cluster.ts';
import { benchPod, httpPort, repeatedDigest, sinkPort, takeUploads } from './bench-pod.ts';

export interface Transfer {
  direction: 'download' | 'upload';
  connections: number;
  /** Bytes moved, all connections together. */
  bytes: number;
  seconds: number;
  cpu: { server: number; kubectl: number; client: number };
}

export interface PortForward {
  pid: number;
  /** Local port kubectl listens on for each pod port. */
  local: Map<number, number>;
  stop(): Promise<void>;
}

const startTimeoutMs = 30_000;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Starts `kubectl port-forward pod/NAME :8080 :9000` and waits for both local ports. */
export async function startPortForward(kubeconfig: string, cacheDir: string): Promise<PortForward> {
  const child: ChildProcess = spawn(
    '/usr/bin/kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      cacheDir,
      'port-forward',
      `pod/${benchPod}`,
      `:${httpPort}`,
      `:${sinkPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const local = new Map<number, number>();
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`port-forward not ready:\n${output}`)), startTimeoutMs);
      const onData = (d: Buffer) => {
        output += d;
        for (const m of output.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g))
          local.set(Number(m[2]), Number(m[1]));
        if (local.has(httpPort) && local.has(sinkPort)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d) => (output += d));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`port-forward exited:\n${output}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, local, stop };
}

function download(port: number): Promise<{ bytes: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/big', agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET /big answered ${res.statusCode}`));
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      res.once('end', () => resolve({ bytes, digest: hash.digest('hex') }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
}

/** Sends `bytes` of `block` repeated, half-closes, and returns once the pod side closed (the sink stored it all). */
async function upload(port: number, block: Buffer, bytes: number): Promise<void> {
  const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const closed = new Promise<void>((resolve, reject) => {
    s.once('close', () => resolve());
    s.once('error', reject);
  });
  await once(s, 'connect');
  s.resume();
  for (let left = bytes; left > 0; left -= block.length) {
    if (!s.write(left >= block.length ? block : block.subarray(0, left))) await once(s, 'drain');
  }
  s.end();
  await closed;
}

async function measured(
  pf: PortForward,
  serverPid: number,
  work: () => Promise<number>,
): Promise<Omit<Transfer, 'direction' | 'connections'>> {
  const server0 = cpuSeconds(serverPid);
  const kubectl0 = cpuSeconds(pf.pid);
  const client0 = process.cpuUsage();
  const started = performance.now();
  const bytes = await work();
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(client0);
  return {
    bytes,
    seconds,
    cpu: {
      server: cpuSeconds(serverPid) - server0,
      kubectl: cpuSeconds(pf.pid) - kubectl0,
      client: (client.user + client.system) / 1e6,
    },
  };
}

/** `want` is the served file's sha256 as the pod computes it (servedDigest). */
export async function measureDownload(
  cluster: Cluster,
  pf: PortForward,
  connections: number,
  want: string,
): Promise<Transfer> {
  let digests: string[] = [];
  const m = await measured(pf, cluster.process.pid!, async () => {
    const results = await Promise.all(
      Array.from({ length: connections }, () => download(pf.local.get(httpPort)!)),
    );
    digests = results.map((r) => r.digest);
    return results.reduce((sum, r) => sum + r.bytes, 0);
  });
  for (const d of digests) if (d !== want) throw new Error(`download digest ${d}, the pod has ${want}`);
  return { direction: 'download', connections, ...m };
}

export async function measureUpload(
  cluster: Cluster,
  pf: PortForward,
  connections: number,
  bytesEach: number,
): Promise<Transfer> {
  const block = randomBytes(1 << 20);
  const want = repeatedDigest(block, bytesEach);
  await takeUploads(cluster);
  const m = await measured(pf, cluster.process.pid!, async () => {
    await Promise.all(
      Array.from({ length: connections }, () => upload(pf.local.get(sinkPort)!, block, bytesEach)),
    );
    return connections * bytesEach;
  });
  const got = await takeUploads(cluster);
  if (got.length !== connections || got.some((d) => d !== want))
    throw new Error(`uploads stored with digests [${got.join(', ')}], expected ${connections} × ${want}`);
  return { direction: 'upload', connections, ...m };
}
