// A throwaway single-member etcd for tests and benchmarks: loopback only,
// free ports picked at start, its own temporary data directory. stop() kills
// it by PID and removes the directory.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ETCD_BINARY = '/usr/bin/etcd';
const HEALTHY_WITHIN_MS = 30_000;
const STOP_GRACE_MS = 5_000;
// Another process may grab a port between our probe and etcd's bind.
const START_ATTEMPTS = 3;

export interface EtcdServer {
  /** The client URL, e.g. http://127.0.0.1:41234. */
  endpoint: string;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const dataDir = await mkdtemp(join(tmpdir(), 'orca-etcd-'));
    try {
      return await startOnce(dataDir);
    } catch (err) {
      lastError = err;
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function startOnce(dataDir: string): Promise<EtcdServer> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const name = `orca-test-${clientPort}`;
  const child = spawn(
    ETCD_BINARY,
    [
      `--name=${name}`,
      `--data-dir=${join(dataDir, 'data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${name}=${peer}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${name}`,
      '--logger=zap',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await kill(child, exited);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(client, child, () => stderr);
  } catch (err) {
    await kill(child, exited);
    throw err;
  }
  return { endpoint: client, stop };
}

async function waitHealthy(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`etcd at ${endpoint} not healthy within ${HEALTHY_WITHIN_MS} ms: ${stderr()}`);
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const grace = new AbortController();
  const timedOut = sleep(STOP_GRACE_MS, true, { signal: grace.signal }).catch(() => false);
  const mustKill = await Promise.race([exited.then(() => false), timedOut]);
  grace.abort();
  if (mustKill) {
    child.kill('SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
