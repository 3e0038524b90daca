// Real pods through the real kubectl on a real server and agent: shared
// network and volumes, init containers, restart policies, scheduling
// failures, pulls from a loopback registry, and an agent restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { type Cluster, leftovers, startCluster, testImage } from '../helpers/cluster.ts';
import { startRegistry } from '../helpers/registry.ts';

async function until<T>(what: string, f: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await f();
    if (ok(last)) return last;
    if (Date.now() > end) throw new Error(`${what}: not met in time; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function httpGet(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return res.text();
}

describe('pods on a real node', () => {
  let c: Cluster;
  const pod = async (name: string) => parse((await c.kubectl(['get', 'pod', name, '-o', 'yaml'])).stdout);
  const apply = (yaml: string) => c.kubectl(['apply', '-f', '-'], { input: yaml });

  before(async () => {
    c = await startCluster();
  });
  after(async () => {
    await c?.stopCluster();
    if (c) assert.deepEqual(await leftovers(c), []);
  });

  it('runs a web server and a sidecar that share localhost and an emptyDir', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  volumes:
  - name: www
    emptyDir: {}
  containers:
  - name: web
    image: ${testImage}
    command: ["sh", "-c", "echo original > /www/seed.html; exec httpd -f -p 8080 -h /www"]
    volumeMounts: [{ name: www, mountPath: /www }]
  - name: fetcher
    image: ${testImage}
    command: ["sh", "-c", "while true; do wget -q -O /tmp/page http://localhost:8080/seed.html && cp /tmp/page /www/copied.html; sleep 1; done"]
    volumeMounts: [{ name: www, mountPath: /www }]
`);
    await c.kubectl(['wait', 'pod/shared', '--for=condition=Ready', '--timeout=60s']);
    const p = await pod('shared');
    assert.match(p.status.podIP, /^10\./);
    assert.equal(p.status.phase, 'Running');
    const copied = await until(
      'sidecar copy served',
      () => httpGet(`http://${p.status.podIP}:8080/copied.html`).catch(() => ''),
      (t) => t.includes('original'),
    );
    assert.equal(copied.trim(), 'original');
    const table = await c.kubectl(['get', 'pod', 'shared']);
    assert.match(table.stdout, /shared\s+2\/2\s+Running\s+0/);
  });

  it('runs init containers one at a time, in order, before the app containers', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: inits
spec:
  volumes: [{ name: work, emptyDir: {} }]
  initContainers:
  - name: first
    image: ${testImage}
    command: ["sh", "-c", "sleep 1; echo first >> /work/order.txt"]
    volumeMounts: [{ name: work, mountPath: /work }]
  - name: second
    image: ${testImage}
    command: ["sh", "-c", "test -f /work/order.txt && echo second >> /work/order.txt"]
    volumeMounts: [{ name: work, mountPath: /work }]
  containers:
  - name: app
    image: ${testImage}
    command: ["sh", "-c", "echo app >> /work/order.txt; exec httpd -f -p 8081 -h /work"]
    volumeMounts: [{ name: work, mountPath: /work }]
`);
    const early = await c.kubectl(['get', 'pod', 'inits']);
    assert.match(early.stdout, /Init:0\/2|Init:1\/2|PodInitializing|Pending/);
    await c.kubectl(['wait', 'pod/inits', '--for=condition=Ready', '--timeout=60s']);
    const p = await pod('inits');
    assert.equal(await httpGet(`http://${p.status.podIP}:8081/order.txt`), 'first\nsecond\napp\n');
    const [first, second] = p.status.initContainerStatuses;
    assert.equal(first.state.terminated.reason, 'Completed');
    assert.equal(second.state.terminated.exitCode, 0);
    assert.ok(
      new Date(p.status.containerStatuses[0].state.running.startedAt) >=
        new Date(second.state.terminated.finishedAt),
    );
  });

  it('applies each restart policy to a crashing container', async () => {
    const crash = (name: string, policy: string, code: number) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  restartPolicy: ${policy}
  containers:
  - name: c
    image: ${testImage}
    command: ["sh", "-c", "sleep 0.3; exit ${code}"]
`;
    await apply(
      [
        crash('always', 'Always', 1),
        crash('onfailure-ok', 'OnFailure', 0),
        crash('onfailure-bad', 'OnFailure', 2),
        crash('never', 'Never', 1),
      ].join('---\n'),
    );
    const always = await until(
      'Always restarts into CrashLoopBackOff',
      () => pod('always'),
      (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
    );
    const cs = always.status.containerStatuses[0];
    assert.ok(cs.restartCount >= 1);
    assert.equal(cs.lastState.terminated.exitCode, 1);
    assert.equal(cs.lastState.terminated.reason, 'Error');
    assert.match(cs.state.waiting.message, /back-off 10s restarting failed container=c pod=always_default/);
    const ok = await until(
      'OnFailure with exit 0 succeeds',
      () => pod('onfailure-ok'),
      (p) => p.status.phase === 'Succeeded',
    );
    assert.equal(ok.status.containerStatuses[0].restartCount, 0);
    assert.equal(ok.status.containerStatuses[0].state.terminated.reason, 'Completed');
    await until(
      'OnFailure with exit 2 restarts',
      () => pod('onfailure-bad'),
      (p) => p.status.containerStatuses?.[0]?.restartCount >= 1,
    );
    const never = await until(
      'Never fails',
      () => pod('never'),
      (p) => p.status.phase === 'Failed',
    );
    assert.equal(never.status.containerStatuses[0].restartCount, 0);
    assert.equal(never.status.containerStatuses[0].state.terminated.exitCode, 1);
    const table = (await c.kubectl(['get', 'pods'])).stdout;
    assert.match(table, /never\s+0\/1\s+Error\s+0/);
    assert.match(table, /onfailure-ok\s+0\/1\s+Completed\s+0/);
    await c.kubectl([
      'delete',
      'pod',
      'always',
      'onfailure-ok',
      'onfailure-bad',
      'never',
      '--grace-period=1',
    ]);
  });

  it('leaves a pod that fits nowhere Pending with a FailedScheduling event', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  containers:
  - name: c
    image: ${testImage}
    resources: { requests: { memory: 1000Gi } }
`);
    const ev = await until(
      'FailedScheduling event',
      async () =>
        (
          await c.kubectl([
            'get',
            'events',
            '--field-selector',
            'involvedObject.name=huge,reason=FailedScheduling',
            '-o',
            'jsonpath={.items[*].message}',
          ])
        ).stdout,
      (m) => m.length > 0,
    );
    assert.match(ev, /^0\/1 nodes are available: 1 Insufficient memory\./);
    const p = await pod('huge');
    assert.equal(p.status.phase, 'Pending');
    const cond = p.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    await c.kubectl(['delete', 'pod', 'huge']);
  });

  it('pulls an image from a registry on loopback', async (t) => {
    const registry = await startRegistry();
    t.after(() => registry.stop());
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const tar = `${c.dir}/pull.tar`;
    await promisify(execFile)('bash', ['scripts/build-test-image.sh', tar, 'localhost/pulled:v1']);
    await registry.push(`docker-archive:${tar}`, 'team/pulled:v1');
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: pulled
spec:
  containers:
  - name: c
    image: ${registry.host}/team/pulled:v1
    command: ["sleep", "3600"]
`);
    await c.kubectl(['wait', 'pod/pulled', '--for=condition=Ready', '--timeout=60s']);
    const p = await pod('pulled');
    assert.match(p.status.containerStatuses[0].imageID, /sha256:[0-9a-f]{64}/);
    const events = (
      await c.kubectl([
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=pulled',
        '-o',
        'jsonpath={range .items[*]}{.reason}:{.message}{"\\n"}{end}',
      ])
    ).stdout;
    assert.match(events, /Pulling:Pulling image "127\.0\.0\.1:\d+\/team\/pulled:v1"/);
    assert.match(events, /Pulled:Successfully pulled image/);
    await c.kubectl(['delete', 'pod', 'pulled', '--grace-period=1']);
  });

  it('reports a missing image as ErrImagePull / ImagePullBackOff', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: noimage
spec:
  containers:
  - name: c
    image: localhost:1/does/not-exist:v1
`);
    const p = await until(
      'pull failure',
      () => pod('noimage'),
      (x) =>
        /ErrImagePull|ImagePullBackOff/.test(x.status.containerStatuses?.[0]?.state?.waiting?.reason ?? ''),
    );
    assert.equal(p.status.phase, 'Pending');
    await c.kubectl(['delete', 'pod', 'noimage']);
  });

  it('keeps pods running, with the same containers and IPs, across an agent restart', async () => {
    const before = await pod('shared');
    const ids = before.status.containerStatuses.map((s: { containerID: string }) => s.containerID).sort();
    await c.restart({ kill: true });
    await c.kubectl(['wait', 'node', '--all', '--for=condition=Ready', '--timeout=60s']);
    // Let the restarted agent look at its pods at least once.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await pod('shared');
    assert.equal(after.status.podIP, before.status.podIP);
    assert.deepEqual(
      after.status.containerStatuses.map((s: { containerID: string }) => s.containerID).sort(),
      ids,
    );
    for (const s of after.status.containerStatuses) assert.equal(s.restartCount, 0);
    assert.equal((await httpGet(`http://${after.status.podIP}:8080/seed.html`)).trim(), 'original');
  });

  it('deletes a pod: containers stopped, sandbox, network and mounts gone', async () => {
    const p = await pod('inits');
    await c.kubectl(['delete', 'pod', 'inits', '--grace-period=1']);
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
    assert.ok(!stdout.includes(p.metadata.uid.slice(0, 16)), 'network namespace removed');
    const { readFileSync } = await import('node:fs');
    assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(p.metadata.uid), 'no mounts of the pod remain');
  });
});
