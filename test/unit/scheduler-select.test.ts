// Whole decisions over the cache: the best node wins, ties go either way,
// assumed pods count at once (so a burst spreads), and pods the informer
// reports bound, finished or deleted update the nodes they sit on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerCache } from '../../src/scheduler/cache.ts';
import { podInfo } from '../../src/scheduler/pod-info.ts';
import { schedulingRelevantChange } from '../../src/scheduler/scheduler.ts';
import { selectNode } from '../../src/scheduler/select-node.ts';
import { node, pod, requesting } from './scheduler-fixtures.ts';

function cacheWith(...nodes: ReturnType<typeof node>[]): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.setNode(n);
  return c;
}

describe('selectNode', () => {
  it('picks the least allocated node that passes every filter', () => {
    const c = cacheWith(
      node('busy'),
      node('idle'),
      node('tainted', { taints: [{ key: 'k', effect: 'NoSchedule' }] }),
    );
    c.updatePod(pod('running', { nodeName: 'busy' }, requesting('2', '4Gi'), { phase: 'Running' }));
    const d = selectNode(podInfo(pod('new', {}, requesting('1', '1Gi'))), c.nodeInfos());
    assert.equal(d.kind, 'fit');
    assert.equal(d.kind === 'fit' && d.node, 'idle');
    assert.equal(d.kind === 'fit' && d.feasible, 2);
  });

  it('breaks ties at random', () => {
    const c = cacheWith(node('a'), node('b'), node('c'));
    const p = podInfo(pod('p'));
    // random() * ties < 1 replaces the pick: always 0 takes the last tie, always 0.99 keeps the first.
    assert.equal((selectNode(p, c.nodeInfos(), { random: () => 0 }) as { node: string }).node, 'c');
    assert.equal((selectNode(p, c.nodeInfos(), { random: () => 0.99 }) as { node: string }).node, 'a');
  });

  it('explains a pod that fits nowhere, one reason per node', () => {
    const c = cacheWith(node('a', { memory: '1Gi' }), node('b', { unschedulable: true }));
    const d = selectNode(podInfo(pod('p', {}, requesting('100m', '2Gi'))), c.nodeInfos());
    assert.equal(d.kind, 'unschedulable');
    assert.equal(
      d.kind === 'unschedulable' && d.message,
      '0/2 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable. ' +
        'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, ' +
        '1 Preemption is not helpful for scheduling.',
    );
  });

  it('says there are no nodes when there are none', () => {
    const d = selectNode(podInfo(pod('p')), []);
    assert.deepEqual(d, { kind: 'noNodes', message: 'no nodes available to schedule pods' });
  });
});

describe('scheduler cache', () => {
  function burst(assume: boolean, random: () => number): Map<string, number> {
    const c = cacheWith(node('a', { cpu: '64', memory: '256Gi' }), node('b', { cpu: '64', memory: '256Gi' }));
    const placed = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const p = podInfo(pod(`p${i}`, {}, requesting('500m', '1Gi')));
      const d = selectNode(p, c.nodeInfos(), { random });
      assert.equal(d.kind, 'fit');
      if (d.kind !== 'fit') break;
      if (assume) c.assume(p, d.node);
      placed.set(d.node, (placed.get(d.node) ?? 0) + 1);
    }
    return placed;
  }

  it('spreads a burst because assumed pods count at once', () => {
    for (const random of [() => 0, () => 0.99, Math.random]) {
      const placed = burst(true, random);
      const a = placed.get('a') ?? 0;
      // Scores are whole numbers, so a one-pod difference can still tie; never by much.
      assert.ok(Math.abs(a - (100 - a)) <= 10, `a=${a}`);
    }
    // Without assuming, every decision sees the same empty nodes.
    assert.equal(burst(false, () => 0.99).get('a'), 100);
  });

  it('does not double-book: an assumed pod fills the node until forgotten', () => {
    const c = cacheWith(node('only', { cpu: '1' }));
    const first = podInfo(pod('first', {}, requesting('1', '1Gi')));
    c.assume(first, 'only');
    assert.equal(
      selectNode(podInfo(pod('second', {}, requesting('1', '1Gi'))), c.nodeInfos()).kind,
      'unschedulable',
    );
    c.forget(first.key);
    assert.equal(selectNode(podInfo(pod('second', {}, requesting('1', '1Gi'))), c.nodeInfos()).kind, 'fit');
  });

  it('keeps an assumed pod through stale informer updates and confirms it when bound', () => {
    const c = cacheWith(node('n'));
    const p = pod('p', {}, requesting('1', '1Gi'));
    c.assume(podInfo(p), 'n');
    c.updatePod(p); // an update from before the binding: still unbound
    assert.equal(c.nodeInfo('n')!.requested.milliCpu, 1000);
    c.updatePod(pod('p', { nodeName: 'n' }, requesting('1', '1Gi')));
    assert.equal(c.isAssumed('default/p'), false);
    c.forget('default/p'); // confirmed pods are not dropped by a late forget
    assert.equal(c.nodeInfo('n')!.requested.milliCpu, 1000);
    assert.equal(c.nodeInfo('n')!.pods.size, 1);
  });

  it('frees what finished and deleted pods held', () => {
    const c = cacheWith(node('n'));
    c.updatePod(pod('done', { nodeName: 'n' }, requesting('1', '1Gi'), { phase: 'Running' }));
    c.updatePod(pod('gone', { nodeName: 'n' }, requesting('1', '1Gi'), { phase: 'Running' }));
    assert.equal(c.nodeInfo('n')!.requested.milliCpu, 2000);
    c.updatePod(pod('done', { nodeName: 'n' }, requesting('1', '1Gi'), { phase: 'Succeeded' }));
    c.removePod(pod('gone'));
    assert.equal(c.nodeInfo('n')!.requested.milliCpu, 0);
    assert.equal(c.nodeInfo('n')!.pods.size, 0);
  });

  it('stops offering a deleted node but remembers pods still bound to it', () => {
    const c = cacheWith(node('n'), node('m'));
    c.updatePod(pod('p', { nodeName: 'n' }, requesting('3', '1Gi'), { phase: 'Running' }));
    c.removeNode('n');
    assert.deepEqual(
      c.nodeInfos().map((n) => n.name),
      ['m'],
    );
    c.setNode(node('n'));
    assert.equal(c.nodeInfo('n')!.requested.milliCpu, 3000, 'the node comes back with its pods counted');
  });
});

describe('node updates', () => {
  it('retry waiting pods only for changes that can affect where pods fit', () => {
    const base = node('n');
    const heartbeat = structuredClone(base);
    heartbeat.status.conditions[0].lastHeartbeatTime = '2030-01-01T00:00:00Z';
    assert.equal(schedulingRelevantChange(base, heartbeat), false);
    assert.ok(schedulingRelevantChange(base, node('n', { labels: { disk: 'ssd' } })));
    assert.ok(schedulingRelevantChange(base, node('n', { taints: [{ key: 'k', effect: 'NoSchedule' }] })));
    assert.ok(schedulingRelevantChange(base, node('n', { unschedulable: true })));
    assert.ok(schedulingRelevantChange(base, node('n', { memory: '16Gi' })));
    assert.ok(schedulingRelevantChange(node('n', { ready: 'False' }), base));
  });
});
