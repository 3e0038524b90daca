// A one-node cluster with a real agent for pod tests: `orca server` with its
// own bridge, pod range and data dir, the test image imported. stop() deletes
// every pod (so the agent tears each one down), stops the server, then removes
// the bridge and any network state left, and checks nothing leaked.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PodNetwork } from '../../src/network/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { type OrcaServer, repoRoot, startOrca } from './orca.ts';

const run = promisify(execFile);
export const testImage = 'localhost/busybox:1.35';

export interface Cluster extends OrcaServer {
  bridge: string;
  podCIDR: string;
  dataDir: string;
  /** Restarts the server (and its agent) on the same data dir, as after a crash when `kill` is set. */
  restart(opts?: { kill?: boolean }): Promise<void>;
  stopCluster(): Promise<void>;
}

let imageTar: string | undefined;
async function testImageTar(): Promise<string> {
  if (imageTar && existsSync(imageTar)) return imageTar;
  const dir = join(tmpdir(), 'orca-test-image');
  mkdirSync(dir, { recursive: true });
  const tar = join(dir, `busybox-${process.pid}.tar`);
  await run('bash', [join(repoRoot, 'scripts', 'build-test-image.sh'), tar, testImage]);
  imageTar = tar;
  // One archive per test process, removed when it exits.
  process.once('exit', () => rmSync(tar, { force: true }));
  return tar;
}

export async function startCluster(extraArgs: string[] = []): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'orca-cluster-'));
  const dataDir = join(dir, 'data');
  const bridge = `orca-t${randomBytes(3).toString('hex')}`;
  const second = 200 + Math.floor(Math.random() * 50);
  const third = Math.floor(Math.random() * 250);
  // A /20 of our own: the node gets its first /24.
  const clusterCidr = `10.${second}.${third & 0xf0}.0/20`;
  const podCIDR = `10.${second}.${third & 0xf0}.0/24`;
  const args = [
    '--bridge-name',
    bridge,
    '--cluster-cidr',
    clusterCidr,
    '--node-name',
    `node-${bridge.slice(6)}`,
    ...extraArgs,
  ];
  let started: OrcaServer | undefined;
  try {
    const tar = await testImageTar();
    await run(join(repoRoot, 'bin', 'orca'), ['images', 'import', '--data-dir', dataDir, tar]);
    started = await startOrca({ dir, agent: true, extraArgs: args });
    // The agent registers its node a moment after the API answers: wait for it to exist, then to be Ready.
    const node = `node/node-${bridge.slice(6)}`;
    for (let i = 0; (await started.kubectl(['get', node], { allowFail: true })).code !== 0; i++) {
      if (i >= 600) throw new Error(`${node} was not registered within a minute:\n${started.logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await started.kubectl(['wait', node, '--for=condition=Ready', '--timeout=60s']);
  } catch (err) {
    // Nothing of a half-started cluster may stay behind.
    await started?.stop();
    await tearDownNodeNetwork(dataDir, bridge, podCIDR).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let server: OrcaServer = started;
  const cluster: Cluster = Object.assign(Object.create(null), server, {
    bridge,
    podCIDR,
    dataDir,
    async restart(opts: { kill?: boolean } = {}) {
      if (opts.kill) server.process.kill('SIGKILL');
      await server.stop();
      server = await startOrca({ dir, agent: true, extraArgs: args });
      Object.assign(cluster, server);
    },
    async stopCluster() {
      try {
        await server.kubectl(
          [
            'delete',
            'pods',
            '--all',
            '--all-namespaces',
            '--grace-period=0',
            '--force',
            '--wait=true',
            '--timeout=60s',
          ],
          { allowFail: true },
        );
        // The agent confirms each deletion only after tearing the pod down.
        for (let i = 0; i < 300; i++) {
          const left = await server.kubectl(['get', 'pods', '-A', '-o', 'name'], { allowFail: true });
          if (left.stdout.trim() === '') break;
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await server.stop();
        await tearDownNodeNetwork(dataDir, bridge, podCIDR).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
  return cluster;
}

/** Mounts, network namespaces and processes a finished test must not leave. */
export async function leftovers(cluster: Pick<Cluster, 'dataDir' | 'bridge'>): Promise<string[]> {
  const out: string[] = [];
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.includes(cluster.dataDir));
  if (mounts.length) out.push(`mounts: ${mounts.join('; ')}`);
  const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
  if (links.includes(`${cluster.bridge}:`)) out.push(`bridge ${cluster.bridge}`);
  const { stdout: procs } = await run('ps', ['-eo', 'pid,stat,args']);
  for (const line of procs.split('\n'))
    if (line.includes(cluster.dataDir) && !/\sZ/.test(line)) out.push(`process: ${line.trim()}`);
  return out;
}

/**
 * Removes what a test node's network left on the host (pod namespaces, the
 * bridge, the range's rules, leases) once its server has stopped, from the
 * state under the node's data dir.
 */
export function tearDownNodeNetwork(dataDir: string, bridgeName: string, podCIDR: string): Promise<void> {
  return new PodNetwork({
    bridgeName,
    podCIDR,
    stateDir: join(dataDir, 'network'),
    clusterDNS: ['10.43.0.10'],
    clusterDomain: 'cluster.local',
    logger: silentLogger,
  }).teardownAll();
}
