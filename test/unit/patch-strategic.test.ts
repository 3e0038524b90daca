// Strategic merge patches as kubectl 1.32 sends them (bodies from
// shared/kubectl-traces), applied to stored objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch } from '../../src/api/patch/index.ts';
import { isStatusError, type StatusError } from '../../src/api/status.ts';

const smp = 'application/strategic-merge-patch+json';
const podCtx = { apiVersion: 'v1', kind: 'Pod' };
const deployCtx = { apiVersion: 'apps/v1', kind: 'Deployment' };

// biome-ignore lint/suspicious/noExplicitAny: test objects are read freely
type Any = any;

function storedPod(): Any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web' },
      finalizers: ['example.com/a'],
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n',
      },
    },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.27',
          ports: [
            { containerPort: 80, protocol: 'TCP' },
            { containerPort: 443, protocol: 'TCP', name: 'https' },
          ],
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '1' },
          ],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
        },
        { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
      ],
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      restartPolicy: 'Always',
    },
  };
}

function storedDeployment(): Any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: {} }] },
      },
    },
  };
}

const names = (list: Any[]) => list.map((c) => c.name);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

describe('strategic merge patch: bodies kubectl sends', () => {
  test('kubectl patch adds a label and keeps the others', () => {
    const out: Any = applyPatch(smp, storedPod(), { metadata: { labels: { a: 'b' } } }, podCtx);
    assert.deepEqual(out.metadata.labels, { app: 'web', a: 'b' });
  });

  test('kubectl apply changes one image, keeping the container fields the config does not mention', () => {
    const body = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' } },
      spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [{ image: 'nginx:1.28', name: 'nginx' }],
      },
    };
    const before = storedPod();
    const out: Any = applyPatch(smp, before, body, podCtx);
    assert.equal(out.spec.containers[0].image, 'nginx:1.28');
    assert.deepEqual(out.spec.containers[0].ports, before.spec.containers[0].ports);
    assert.equal(out.spec.containers[0].terminationMessagePath, '/dev/termination-log');
    assert.deepEqual(out.spec.containers[1], before.spec.containers[1]);
    assert.equal(
      out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'],
      '{"new":true}\n',
    );
    assert.equal(before.spec.containers[0].image, 'nginx:1.27', 'the stored object is not mutated');
  });

  test('kubectl set image on a deployment (trace body)', () => {
    const body = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }],
            containers: [{ image: 'nginx:1.28', name: 'nginx' }],
          },
        },
      },
    };
    const out: Any = applyPatch(smp, storedDeployment(), body, deployCtx);
    assert.deepEqual(out.spec.template.spec.containers, [
      { name: 'nginx', image: 'nginx:1.28', resources: {} },
    ]);
    assert.equal(out.spec.replicas, 2);
  });

  test('kubectl rollout restart adds a template annotation (trace body)', () => {
    const body = {
      spec: {
        template: {
          metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T17:28:18Z' } },
        },
      },
    };
    const out: Any = applyPatch(smp, storedDeployment(), body, deployCtx);
    assert.deepEqual(out.spec.template.metadata, {
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-22T17:28:18Z' },
    });
  });
});

describe('strategic merge patch: lists with a merge key', () => {
  test('containers merge by name; the container not in the patch stays where it was', () => {
    const out: Any = applyPatch(
      smp,
      storedPod(),
      { spec: { containers: [{ name: 'sidecar', image: 'alpine' }] } },
      podCtx,
    );
    assert.deepEqual(names(out.spec.containers), ['nginx', 'sidecar']);
    assert.equal(out.spec.containers[1].image, 'alpine');
    assert.deepEqual(out.spec.containers[1].args, ['sleep', '3600']);
  });

  test('a new container without an order directive comes first, as upstream orders it', () => {
    const out: Any = applyPatch(
      smp,
      storedPod(),
      { spec: { containers: [{ name: 'new', image: 'redis' }] } },
      podCtx,
    );
    assert.deepEqual(names(out.spec.containers), ['new', 'nginx', 'sidecar']);
  });

  test('$setElementOrder puts containers in the given order, new ones included', () => {
    const body = {
      spec: {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'extra' }, { name: 'nginx' }],
        containers: [{ name: 'extra', image: 'redis' }],
      },
    };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(names(out.spec.containers), ['sidecar', 'extra', 'nginx']);
  });

  test('$setElementOrder without a patch list only reorders', () => {
    const body = { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(names(out.spec.containers), ['sidecar', 'nginx']);
    assert.equal(out.spec.containers[1].image, 'nginx:1.27');
  });

  test('env merges by name', () => {
    const body = {
      spec: {
        containers: [
          {
            name: 'nginx',
            env: [
              { name: 'B', value: '2' },
              { name: 'C', value: '3' },
            ],
          },
        ],
      },
    };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    const env = out.spec.containers[0].env;
    assert.deepEqual(
      env.find((e: Any) => e.name === 'B'),
      { name: 'B', value: '2' },
    );
    assert.deepEqual(env.map((e: Any) => e.name).sort(), ['A', 'B', 'C']);
  });

  test('ports merge by containerPort', () => {
    const body = { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 443, name: 'tls' }] }] } };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(out.spec.containers[0].ports, [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 443, protocol: 'TCP', name: 'tls' },
    ]);
  });

  test('$patch: delete removes the item with that key', () => {
    const body = {
      spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }],
        containers: [{ name: 'sidecar', $patch: 'delete' }],
      },
    };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(names(out.spec.containers), ['nginx']);
  });

  test('$patch: replace as a list element replaces the whole list', () => {
    const body = { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'redis' }] } };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(out.spec.containers, [{ name: 'only', image: 'redis' }]);
  });

  test('$retainKeys on a volume drops the old source when switching emptyDir to configMap', () => {
    const body = {
      spec: { volumes: [{ $retainKeys: ['configMap', 'name'], name: 'data', configMap: { name: 'cm' } }] },
    };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(out.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]);
  });

  test('a patch item without its merge key is a server error, as upstream answers', () => {
    const e = statusOf(() =>
      applyPatch(smp, storedPod(), { spec: { containers: [{ image: 'x' }] } }, podCtx),
    );
    assert.equal(e.code, 500);
    assert.match(e.message, /does not contain declared merge key: name/);
  });
});

