// A second node joins with `orca agent --server URL --token-file FILE` and
// runs the pods scheduled to it; a wrong token is refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PodNetwork } from '../../src/network/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { leftovers, startCluster, testImage } from '../helpers/cluster.ts';
import { orcaBin } from '../helpers/orca.ts';

describe('orca agent', () => {
  it('joins a cluster with the join token and runs pods bound to its node', async (t) => {
    const c = await startCluster();
    const dir = mkdtempSync(join(tmpdir(), 'orca-agent-'));
    const bridge = `orca-j${randomBytes(3).toString('hex')}`;
    const node = `join-${bridge.slice(6)}`;
    const tokenFile = join(c.dataDir, 'server', 'token');
    let output = '';
    // The test image is imported into the new node's store first.
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const tar = join(dir, 'img.tar');
    await promisify(execFile)('bash', ['scripts/build-test-image.sh', tar, testImage]);
    await promisify(execFile)(orcaBin, ['images', 'import', '--data-dir', join(dir, 'data'), tar]);
    const agent = spawn(
      orcaBin,
      [
        'agent',
        '--server',
        c.url,
        '--token-file',
        tokenFile,
        '--data-dir',
        join(dir, 'data'),
        '--node-name',
        node,
        '--bridge-name',
        bridge,
        // Any free port: two runs at once must not collide on 10250.
        '--kubelet-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent.stdout!.on('data', (d) => (output += d));
    agent.stderr!.on('data', (d) => (output += d));
    let podCIDR = '';
    t.after(async () => {
      await c.kubectl(['delete', 'pod', 'on-joined', '--grace-period=0', '--force', '--wait=true'], {
        allowFail: true,
      });
      for (
        let i = 0;
        i < 100 && (await c.kubectl(['get', 'pod', 'on-joined'], { allowFail: true })).code === 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
      if (podCIDR) {
        const net = new PodNetwork({
          bridgeName: bridge,
          podCIDR,
          stateDir: join(dir, 'data', 'network'),
          clusterDNS: ['10.43.0.10'],
          clusterDomain: 'cluster.local',
          logger: silentLogger,
        });
        await net.teardownAll().catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
      await c.stopCluster();
      assert.deepEqual(await leftovers(c), []);
    });
    for (
      let i = 0;
      i < 300 && (await c.kubectl(['get', 'node', node], { allowFail: true })).code !== 0;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await c
      .kubectl(['wait', `node/${node}`, '--for=condition=Ready', '--timeout=60s'], { allowFail: false })
      .catch(async (e) => {
        throw new Error(`${e}\nagent output:\n${output}`);
      });
    podCIDR = (await c.kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).stdout;
    assert.match(podCIDR, /^10\.\d+\.\d+\.0\/24$/);
    const lease = await c.kubectl([
      'get',
      'lease',
      node,
      '-n',
      'kube-node-lease',
      '-o',
      'jsonpath={.spec.holderIdentity}',
    ]);
    assert.equal(lease.stdout, node);
    await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata:
  name: on-joined
spec:
  nodeSelector: { kubernetes.io/hostname: ${node} }
  containers:
  - name: c
    image: ${testImage}
    command: ["sleep", "3600"]
`,
    });
    await c.kubectl(['wait', 'pod/on-joined', '--for=condition=Ready', '--timeout=60s']);
    const where = await c.kubectl([
      'get',
      'pod',
      'on-joined',
      '-o',
      'jsonpath={.spec.nodeName} {.status.podIP}',
    ]);
    const [boundTo, ip] = where.stdout.split(' ');
    assert.equal(boundTo, node);
    assert.ok(ip.startsWith(podCIDR.split('.').slice(0, 3).join('.')), `${ip} in ${podCIDR}`);
  });

  it('refuses a token whose CA hash does not match the server', async () => {
    const { startOrca } = await import('../helpers/orca.ts');
    const s = await startOrca();
    try {
      const bad = `K10${'0'.repeat(64)}::secret`;
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(
          orcaBin,
          ['agent', '--server', s.url, '--token', bad, '--data-dir', join(s.dir, 'agent')],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        p.stderr!.on('data', (d) => (out += d));
        p.on('exit', (code) => resolve({ code, out }));
      });
      assert.equal(r.code, 1);
      assert.match(r.out, /does not match the join token/);
    } finally {
      await s.stop();
    }
  });
});
