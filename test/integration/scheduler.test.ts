// The scheduler inside a real `orca server` (agent disabled, so the nodes
// are Node objects this test registers itself): pods are bound by least
// allocation, constraints keep them off nodes that do not suit them, and a
// pod that fits nowhere stays Pending with upstream's condition and event
// until a node that fits appears.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { api, type Credentials, credentialsFrom } from '../helpers/api.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

// biome-ignore lint/suspicious/noExplicitAny: API objects as decoded JSON
type Obj = Record<string, any>;

interface Cluster {
  s: OrcaServer;
  c: Credentials;
}

async function cluster(t: TestContext): Promise<Cluster> {
  const s = await startOrca();
  t.after(() => s.stop());
  return { s, c: credentialsFrom(s.kubeconfig) };
}

interface NodeSpec {
  name: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Obj[];
}

function nodeObject(n: NodeSpec): Obj {
  const allocatable = {
    cpu: n.cpu ?? '4',
    memory: n.memory ?? '8Gi',
    pods: n.pods ?? '110',
    'ephemeral-storage': '50Gi',
  };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...n.labels } },
    spec: n.taints ? { taints: n.taints } : {},
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
    },
  };
}

async function addNode({ c }: Cluster, n: NodeSpec): Promise<void> {
  const r = await api(c, 'POST', '/api/v1/nodes', nodeObject(n));
  assert.equal(r.status, 201, r.text);
}

async function addPod({ c }: Cluster, name: string, spec: Obj = {}, container: Obj = {}): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'busybox', ...container }], ...spec },
  };
  const r = await api(c, 'POST', '/api/v1/namespaces/default/pods', body);
  assert.equal(r.status, 201, r.text);
}

const requests = (cpu: string, memory: string) => ({ resources: { requests: { cpu, memory } } });

async function getPod({ c }: Cluster, name: string): Promise<Obj> {
  return (await api(c, 'GET', `/api/v1/namespaces/default/pods/${name}`)).json();
}

