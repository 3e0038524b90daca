// logs, exec, port-forward and cp with the real kubectl against real pods.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster, testImage } from '../helpers/cluster.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('pod streams through kubectl', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster();
    await c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  volumes: [{ name: www, emptyDir: {} }]
  containers:
  - name: web
    image: ${testImage}
    command: ["sh", "-c", "dd if=/dev/urandom of=/www/big bs=1M count=25 2>/dev/null; echo ready; exec httpd -f -p 8080 -h /www"]
    volumeMounts: [{ name: www, mountPath: /www }]
  - name: ticker
    image: ${testImage}
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]
---
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: c
    image: ${testImage}
    command: ["sh", "-c", "echo run $RANDOM$RANDOM; sleep 0.5; exit 1"]
`,
    });
    await c.kubectl(['wait', 'pod/app', '--for=condition=Ready', '--timeout=60s']);
  });
  after(async () => {
    await c?.stopCluster();
  });

  it('shows logs of one container, with --tail and --timestamps', async () => {
    // The container counts as ready as soon as it runs; its first line comes once dd is done.
    let out = await c.kubectl(['logs', 'app', '-c', 'web']);
    for (let i = 0; i < 100 && out.stdout === ''; i++) {
      await sleep(100);
      out = await c.kubectl(['logs', 'app', '-c', 'web']);
    }
    assert.equal(out.stdout, 'ready\n');
    await sleep(800);
    const tail = await c.kubectl(['logs', 'app', '-c', 'ticker', '--tail=2', '--timestamps']);
    const lines = tail.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z tick \d+$/);
    // Without -c, kubectl itself picks the first container and says so.
    const multi = await c.kubectl(['logs', 'app']);
    assert.equal(multi.stdout, 'ready\n');
    assert.match(multi.stderr, /Defaulted container "web" out of: web, ticker/);
  });

  it('follows logs as lines are written', async () => {
    const follower = spawn(
      '/usr/bin/kubectl',
      ['--kubeconfig', c.kubeconfig, 'logs', '-f', 'app', '-c', 'ticker', '--tail=1'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let got = '';
    follower.stdout.on('data', (d) => (got += d));
    await sleep(1500);
    follower.kill();
    const ticks = got
      .trim()
      .split('\n')
      .map((l) => Number(l.replace('tick ', '')));
    assert.ok(ticks.length >= 4, `got ${got}`);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i], ticks[i - 1] + 1);
  });

  it('shows the previous instance after a crash with --previous', async () => {
    for (let i = 0; i < 100; i++) {
      const r = await c.kubectl([
        'get',
        'pod',
        'crasher',
        '-o',
        'jsonpath={.status.containerStatuses[0].restartCount}',
      ]);
      if (Number(r.stdout) >= 1) break;
      await sleep(200);
    }
    const prev = await c.kubectl(['logs', 'crasher', '--previous']);
    assert.match(prev.stdout, /^run \d+\n$/);
    const cur = await c.kubectl(['logs', 'crasher']);
    assert.match(cur.stdout, /^run \d+\n$/);
    assert.notEqual(prev.stdout, cur.stdout);
  });

  it('returns the exit code of a command run with exec, and 127 for a missing one', async () => {
    const r = await c.kubectl(
      ['exec', 'app', '-c', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'],
      { allowFail: true },
    );
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err/);
    const env = await c.kubectl(['exec', 'app', '-c', 'web', '--', 'hostname']);
    assert.equal(env.stdout.trim(), 'app');
    const missing = await c.kubectl(['exec', 'app', '-c', 'web', '--', 'no-such-command'], {
      allowFail: true,
    });
    assert.ok(missing.code === 127 || missing.code === 126, `exit ${missing.code}: ${missing.stderr}`);
    const stdin = await c.kubectl(['exec', '-i', 'app', '-c', 'web', '--', 'cat'], { input: 'piped\n' });
    assert.equal(stdin.stdout, 'piped\n');
  });

  it('gives a working terminal with exec -it (driven through tmux)', async (t) => {
    const session = `orca-it-${process.pid}`;
    const socket = join(c.dir, 'tmux.sock');
    const tmux = (...args: string[]) => run('tmux', ['-S', socket, ...args]);
    t.after(() => tmux('kill-server').catch(() => undefined));
    await tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '100',
      '-y',
      '30',
      `KUBECONFIG=${c.kubeconfig} kubectl exec -it app -c web -- sh`,
    );
    await sleep(1500);
    await tmux('send-keys', '-t', session, 'stty size; echo $((6*7))', 'Enter');
    await sleep(800);
    const screen = (await tmux('capture-pane', '-p', '-t', session)).stdout;
    assert.match(screen, /30 100/);
    assert.match(screen, /\n42\s*\n/);
    await tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    await sleep(500);
    await tmux('send-keys', '-t', session, 'stty size', 'Enter');
    await sleep(800);
    assert.match((await tmux('capture-pane', '-p', '-t', session)).stdout, /40 120/);
  });

  it('port-forwards several parallel connections moving 100 MB intact', async () => {
    const port = await freePort();
    const pf = spawn(
      '/usr/bin/kubectl',
      ['--kubeconfig', c.kubeconfig, 'port-forward', 'pod/app', `${port}:8080`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        pf.stdout.on('data', (d) => String(d).includes('Forwarding from') && resolve());
        pf.once('exit', (code) => reject(new Error(`port-forward exited ${code}`)));
      });
      const want = (
        await c.kubectl(['exec', 'app', '-c', 'web', '--', 'sha256sum', '/www/big'])
      ).stdout.split(' ')[0];
      const fetches = Array.from({ length: 4 }, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/big`);
        return createHash('sha256')
          .update(Buffer.from(await res.arrayBuffer()))
          .digest('hex');
      });
      for (const got of await Promise.all(fetches)) assert.equal(got, want);
    } finally {
      pf.kill();
    }
  });

  it('copies a directory into a container and back with kubectl cp', async () => {
    const src = join(c.dir, 'cp-src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub', 'b.txt'), 'beta\n');
    await c.kubectl(['cp', src, 'app:/tmp/copied', '-c', 'web']);
    const inside = await c.kubectl([
      'exec',
      'app',
      '-c',
      'web',
      '--',
      'cat',
      '/tmp/copied/a.txt',
      '/tmp/copied/sub/b.txt',
    ]);
    assert.equal(inside.stdout, 'alpha\nbeta\n');
    const back = join(c.dir, 'cp-back');
    await c.kubectl(['cp', 'app:/tmp/copied', back, '-c', 'web']);
    assert.equal(readFileSync(join(back, 'sub', 'b.txt'), 'utf8'), 'beta\n');
  });

  it('answers exec into a missing container with a clear error', async () => {
    const r = await c.kubectl(['exec', 'app', '-c', 'nope', '--', 'true'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container nope is not valid for pod app|container not found \("nope"\)/);
  });
});
