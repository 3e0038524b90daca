import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPullPolicy } from '../../src/api/defaults/index.ts';
import { container, defaulted, pod } from './api-fixtures.ts';

const create = { operation: 'create' } as const;

describe('pod defaults', () => {
  test('pod spec fields', () => {
    const p = defaulted('v1', 'Pod', pod(), create);
    const spec = p.spec;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.deepEqual(spec.securityContext, {});
    assert.equal(spec.enableServiceLinks, true);
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.priority, 0);
    assert.equal(spec.preemptionPolicy, 'PreemptLowerPriority');
  });

  test('given values are kept', () => {
    const p = defaulted(
      'v1',
      'Pod',
      pod({
        restartPolicy: 'Never',
        dnsPolicy: 'Default',
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        serviceAccountName: 'builder',
      }),
      create,
    );
    assert.equal(p.spec.restartPolicy, 'Never');
    assert.equal(p.spec.dnsPolicy, 'Default');
    assert.equal(p.spec.terminationGracePeriodSeconds, 0);
    assert.equal(p.spec.enableServiceLinks, false);
    assert.equal(p.spec.serviceAccount, 'builder');
  });

  test('the deprecated serviceAccount field fills serviceAccountName', () => {
    const p = defaulted('v1', 'Pod', pod({ serviceAccount: 'legacy' }), create);
    assert.equal(p.spec.serviceAccountName, 'legacy');
  });

  test('not-ready and unreachable tolerations of 300s are added', () => {
    const p = defaulted('v1', 'Pod', pod(), create);
    assert.deepEqual(p.spec.tolerations, [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ]);
  });

  test('an existing toleration for the taint is left alone', () => {
    const own = {
      key: 'node.kubernetes.io/not-ready',
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 5,
    };
    const p = defaulted('v1', 'Pod', pod({ tolerations: [own] }), create);
    assert.deepEqual(
      p.spec.tolerations.map((t: { key: string }) => t.key),
      ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'],
    );
    assert.equal(p.spec.tolerations[0].tolerationSeconds, 5);
    const all = defaulted('v1', 'Pod', pod({ tolerations: [{ operator: 'Exists' }] }), create);
    assert.equal(all.spec.tolerations.length, 1);
  });

  test('built-in priority classes set their priority', () => {
    const p = defaulted('v1', 'Pod', pod({ priorityClassName: 'system-node-critical' }), create);
    assert.equal(p.spec.priority, 2000001000);
  });

  test('status starts Pending with a QoS class', () => {
    const p = defaulted('v1', 'Pod', pod(), create);
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });

  test('on update, no admission defaults or status are added', () => {
    const p = pod();
    p.metadata.resourceVersion = '5';
    defaulted('v1', 'Pod', p);
    assert.equal(p.spec.serviceAccountName, undefined);
    assert.equal(p.status, undefined);
    assert.equal(p.spec.priority, undefined);
  });

  test('host network pods publish container ports on the host', () => {
    const p = defaulted(
      'v1',
      'Pod',
      pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 8080 }] })] }),
      create,
    );
    assert.equal(p.spec.containers[0].ports[0].hostPort, 8080);
  });
});

describe('container defaults', () => {
  test('termination message, ports, resources', () => {
    const p = defaulted(
      'v1',
      'Pod',
      pod({ containers: [container({ ports: [{ containerPort: 80 }] })] }),
      create,
    );
    const c = p.spec.containers[0];
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.ports[0].protocol, 'TCP');
    assert.deepEqual(c.resources, {});
  });

  test('image pull policy follows the tag', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('localhost:5000/team/app'), 'Always');
    assert.equal(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('localhost:5000/app:v2'), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`nginx@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
    assert.equal(defaultPullPolicy(`nginx:latest@sha256:${'a'.repeat(64)}`), 'Always');
    const p = defaulted(
      'v1',
      'Pod',
      pod({ initContainers: [container({ name: 'init', image: 'busybox' })] }),
      create,
    );
    assert.equal(p.spec.initContainers[0].imagePullPolicy, 'Always');
    assert.equal(p.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  });

  test('requests default to limits, canonicalised', () => {
    const res = { limits: { cpu: '0.5', memory: '128Mi' }, requests: { memory: '64Mi' } };
    const p = defaulted('v1', 'Pod', pod({ containers: [container({ resources: res })] }), create);
    assert.deepEqual(p.spec.containers[0].resources, {
      limits: { cpu: '500m', memory: '128Mi' },
      requests: { memory: '64Mi', cpu: '500m' },
    });
    assert.equal(p.status.qosClass, 'Burstable');
  });

  test('resource values round up to milli-units', () => {
    const p = defaulted(
      'v1',
      'Pod',
      pod({ containers: [container({ resources: { requests: { cpu: '0.0001' } } })] }),
      create,
    );
    assert.equal(p.spec.containers[0].resources.requests.cpu, '1m');
  });

  test('probes and lifecycle HTTP actions', () => {
    const probe = { httpGet: { port: 8080 } };
    const p = defaulted(
      'v1',
      'Pod',
      pod({
        containers: [
          container({
            livenessProbe: probe,
            readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 3 },
            lifecycle: { preStop: { httpGet: { port: 80 } } },
          }),
        ],
      }),
      create,
    );
    const c = p.spec.containers[0];
    assert.deepEqual(c.livenessProbe, {
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.readinessProbe.periodSeconds, 3);
    assert.deepEqual(c.lifecycle.preStop.httpGet, { port: 80, path: '/', scheme: 'HTTP' });
  });

  test('downward API env gets apiVersion v1', () => {
    const env = [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
    const p = defaulted('v1', 'Pod', pod({ containers: [container({ env })] }), create);
    assert.equal(p.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion, 'v1');
  });
});

describe('volume defaults', () => {
  test('sources', () => {
    const volumes = [
      { name: 'scratch' },
      { name: 'cfg', configMap: { name: 'c' } },
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'host', hostPath: { path: '/var/log' } },
      { name: 'info', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      { name: 'cache', emptyDir: { sizeLimit: '1024Mi' } },
    ];
    const p = defaulted('v1', 'Pod', pod({ volumes }), create);
    const [scratch, cfg, sec, host, info, token, cache] = p.spec.volumes;
    assert.deepEqual(scratch, { name: 'scratch', emptyDir: {} });
    assert.equal(cfg.configMap.defaultMode, 420);
    assert.equal(sec.secret.defaultMode, 420);
    assert.equal(host.hostPath.type, '');
    assert.equal(info.downwardAPI.defaultMode, 420);
    assert.equal(info.downwardAPI.items[0].fieldRef.apiVersion, 'v1');
    assert.equal(token.projected.defaultMode, 420);
    assert.equal(token.projected.sources[0].serviceAccountToken.expirationSeconds, 3600);
    assert.equal(cache.emptyDir.sizeLimit, '1Gi');
  });
});
