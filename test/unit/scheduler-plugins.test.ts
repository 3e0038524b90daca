// Each filter and the least-allocated score on its own: what passes, what
// fails, and the exact reason a user would read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PodSpec } from '@kubernetes/client-node';
import { leastAllocatedScore, leastRequestedScore } from '../../src/scheduler/plugins/least-allocated.ts';
import {
  checkNodeAffinity,
  labelRequirementMatches,
  matchesNodeSelectorAndAffinity,
} from '../../src/scheduler/plugins/node-affinity.ts';
import { checkNodePorts } from '../../src/scheduler/plugins/node-ports.ts';
import { checkNodeReady, readinessTaint } from '../../src/scheduler/plugins/node-ready.ts';
import { checkResourcesFit, insufficientResources } from '../../src/scheduler/plugins/node-resources-fit.ts';
import { checkNodeUnschedulable } from '../../src/scheduler/plugins/node-unschedulable.ts';
import { checkTaints } from '../../src/scheduler/plugins/taint-toleration.ts';
import { toleratesTaint } from '../../src/scheduler/plugins/tolerations.ts';
import { hostPortsOf } from '../../src/scheduler/pod-info.ts';
import { podRequests } from '../../src/scheduler/requests.ts';
import { info, node, nodeInfo, pod, requesting } from './scheduler-fixtures.ts';

describe('NodeUnschedulable', () => {
  it('keeps pods off a cordoned node', () => {
    assert.equal(checkNodeUnschedulable([], node('n')), undefined);
    assert.deepEqual(checkNodeUnschedulable([], node('n', { unschedulable: true })), {
      plugin: 'NodeUnschedulable',
      code: 'UnschedulableAndUnresolvable',
      reasons: ['node(s) were unschedulable'],
    });
  });

  it('lets through pods that tolerate the unschedulable taint', () => {
    const tolerations = [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ];
    assert.equal(checkNodeUnschedulable(tolerations, node('n', { unschedulable: true })), undefined);
    assert.equal(
      checkNodeUnschedulable([{ operator: 'Exists' }], node('n', { unschedulable: true })),
      undefined,
    );
  });
});

describe('NodeReady', () => {
  it('passes a Ready node and reports others as upstream taints them', () => {
    assert.equal(checkNodeReady([], node('n')), undefined);
    assert.deepEqual(checkNodeReady([], node('n', { ready: 'False' }))?.reasons, [
      'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    ]);
    assert.deepEqual(checkNodeReady([], node('n', { ready: 'Unknown' }))?.reasons, [
      'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
    ]);
    assert.equal(readinessTaint(node('n', { ready: 'absent' }))?.key, 'node.kubernetes.io/unreachable');
    assert.equal(checkNodeReady([], node('n', { ready: 'False' }))?.code, 'UnschedulableAndUnresolvable');
  });

  it('lets through pods that tolerate the readiness taint, but not the default NoExecute tolerations', () => {
    const defaults = [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ];
    assert.ok(checkNodeReady(defaults, node('n', { ready: 'False' })));
    const scheduleAnyway = [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' },
    ];
    assert.equal(checkNodeReady(scheduleAnyway, node('n', { ready: 'False' })), undefined);
  });
});

describe('tolerations', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it('match by key, value and effect', () => {
    assert.ok(toleratesTaint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, taint));
    assert.ok(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu' }, taint));
    assert.ok(!toleratesTaint({ key: 'dedicated', value: 'cpu', effect: 'NoSchedule' }, taint));
    assert.ok(!toleratesTaint({ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }, taint));
  });
  it('Exists ignores the value; an empty key with Exists tolerates everything', () => {
    assert.ok(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint));
    assert.ok(toleratesTaint({ operator: 'Exists' }, taint));
    assert.ok(!toleratesTaint({ key: 'other', operator: 'Exists' }, taint));
  });
});

describe('TaintToleration', () => {
  it('reports the first untolerated NoSchedule or NoExecute taint', () => {
    const n = node('n', {
      taints: [
        { key: 'soft', effect: 'PreferNoSchedule' },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'gpu', effect: 'NoExecute' },
      ],
    });
    assert.deepEqual(checkTaints([], n), {
      plugin: 'TaintToleration',
      code: 'UnschedulableAndUnresolvable',
      reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
    });
    const tolerateControlPlane = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }];
    assert.deepEqual(checkTaints(tolerateControlPlane, n)?.reasons, [
      'node(s) had untolerated taint {dedicated: gpu}',
    ]);
  });

  it('ignores PreferNoSchedule', () => {
    assert.equal(
      checkTaints([], node('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })),
      undefined,
    );
  });
});

