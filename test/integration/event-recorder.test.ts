// The event recorder against a real `orca server` over HTTPS: core/v1 Events
// with upstream's fields, repeats counted into one event within the window,
// a new event after it or once the old one is gone.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/object.ts';
import { resources } from '../../src/api/resources.ts';
import { EventRecorder } from '../../src/client/events.ts';
import { HttpClient } from '../../src/client/http-client.ts';
import { kubeconfigConnection } from '../../src/client/kubeconfig.ts';
import { silentLogger } from '../../src/util/log.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

const podsInfo = resources.find((r) => r.group === '' && r.kind === 'Pod')!;
const eventsInfo = resources.find((r) => r.group === '' && r.kind === 'Event')!;

describe('event recorder', () => {
  let s: OrcaServer;
  let client: HttpClient;
  let pod: KubeObject;
  const ac = new AbortController();
  let now = Date.parse('2030-01-02T03:04:05Z');
  const clock = { now: () => new Date(now) };
  let recorder: EventRecorder;
  let running: Promise<void>;

  before(async () => {
    s = await startOrca();
    client = new HttpClient({ ...kubeconfigConnection(s.kubeconfig), fieldManager: 'event-recorder-test' });
    pod = await client.create(podsInfo, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'rec', namespace: 'default' },
      spec: { nodeName: 'node-x', containers: [{ name: 'app', image: 'busybox' }] },
    });
    recorder = new EventRecorder(client, silentLogger, {
      component: 'kubelet',
      host: 'node-x',
      clock,
      aggregateWindowMs: 60_000,
    });
    running = recorder.run(ac.signal);
  });
  after(async () => {
    ac.abort();
    await running;
    client?.close();
    await s?.stop();
  });

  const eventsAbout = async (name: string, reason: string) =>
    (
      await client.list(eventsInfo, undefined, {
        fieldSelector: `involvedObject.name=${name},reason=${reason}`,
      })
    ).items;

  it('writes a core/v1 Event with the reference, source and timestamps', async () => {
    recorder.event(pod, 'Normal', 'Pulling', 'Pulling image "busybox"', {
      fieldPath: 'spec.containers{app}',
    });
    await recorder.idle();
    const [ev, ...rest] = await eventsAbout('rec', 'Pulling');
    assert.equal(rest.length, 0);
    assert.equal(ev.metadata.namespace, 'default');
    assert.match(ev.metadata.name!, /^rec\.[0-9a-f]+$/);
    assert.deepEqual(ev.involvedObject, {
      kind: 'Pod',
      namespace: 'default',
      name: 'rec',
      uid: pod.metadata.uid,
      apiVersion: 'v1',
      resourceVersion: pod.metadata.resourceVersion,
      fieldPath: 'spec.containers{app}',
    });
    assert.deepEqual(ev.source, { component: 'kubelet', host: 'node-x' });
    assert.equal(ev.reportingComponent, 'kubelet');
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.message, 'Pulling image "busybox"');
    assert.equal(ev.count, 1);
    assert.equal(ev.firstTimestamp, '2030-01-02T03:04:05Z');
    assert.equal(ev.lastTimestamp, '2030-01-02T03:04:05Z');
  });

  it('counts repeats within the window into one event, as kubectl describe shows', async () => {
    for (let i = 0; i < 3; i++) {
      now += 1000;
      recorder.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    }
    // A different message is a different event.
    recorder.event(pod, 'Warning', 'BackOff', 'Back-off pulling image "busybox"');
    await recorder.idle();
    const evs = await eventsAbout('rec', 'BackOff');
    assert.equal(evs.length, 2);
    const restarting = evs.find((e) => e.message.startsWith('Back-off restarting'))!;
    assert.equal(restarting.count, 3);
    assert.ok(restarting.lastTimestamp > restarting.firstTimestamp);
    const describe = (await s.kubectl(['describe', 'pod', 'rec'])).stdout;
    assert.match(
      describe,
      /Warning\s+BackOff\s+.*\(x3 over .*\)\s+kubelet\s+Back-off restarting failed container app/,
    );
  });

  it('starts a new event after the window, or when the old one was deleted', async () => {
    recorder.event(pod, 'Normal', 'Killing', 'Stopping container app');
    now += 61_000;
    recorder.event(pod, 'Normal', 'Killing', 'Stopping container app');
    await recorder.idle();
    const two = await eventsAbout('rec', 'Killing');
    assert.equal(two.length, 2);
    for (const e of two) await client.delete(eventsInfo, 'default', e.metadata.name!);
    recorder.event(pod, 'Normal', 'Killing', 'Stopping container app');
    await recorder.idle();
    const again = await eventsAbout('rec', 'Killing');
    assert.equal(again.length, 1);
    assert.equal(again[0].count, 1);
  });

  it('files events about cluster-scoped objects under "default"', async () => {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-x', uid: 'node-uid' },
    };
    recorder.event(node, 'Normal', 'NodeReady', 'Node node-x status is now: NodeReady');
    await recorder.idle();
    const [ev] = await eventsAbout('node-x', 'NodeReady');
    assert.equal(ev.metadata.namespace, 'default');
    assert.equal(ev.involvedObject.kind, 'Node');
    assert.equal(ev.involvedObject.namespace, undefined);
  });
});
