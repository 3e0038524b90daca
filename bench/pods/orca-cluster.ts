// A one-node orca cluster for the pod benchmark: `bin/orca server` with its
// agent, on a bridge, pod range, node name and data dir of its own, the
// benchmark image imported. stop() deletes the namespace's pods and waits
// for the agent to tear each down, stops the server by PID, removes the
// bridge and network state, and as a last resort kills what is left of the
// containers in its runtime root. Every step is bounded in time.

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type Credentials, credentialsFrom } from '../../test/helpers/api.ts';
import { tearDownNodeNetwork } from '../../test/helpers/cluster.ts';
import { orcaBin } from '../../test/helpers/orca.ts';
import { ApiClient } from '../apiserver/client.ts';

const run = promisify(execFile);
const STARTUP_MS = 30_000;
const NODE_READY_MS = 60_000;
const TEARDOWN_MS = 120_000;
const TAIL_CHARS = 16_000;

export interface ClusterOptions {
  /** docker-archive of the benchmark image, imported before the server starts. */
  imageTar: string;
  logLevel?: string;
  /** Extra NODE_OPTIONS for the server (e.g. --cpu-prof). */
  nodeOptions?: string;
  stopGraceMs?: number;
}

export interface OrcaCluster {
  /** PID of the server's node process (bin/orca execs node). */
  pid: number;
  dataDir: string;
  credentials: Credentials;
  nodeName: string;
  /** The last few KiB of the server's output. */
  tail(): string;
  /** Calls listener with each complete output line from now on; returns an unsubscribe. */
  onLine(listener: (line: string) => void): () => void;
  /** Pods the agent still holds state for (directories under data/pods). */
  podDirs(): string[];
  stop(): Promise<void>;
}

export async function startOrcaCluster(o: ClusterOptions): Promise<OrcaCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'orca-bench-pods-'));
  const dataDir = join(dir, 'data');
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const bridge = `orca-b${randomBytes(3).toString('hex')}`;
  const nodeName = `bench-${bridge.slice(6)}`;
  // A /20 of 10.200-249/8 for the cluster; the node gets its first /24 (room for 253 pods).
  const second = 200 + Math.floor(Math.random() * 50);
  const third = Math.floor(Math.random() * 16) * 16;
  const clusterCidr = `10.${second}.${third}.0/20`;
  const podCIDR = `10.${second}.${third}.0/24`;
  const pods = join(dataDir, 'pods');

  let child: ReturnType<typeof spawn> | undefined;
  let stopping: Promise<void> | undefined;
  let tail = '';
  const listeners = new Set<(line: string) => void>();
  const exited = () => child === undefined || child.exitCode !== null || child.signalCode !== null;

  const teardown = async () => {
    const deadline = Date.now() + TEARDOWN_MS;
    try {
      if (child && !exited())
        await deleteAllPods(credentialsFrom(kubeconfig), () => podDirsOf(pods), deadline);
    } catch (err) {
      console.error(`orca cluster: deleting pods failed: ${(err as Error).message}`);
    }
    if (child && !exited()) {
      const gone = new Promise<void>((r) => child!.once('exit', () => r()));
      child.kill('SIGTERM');
      const kill = setTimeout(() => child!.kill('SIGKILL'), o.stopGraceMs ?? 5_000);
      await gone;
      clearTimeout(kill);
    }
    await forceRemoveContainers(join(dataDir, 'runtime', 'runc'), dataDir);
    await tearDownNodeNetwork(dataDir, bridge, podCIDR).catch((err: unknown) =>
      console.error(`orca cluster: network teardown: ${err}`),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = () => {
    stopping ??= teardown();
    return stopping;
  };

  try {
    await run(orcaBin, ['images', 'import', '--data-dir', dataDir, o.imageTar]);
    const args = [
      'server',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--write-kubeconfig',
      kubeconfig,
      '--bridge-name',
      bridge,
      '--cluster-cidr',
      clusterCidr,
      '--node-name',
      nodeName,
      '--log-level',
      o.logLevel ?? 'info',
    ];
    const env = o.nodeOptions ? { ...process.env, NODE_OPTIONS: o.nodeOptions } : process.env;
    const proc = spawn(orcaBin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    child = proc;
    let partial = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-TAIL_CHARS);
      if (listeners.size === 0) return;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const l of listeners) l(line);
    };
    proc.stdout!.on('data', onOutput);
    proc.stderr!.on('data', onOutput);

    const deadline = Date.now() + STARTUP_MS;
    while (!existsSync(kubeconfig)) {
      if (exited() || Date.now() > deadline) throw new Error(`orca server did not start:\n${tail}`);
      await sleep(20);
    }
    const credentials = credentialsFrom(kubeconfig);
    await nodeReady(credentials, nodeName, () => tail);
    return {
      pid: proc.pid!,
      dataDir,
      credentials,
      nodeName,
      tail: () => tail,
      onLine(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      podDirs: () => podDirsOf(pods),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function podDirsOf(pods: string): string[] {
  try {
    return readdirSync(pods);
  } catch {
    return [];
  }
}

async function nodeReady(credentials: Credentials, name: string, tail: () => string): Promise<void> {
  const client = new ApiClient(credentials);
  try {
    const deadline = Date.now() + NODE_READY_MS;
    while (Date.now() < deadline) {
      const reply = await client.request('GET', `/api/v1/nodes/${name}`);
      if (reply.status === 200) {
        const node = JSON.parse(reply.text);
        const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
        if (ready?.status === 'True' && node.spec?.podCIDR) return;
      }
      await sleep(100);
    }
    throw new Error(`node ${name} not Ready within ${NODE_READY_MS / 1000} s:\n${tail()}`);
  } finally {
    client.close();
  }
}

/** Deletes every pod in every namespace (grace 0) and waits until the agent has torn all of them down. */
async function deleteAllPods(credentials: Credentials, podDirs: () => string[], deadline: number) {
  const client = new ApiClient(credentials);
  try {
    const list = await client.expect(200, 'GET', '/api/v1/pods');
    await Promise.all(
      (list.items as { metadata: { namespace: string; name: string } }[]).map((p) =>
        client.request('DELETE', `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`, {
          gracePeriodSeconds: 0,
        }),
      ),
    );
    while (podDirs().length > 0 && Date.now() < deadline) await sleep(100);
    if (podDirs().length > 0) console.error(`orca cluster: ${podDirs().length} pods not torn down in time`);
  } finally {
    client.close();
  }
}

/**
 * The last resort when the agent could not tear pods down: kill and delete
 * every container in the runtime's own root, kill their monitors by PID, and
 * lazily unmount whatever is still mounted under the data dir.
 */
async function forceRemoveContainers(runcRoot: string, dataDir: string): Promise<void> {
  if (!existsSync(runcRoot)) return;
  const ids = readdirSync(runcRoot);
  if (ids.length > 0) console.error(`orca cluster: force-removing ${ids.length} containers left behind`);
  for (const id of ids) {
    await run('runc', [`--root=${runcRoot}`, 'delete', '--force', id]).catch(() => undefined);
  }
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('conmon') && args.some((a) => a.includes(dataDir)))
        process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m?.startsWith(dataDir) === true)
    .reverse();
  for (const m of mounts) await run('umount', ['--lazy', m]).catch(() => undefined);
}