describe('NodeAffinity', () => {
  const labels = { zone: 'a', cores: '16', gpu: '' };
  it('evaluates every operator', () => {
    const m = (operator: string, key: string, values?: string[]) =>
      labelRequirementMatches({ key, operator, values }, labels);
    assert.ok(m('In', 'zone', ['a', 'b']));
    assert.ok(!m('In', 'zone', ['b']));
    assert.ok(!m('In', 'missing', ['a']));
    assert.ok(m('NotIn', 'zone', ['b']));
    assert.ok(m('NotIn', 'missing', ['a']));
    assert.ok(!m('NotIn', 'zone', ['a']));
    assert.ok(m('Exists', 'gpu'));
    assert.ok(!m('Exists', 'missing'));
    assert.ok(m('DoesNotExist', 'missing'));
    assert.ok(!m('DoesNotExist', 'zone'));
    assert.ok(m('Gt', 'cores', ['8']));
    assert.ok(!m('Gt', 'cores', ['16']));
    assert.ok(m('Lt', 'cores', ['32']));
    assert.ok(!m('Lt', 'zone', ['32']), 'a non-integer label never compares');
    assert.ok(!m('Gt', 'missing', ['1']));
  });

  const withAffinity = (terms: object[], extra: object = {}) =>
    ({
      containers: [],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
      },
      ...extra,
    }) as V1PodSpec;
  const n = node('node-1', { labels: { zone: 'a', disk: 'ssd' } });

  it('needs every nodeSelector label', () => {
    assert.ok(
      matchesNodeSelectorAndAffinity({ containers: [], nodeSelector: { zone: 'a', disk: 'ssd' } }, n),
    );
    assert.deepEqual(checkNodeAffinity({ containers: [], nodeSelector: { zone: 'a', disk: 'hdd' } }, n), {
      plugin: 'NodeAffinity',
      code: 'UnschedulableAndUnresolvable',
      reasons: ["node(s) didn't match Pod's node affinity/selector"],
    });
  });

  it('ORs terms, ANDs requirements within a term, and matches fields on metadata.name', () => {
    const zoneB = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] };
    const zoneAndSsd = {
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['a'] },
        { key: 'disk', operator: 'In', values: ['ssd'] },
      ],
    };
    assert.ok(matchesNodeSelectorAndAffinity(withAffinity([zoneB, zoneAndSsd]), n));
    assert.ok(!matchesNodeSelectorAndAffinity(withAffinity([zoneB]), n));
    const byName = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] };
    assert.ok(matchesNodeSelectorAndAffinity(withAffinity([byName]), n));
    const notByName = { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-1'] }] };
    assert.ok(!matchesNodeSelectorAndAffinity(withAffinity([notByName]), n));
  });

  it('selects nothing with an empty term, and needs both selector and affinity', () => {
    assert.ok(!matchesNodeSelectorAndAffinity(withAffinity([{}]), n));
    const zoneA = { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] };
    assert.ok(!matchesNodeSelectorAndAffinity(withAffinity([zoneA], { nodeSelector: { disk: 'hdd' } }), n));
  });
});

describe('NodePorts', () => {
  const holder = (hostPort: number, hostIP?: string, protocol?: string) =>
    pod(
      `h${hostPort}${hostIP ?? ''}${protocol ?? ''}`,
      {},
      { ports: [{ containerPort: 80, hostPort, hostIP, protocol }] },
    );
  const wants = (hostPort: number, hostIP?: string, protocol?: string) =>
    hostPortsOf({ containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort, hostIP, protocol }] }] });

  it('conflicts on the same protocol, port and address', () => {
    const ni = nodeInfo(node('n'), [holder(8080)]);
    assert.deepEqual(checkNodePorts(wants(8080), ni), {
      plugin: 'NodePorts',
      code: 'Unschedulable',
      reasons: ["node(s) didn't have free ports for the requested pod ports"],
    });
    assert.equal(checkNodePorts(wants(8081), ni), undefined);
    assert.equal(checkNodePorts(wants(8080, undefined, 'UDP'), ni), undefined);
  });

  it('treats 0.0.0.0 as overlapping every address', () => {
    const specific = nodeInfo(node('n'), [holder(9000, '10.0.0.1')]);
    assert.ok(checkNodePorts(wants(9000), specific), 'any-address wants a port held on one address');
    assert.ok(checkNodePorts(wants(9000, '10.0.0.1'), specific));
    assert.equal(checkNodePorts(wants(9000, '10.0.0.2'), specific), undefined);
    const any = nodeInfo(node('n'), [holder(9000)]);
    assert.ok(checkNodePorts(wants(9000, '10.0.0.2'), any), 'a port held on 0.0.0.0 blocks every address');
  });

  it('frees a port when its pod leaves, and counts sidecar ports', () => {
    const h = holder(7000);
    const ni = nodeInfo(node('n'), [h]);
    ni.removePod('default/' + h.metadata.name);
    assert.equal(checkNodePorts(wants(7000), ni), undefined);
    const sidecarPorts = hostPortsOf({
      containers: [],
      initContainers: [
        {
          name: 'side',
          restartPolicy: 'Always',
          ports: [{ containerPort: 1, hostPort: 53, protocol: 'UDP' }],
        },
        { name: 'init', ports: [{ containerPort: 1, hostPort: 54 }] },
      ],
    });
    assert.deepEqual(sidecarPorts, [{ hostIP: '0.0.0.0', protocol: 'UDP', port: 53 }]);
  });
});