describe('strategic merge patch: maps, scalars and other lists', () => {
  test('switching a deployment to Recreate drops rollingUpdate through $retainKeys', () => {
    const body = { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } };
    const out: Any = applyPatch(smp, storedDeployment(), body, deployCtx);
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  test('$retainKeys naming fewer keys than the patch sets is a 422', () => {
    const body = {
      spec: { strategy: { $retainKeys: ['type'], type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
    };
    const e = statusOf(() => applyPatch(smp, storedDeployment(), body, deployCtx));
    assert.equal(e.code, 422);
  });

  test('finalizers are a set: union, then $deleteFromPrimitiveList removes', () => {
    const added: Any = applyPatch(
      smp,
      storedPod(),
      { metadata: { finalizers: ['example.com/b', 'example.com/a'] } },
      podCtx,
    );
    assert.deepEqual(added.metadata.finalizers.slice().sort(), ['example.com/a', 'example.com/b']);
    const removed: Any = applyPatch(
      smp,
      added,
      { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } },
      podCtx,
    );
    assert.deepEqual(removed.metadata.finalizers, ['example.com/b']);
  });

  test('null deletes a map key', () => {
    const out: Any = applyPatch(
      smp,
      storedPod(),
      { metadata: { labels: { app: null, tier: 'web' } } },
      podCtx,
    );
    assert.deepEqual(out.metadata.labels, { tier: 'web' });
  });

  test('$patch: replace on a map replaces it; $patch: delete empties it', () => {
    const replaced: Any = applyPatch(
      smp,
      storedPod(),
      { metadata: { labels: { $patch: 'replace', x: 'y' } } },
      podCtx,
    );
    assert.deepEqual(replaced.metadata.labels, { x: 'y' });
    const deleted: Any = applyPatch(smp, storedPod(), { metadata: { labels: { $patch: 'delete' } } }, podCtx);
    assert.deepEqual(deleted.metadata.labels, {});
  });

  test('lists without a merge strategy (tolerations, args) are replaced', () => {
    const body = {
      spec: {
        tolerations: [{ key: 'b', operator: 'Exists' }],
        containers: [{ name: 'sidecar', args: ['sleep', '1'] }],
      },
    };
    const out: Any = applyPatch(smp, storedPod(), body, podCtx);
    assert.deepEqual(out.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
    assert.deepEqual(out.spec.containers[1].args, ['sleep', '1']);
  });

  test('a kind without a schema merges like a JSON merge patch', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { a: { b: 1, c: 2 }, list: [1, 2] } };
    const out: Any = applyPatch(
      smp,
      obj,
      { spec: { a: { c: null, d: 3 }, list: [3] } },
      { apiVersion: 'example.com/v1', kind: 'Widget' },
    );
    assert.deepEqual(out.spec, { a: { b: 1, d: 3 }, list: [3] });
  });

  test('malformed bodies answer 400, an unknown $patch directive 500', () => {
    assert.equal(statusOf(() => applyPatch(smp, storedPod(), [1, 2], podCtx)).code, 400);
    const badOrder = { spec: { '$setElementOrder/containers': 'nginx' } };
    assert.equal(statusOf(() => applyPatch(smp, storedPod(), badOrder, podCtx)).code, 400);
    const badDelete = { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } };
    assert.equal(statusOf(() => applyPatch(smp, storedPod(), badDelete, podCtx)).code, 400);
    const unknown = { metadata: { labels: { $patch: 'explode' } } };
    assert.equal(statusOf(() => applyPatch(smp, storedPod(), unknown, podCtx)).code, 500);
  });
});

describe('strategic merge patch: empty lists', () => {
  test('an empty mergeable list patch leaves the field empty instead of failing', () => {
    const obj: Any = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} };
    const out: Any = applyPatch(smp, obj, { metadata: { finalizers: [] }, spec: { containers: [] } }, podCtx);
    assert.deepEqual(out.metadata.finalizers, []);
    assert.deepEqual(out.spec.containers, []);
  });
});