async function eventually<T>(
  f: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: condition not met; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const nodeOf = async (k: Cluster, name: string) =>
  eventually(
    async () => (await getPod(k, name)).spec?.nodeName as string | undefined,
    (n) => n !== undefined,
    `pod ${name} bound`,
  );

function podScheduled(pod: Obj): Obj | undefined {
  return (pod.status?.conditions ?? []).find((c: Obj) => c.type === 'PodScheduled');
}

/** Waits until the pod carries PodScheduled=False/Unschedulable and returns that condition's message. */
async function unschedulableMessage(k: Cluster, name: string): Promise<string> {
  const pod = await eventually(
    () => getPod(k, name),
    (p) => podScheduled(p)?.reason === 'Unschedulable',
    `pod ${name} marked unschedulable`,
  );
  assert.equal(pod.spec.nodeName, undefined);
  assert.equal(pod.status.phase, 'Pending');
  const cond = podScheduled(pod)!;
  assert.equal(cond.status, 'False');
  return cond.message;
}

async function eventsFor({ c }: Cluster, name: string): Promise<Obj[]> {
  const sel = encodeURIComponent(`involvedObject.name=${name},involvedObject.kind=Pod`);
  return (await api(c, 'GET', `/api/v1/namespaces/default/events?fieldSelector=${sel}`)).json().items;
}

describe('scheduler', () => {
  it('spreads pods across two nodes by least allocation and records Scheduled events', async (t) => {
    const k = await cluster(t);
    await addNode(k, { name: 'node-a' });
    await addNode(k, { name: 'node-b' });
    const names = ['w1', 'w2', 'w3', 'w4'];
    for (const n of names) {
      await addPod(k, n, {}, requests('1', '1Gi'));
      await nodeOf(k, n); // one at a time, so each decision sees the previous binding
    }
    const placed = await Promise.all(names.map((n) => nodeOf(k, n)));
    assert.equal(placed.filter((n) => n === 'node-a').length, 2, `placement ${placed}`);
    assert.equal(placed.filter((n) => n === 'node-b').length, 2, `placement ${placed}`);
    // Least allocated: after any pod lands, the next goes to the other, emptier node.
    assert.notEqual(placed[0], placed[1]);
    assert.notEqual(placed[2], placed[3]);

    const w1 = await getPod(k, 'w1');
    assert.equal(podScheduled(w1)?.status, 'True');
    const events = await eventually(
      () => eventsFor(k, 'w1'),
      (e) => e.some((x) => x.reason === 'Scheduled'),
      'Scheduled event',
    );
    const ev = events.find((x) => x.reason === 'Scheduled')!;
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.message, `Successfully assigned default/w1 to ${placed[0]}`);
    assert.equal(ev.source.component, 'default-scheduler');
    assert.equal(ev.reportingComponent, 'default-scheduler');
    assert.equal(ev.involvedObject.uid, w1.metadata.uid);
    assert.equal(ev.count, 1);
  });

  it('keeps a pod that fits nowhere Pending, explains why, and binds it when a big enough node joins', async (t) => {
    const k = await cluster(t);
    await addNode(k, { name: 'small-1', memory: '4Gi' });
    await addNode(k, { name: 'small-2', memory: '4Gi' });
    await addPod(k, 'big', {}, requests('100m', '16Gi'));

    const expected = '0/2 nodes are available: 2 Insufficient memory.';
    const message = await unschedulableMessage(k, 'big');
    assert.ok(message.startsWith(expected), message);
    // Upstream (1.32) adds what preemption made of it.
    assert.equal(
      message,
      `${expected} preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.`,
    );

    const failed = (
      await eventually(
        () => eventsFor(k, 'big'),
        (e) => e.some((x) => x.reason === 'FailedScheduling'),
        'FailedScheduling event',
      )
    ).find((x) => x.reason === 'FailedScheduling')!;
    assert.equal(failed.type, 'Warning');
    assert.equal(failed.message, message);
    assert.equal(failed.source.component, 'default-scheduler');
    assert.equal(failed.involvedObject.kind, 'Pod');
    assert.equal(failed.involvedObject.namespace, 'default');

    const describe = (await k.s.kubectl(['describe', 'pod', 'big'])).stdout;
    assert.match(describe, /PodScheduled\s+False/);
    assert.match(
      describe,
      /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: 2 Insufficient memory\./,
    );
    const events = (await k.s.kubectl(['get', 'events'])).stdout;
    assert.match(
      events,
      /Warning\s+FailedScheduling\s+pod\/big\s+0\/2 nodes are available: 2 Insufficient memory\./,
    );

    // A change on a node retries the pod; the same verdict counts into the same event.
    const r = await api(
      k.c,
      'PATCH',
      '/api/v1/nodes/small-1',
      { metadata: { labels: { touched: 'yes' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(r.status, 200, r.text);
    const counted = await eventually(
      () => eventsFor(k, 'big'),
      (e) => e.some((x) => x.reason === 'FailedScheduling' && x.count >= 2),
      'FailedScheduling counted twice',
    );
    assert.equal(counted.filter((x) => x.reason === 'FailedScheduling').length, 1);

    await addNode(k, { name: 'large', memory: '64Gi' });
    assert.equal(await nodeOf(k, 'big'), 'large');
    const pod = await getPod(k, 'big');
    assert.equal(podScheduled(pod)?.status, 'True');
    await eventually(
      () => eventsFor(k, 'big'),
      (e) =>
        e.some((x) => x.reason === 'Scheduled' && x.message === 'Successfully assigned default/big to large'),
      'Scheduled event after the node joined',
    );
  });

  it('honours nodeSelector and required node affinity', async (t) => {
    const k = await cluster(t);
    await addNode(k, { name: 'ssd', labels: { disk: 'ssd', size: '10' } });
    await addNode(k, { name: 'hdd', labels: { disk: 'hdd', size: '3' } });
    await addPod(k, 'wants-ssd', { nodeSelector: { disk: 'ssd' } });
    assert.equal(await nodeOf(k, 'wants-ssd'), 'ssd');

    const bigDisk = {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'size', operator: 'Lt', values: ['5'] }] }],
          },
        },
      },
    };
    await addPod(k, 'wants-small', bigDisk);
    assert.equal(await nodeOf(k, 'wants-small'), 'hdd');

    await addPod(k, 'wants-nvme', { nodeSelector: { disk: 'nvme' } });
    assert.equal(
      await unschedulableMessage(k, 'wants-nvme'),
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
  });

  it('keeps pods off tainted and cordoned nodes unless they tolerate them', async (t) => {
    const k = await cluster(t);
    await addNode(k, {
      name: 'control',
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    await addNode(k, { name: 'gpu', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] });
    await addNode(k, { name: 'soft', taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] });
    const cordon = await api(
      k.c,
      'PATCH',
      '/api/v1/nodes/soft',
      { spec: { unschedulable: true } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(cordon.status, 200, cordon.text);

    await addPod(k, 'plain');
    assert.equal(
      await unschedulableMessage(k, 'plain'),
      '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, ' +
        '1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
        '1 node(s) were unschedulable. ' +
        'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );

    await addPod(k, 'gpu-job', {
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }],
    });
    assert.equal(await nodeOf(k, 'gpu-job'), 'gpu');

    // A pod tolerating the unschedulable taint (as DaemonSet pods do) may use a cordoned node;
    // PreferNoSchedule never keeps it off.
    await addPod(k, 'daemon', {
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
      nodeSelector: { 'kubernetes.io/hostname': 'soft' },
    });
    assert.equal(await nodeOf(k, 'daemon'), 'soft');

    // Uncordoning is a node change: the waiting pod is retried and lands there.
    const uncordon = await api(
      k.c,
      'PATCH',
      '/api/v1/nodes/soft',
      { spec: { unschedulable: false } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(uncordon.status, 200, uncordon.text);
    assert.equal(await nodeOf(k, 'plain'), 'soft');
  });

  it('never gives two pods the same host port on one node, and retries when a holder goes', async (t) => {
    const k = await cluster(t);
    await addNode(k, { name: 'p1' });
    await addNode(k, { name: 'p2' });
    const port = { ports: [{ containerPort: 80, hostPort: 8080 }] };
    await addPod(k, 'port-a', {}, port);
    await addPod(k, 'port-b', {}, port);
    const a = await nodeOf(k, 'port-a');
    const b = await nodeOf(k, 'port-b');
    assert.notEqual(a, b);

    // Another protocol on the same port is no conflict.
    await addPod(k, 'port-udp', {}, { ports: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }] });
    await nodeOf(k, 'port-udp');

    await addPod(k, 'port-c', {}, port);
    assert.equal(
      await unschedulableMessage(k, 'port-c'),
      "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. " +
        'preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );

    const del = await api(k.c, 'DELETE', '/api/v1/namespaces/default/pods/port-a', { gracePeriodSeconds: 0 });
    assert.ok(del.status === 200 || del.status === 202, del.text);
    assert.equal(await nodeOf(k, 'port-c'), a);
  });

  it('reports "no nodes available" with no nodes at all, then schedules once one registers', async (t) => {
    const k = await cluster(t);
    await addPod(k, 'early');
    assert.equal(await unschedulableMessage(k, 'early'), 'no nodes available to schedule pods');
    await addNode(k, { name: 'late' });
    assert.equal(await nodeOf(k, 'early'), 'late');
  });

  it('binds a burst of 100 pods, spread over both nodes', async (t) => {
    const k = await cluster(t);
    await addNode(k, { name: 'burst-a', cpu: '64', memory: '256Gi', pods: '200' });
    await addNode(k, { name: 'burst-b', cpu: '64', memory: '256Gi', pods: '200' });
    const names = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
    const started = Date.now();
    await Promise.all(names.map((n) => addPod(k, n)));
    const pods = await eventually(
      async () =>
        (await api(k.c, 'GET', '/api/v1/namespaces/default/pods'))
          .json()
          .items.filter((p: Obj) => p.metadata.name.startsWith('burst-')) as Obj[],
      (items) => items.length === 100 && items.every((p) => p.spec.nodeName),
      'all 100 pods bound',
    );
    t.diagnostic(`100 pods created and bound in ${Date.now() - started} ms`);
    const onA = pods.filter((p) => p.spec.nodeName === 'burst-a').length;
    t.diagnostic(`burst-a ${onA}, burst-b ${100 - onA}`);
    // Assumed pods count at once, so the burst cannot pile onto one node.
    assert.ok(onA >= 40 && onA <= 60, `burst-a got ${onA} of 100`);
  });
});