describe('NodeResourcesFit', () => {
  const n = node('n', { cpu: '2', memory: '4Gi', pods: '3' });

  it('fits what allocatable leaves after the pods already there', () => {
    const ni = nodeInfo(n, [pod('a', {}, requesting('1', '2Gi'))]);
    assert.equal(checkResourcesFit(info(pod('b', {}, requesting('1', '2Gi'))).requests, ni), undefined);
    assert.deepEqual(checkResourcesFit(info(pod('c', {}, requesting('1500m', '3Gi'))).requests, ni), {
      plugin: 'NodeResourcesFit',
      code: 'Unschedulable',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
    });
  });

  it('counts pods against allocatable pods', () => {
    const ni = nodeInfo(n, [pod('a'), pod('b'), pod('c')]);
    assert.deepEqual(insufficientResources(info(pod('d')).requests, ni), ['Too many pods']);
  });

  it('lets a pod that requests nothing onto an overcommitted node', () => {
    const ni = nodeInfo(n, [pod('a', {}, requesting('3', '1Gi'))]);
    assert.deepEqual(insufficientResources(info(pod('b', {}, requesting('0', '1Gi'))).requests, ni), []);
  });

  it('checks ephemeral storage and extended resources the node may not have', () => {
    const req = podRequests({
      containers: [
        { name: 'a', resources: { requests: { 'ephemeral-storage': '1Gi', 'example.com/gpu': '1' } } },
      ],
    });
    assert.deepEqual(insufficientResources(req, nodeInfo(n)), [
      'Insufficient ephemeral-storage',
      'Insufficient example.com/gpu',
    ]);
  });
});

describe('least allocated score', () => {
  it('scores the free share after placing the pod, 0..100', () => {
    assert.equal(leastRequestedScore(0, 4000), 100);
    assert.equal(leastRequestedScore(1000, 4000), 75);
    assert.equal(leastRequestedScore(4000, 4000), 0);
    assert.equal(leastRequestedScore(5000, 4000), 0);
    assert.equal(leastRequestedScore(1, 0), 0);
  });

  it('averages cpu and memory and prefers the emptier node', () => {
    const n = node('n', { cpu: '4', memory: '4Gi' });
    const p = info(pod('p', {}, requesting('1', '2Gi')));
    // cpu (4000-1000)/4000 = 75, memory 50 → 62
    assert.equal(leastAllocatedScore(p.nonZeroRequests, nodeInfo(n)), 62);
    const busier = nodeInfo(n, [pod('q', {}, requesting('1', '1Gi'))]);
    assert.ok(leastAllocatedScore(p.nonZeroRequests, busier) < 62);
  });

  it('counts default requests for best-effort pods so they spread', () => {
    const n = node('n', { cpu: '1', memory: '1000Mi' });
    const p = info(pod('p'));
    const empty = leastAllocatedScore(p.nonZeroRequests, nodeInfo(n));
    const withOne = leastAllocatedScore(p.nonZeroRequests, nodeInfo(n, [pod('q')]));
    // cpu (1000-100)/1000 = 90, memory (1000-200)/1000 = 80
    assert.equal(empty, 85);
    assert.ok(withOne < empty);
  });

  it('leaves out a resource the node does not report', () => {
    const n = node('n', { cpu: '4', memory: '0' });
    assert.equal(
      leastAllocatedScore(info(pod('p', {}, requesting('2', '1Gi'))).nonZeroRequests, nodeInfo(n)),
      50,
    );
  });
});
