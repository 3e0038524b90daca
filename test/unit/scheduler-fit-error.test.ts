// The messages a pod that fits nowhere gets, word for word as upstream's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fitErrorMessage,
  noNodesMessage,
  reasonHistogram,
  truncateMessage,
  unschedulableMessage,
} from '../../src/scheduler/fit-error.ts';
import type { FilterFailure } from '../../src/scheduler/plugins/types.ts';

const resolvable = (...reasons: string[]): FilterFailure => ({ plugin: 'X', code: 'Unschedulable', reasons });
const unresolvable = (...reasons: string[]): FilterFailure => ({
  plugin: 'X',
  code: 'UnschedulableAndUnresolvable',
  reasons,
});

describe('FailedScheduling messages', () => {
  it('counts each reason over the nodes and sorts the entries as text', () => {
    const failures = [
      resolvable('Insufficient cpu', 'Insufficient memory'),
      resolvable('Insufficient memory'),
      unresolvable("node(s) didn't match Pod's node affinity/selector"),
    ];
    assert.equal(
      reasonHistogram(failures),
      "1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient memory",
    );
  });

  it('sorts by the whole string, so 10 comes before 2', () => {
    const failures = [
      ...Array.from({ length: 10 }, () => resolvable('Too many pods')),
      resolvable('Insufficient cpu'),
      resolvable('Insufficient cpu'),
    ];
    assert.equal(reasonHistogram(failures), '10 Too many pods, 2 Insufficient cpu');
  });

  it('reads as upstream 1.32 when nothing can be preempted', () => {
    const spec = { containers: [] };
    assert.equal(
      unschedulableMessage(spec, [resolvable('Insufficient memory')]),
      '0/1 nodes are available: 1 Insufficient memory. ' +
        'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
    );
    assert.equal(
      unschedulableMessage(spec, [
        unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'),
        resolvable('Insufficient cpu'),
        resolvable('Insufficient cpu'),
      ]),
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
        '2 Insufficient cpu. preemption: 0/3 nodes are available: ' +
        '1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('says so when the pod may not preempt at all', () => {
    assert.equal(
      unschedulableMessage({ containers: [], preemptionPolicy: 'Never' }, [resolvable('Insufficient cpu')]),
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
  });

  it('has no histogram or suffix when there is nothing to say', () => {
    assert.equal(fitErrorMessage(0, []), '0/0 nodes are available:');
    assert.equal(noNodesMessage, 'no nodes available to schedule pods');
  });

  it('cuts event messages at 1024 characters', () => {
    assert.equal(truncateMessage('short'), 'short');
    const long = 'x'.repeat(2000);
    const cut = truncateMessage(long);
    assert.equal(cut.length, 1024);
    assert.ok(cut.endsWith(' ...'));
  });
});
