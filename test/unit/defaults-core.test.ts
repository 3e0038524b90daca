import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assignClusterIPs,
  carryOverServiceAllocations,
  serviceAllocationNeeds,
} from '../../src/api/defaults/index.ts';
import { defaulted, type Obj } from './api-fixtures.ts';

const create = { operation: 'create' } as const;

function service(spec: Obj): Obj {
  return { metadata: { name: 'web', namespace: 'default' }, spec };
}

describe('service defaults', () => {
  test('ClusterIP service', () => {
    const s = defaulted(
      'v1',
      'Service',
      service({
        selector: { app: 'web' },
        ports: [{ port: 80 }, { port: 443, targetPort: 'https', name: 'https' }],
      }),
      create,
    );
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
    assert.equal(s.spec.ports[1].targetPort, 'https');
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.deepEqual(s.status, { loadBalancer: {} });
  });

  test('NodePort and LoadBalancer services', () => {
    const np = defaulted('v1', 'Service', service({ type: 'NodePort', ports: [{ port: 80 }] }), create);
    assert.equal(np.spec.externalTrafficPolicy, 'Cluster');
    const lb = defaulted('v1', 'Service', service({ type: 'LoadBalancer', ports: [{ port: 80 }] }), create);
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  });

  test('ClientIP affinity gets a three-hour timeout', () => {
    const s = defaulted(
      'v1',
      'Service',
      service({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }),
      create,
    );
    assert.deepEqual(s.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });

  test('headless services', () => {
    const withSelector = defaulted(
      'v1',
      'Service',
      service({ clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] }),
      create,
    );
    assert.deepEqual(withSelector.spec.clusterIPs, ['None']);
    assert.equal(withSelector.spec.ipFamilyPolicy, 'SingleStack');
    const selectorless = defaulted('v1', 'Service', service({ clusterIP: 'None' }), create);
    assert.equal(selectorless.spec.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(selectorless.spec.ipFamilies, ['IPv4', 'IPv6']);
  });

  test('ExternalName services get no IP families', () => {
    const s = defaulted(
      'v1',
      'Service',
      service({ type: 'ExternalName', externalName: 'db.example.com' }),
      create,
    );
    assert.equal(s.spec.ipFamilyPolicy, undefined);
    assert.equal(s.spec.ipFamilies, undefined);
    assert.equal(s.spec.internalTrafficPolicy, undefined);
  });

  test('allocation hooks: what to allocate, and recording it', () => {
    const s = defaulted(
      'v1',
      'Service',
      service({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30081 }] }),
      create,
    );
    assert.deepEqual(serviceAllocationNeeds(s), {
      clusterIPFamilies: ['IPv4'],
      requestedClusterIPs: [],
      nodePortIndexes: [0],
      healthCheckNodePort: false,
    });
    assignClusterIPs(s, ['10.43.0.12']);
    assert.equal(s.spec.clusterIP, '10.43.0.12');
    assert.deepEqual(s.spec.clusterIPs, ['10.43.0.12']);
    const fixed = defaulted(
      'v1',
      'Service',
      service({ clusterIP: '10.43.0.50', ports: [{ port: 80 }] }),
      create,
    );
    assert.deepEqual(serviceAllocationNeeds(fixed).requestedClusterIPs, ['10.43.0.50']);
    const headless = defaulted('v1', 'Service', service({ clusterIP: 'None', selector: { a: 'b' } }), create);
    assert.deepEqual(serviceAllocationNeeds(headless).clusterIPFamilies, []);
  });

  test('a replace that omits allocated values keeps them', () => {
    const old = service({
      type: 'NodePort',
      clusterIP: '10.43.0.7',
      clusterIPs: ['10.43.0.7'],
      ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
    });
    const next = service({ type: 'NodePort', ports: [{ port: 80 }] });
    carryOverServiceAllocations(next, old);
    assert.equal(next.spec.clusterIP, '10.43.0.7');
    assert.equal(next.spec.ports[0].nodePort, 30080);
  });
});

describe('other core defaults', () => {
  test('Namespace', () => {
    const ns = defaulted('v1', 'Namespace', { metadata: { name: 'team-a' } }, create);
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'team-a' });
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  test('Namespace finalizer is not re-added on update', () => {
    const ns = {
      metadata: { name: 'team-a', resourceVersion: '9', labels: {} },
      spec: { finalizers: [] },
      status: { phase: 'Terminating' },
    };
    defaulted('v1', 'Namespace', ns);
    assert.deepEqual(ns.spec.finalizers, []);
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name' as keyof object], 'team-a');
  });

  test('Secret: type Opaque and stringData folded into data', () => {
    const s = defaulted(
      'v1',
      'Secret',
      { metadata: { name: 's', namespace: 'default' }, data: { a: 'eA==' }, stringData: { b: 'hello' } },
      create,
    );
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { a: 'eA==', b: 'aGVsbG8=' });
    assert.equal(s.stringData, undefined);
  });

  test('PersistentVolumeClaim', () => {
    const pvc = defaulted(
      'v1',
      'PersistentVolumeClaim',
      {
        metadata: { name: 'data', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0.5Gi' } } },
      },
      create,
    );
    assert.equal(pvc.spec.volumeMode, 'Filesystem');
    assert.equal(pvc.spec.resources.requests.storage, '512Mi');
    assert.deepEqual(pvc.status, { phase: 'Pending' });
  });

  test('Node: allocatable defaults to capacity', () => {
    const node = defaulted('v1', 'Node', {
      metadata: { name: 'n1' },
      status: { capacity: { cpu: '4', memory: '8388608Ki', pods: '110' } },
    });
    assert.deepEqual(node.status.allocatable, { cpu: '4', memory: '8Gi', pods: '110' });
  });

  test('Endpoints and EndpointSlice ports default to TCP', () => {
    const ep = defaulted('v1', 'Endpoints', {
      metadata: { name: 'web', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 80 }] }],
    });
    assert.equal(ep.subsets[0].ports[0].protocol, 'TCP');
    const slice = defaulted('discovery.k8s.io/v1', 'EndpointSlice', {
      metadata: { name: 'web-1', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [],
      ports: [{ port: 80 }],
    });
    assert.deepEqual(slice.ports[0], { port: 80, name: '', protocol: 'TCP' });
  });
});
