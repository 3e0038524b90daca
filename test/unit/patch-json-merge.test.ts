// JSON patch and JSON merge patch, with the bodies kubectl 1.32 sends
// (`patch --type=json|merge`, `label`, `annotate`, `scale`, `rollout undo`).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch, parsePatchBody, patchTypeOf } from '../../src/api/patch/index.ts';
import { isStatusError, type StatusError } from '../../src/api/status.ts';

const jsonPatch = 'application/json-patch+json';
const mergePatch = 'application/merge-patch+json';
const podCtx = { apiVersion: 'v1', kind: 'Pod' };

// biome-ignore lint/suspicious/noExplicitAny: test objects are read freely
type Any = any;

const pod = (): Any => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', a: 'b' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
  status: { phase: 'Pending' },
});

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

describe('JSON patch', () => {
  test('kubectl patch --type=json adds a label (trace body)', () => {
    const before = pod();
    const out: Any = applyPatch(
      jsonPatch,
      before,
      [{ op: 'add', path: '/metadata/labels/x', value: 'y' }],
      podCtx,
    );
    assert.equal(out.metadata.labels.x, 'y');
    assert.equal(before.metadata.labels.x, undefined, 'the stored object is not mutated');
  });

  test('kubectl rollout undo replaces the template and the annotations (trace body)', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '2' } },
      spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } },
    };
    const body = [
      {
        op: 'replace',
        path: '/spec/template',
        value: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: {} }] },
        },
      },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2' } },
    ];
    const out: Any = applyPatch(jsonPatch, deployment, body, { apiVersion: 'apps/v1', kind: 'Deployment' });
    assert.equal(out.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(out.spec.template.metadata.labels, { app: 'web' });
  });

  test('remove, replace, move, copy and a passing test all apply in order', () => {
    const body = [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'remove', path: '/metadata/labels/a' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
      { op: 'move', from: '/metadata/labels/copy', path: '/metadata/labels/moved' },
    ];
    const out: Any = applyPatch(jsonPatch, pod(), body, podCtx);
    assert.deepEqual(out.metadata.labels, { app: 'web', moved: 'web' });
    assert.equal(out.spec.containers[0].image, 'nginx:1.28');
  });

  test('a failing test operation is a 422 Invalid with upstream message, and nothing changes', () => {
    const before = pod();
    const e = statusOf(() =>
      applyPatch(
        jsonPatch,
        before,
        [
          { op: 'replace', path: '/metadata/labels/app', value: 'changed' },
          { op: 'test', path: '/metadata/labels/app', value: 'other' },
        ],
        podCtx,
      ),
    );
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.equal(e.message, 'the server rejected our request due to an error in our request');
    assert.deepEqual(e.status.details, {});
    assert.equal(before.metadata.labels.app, 'web');
  });

  test('a path that does not exist is a 422', () => {
    const e = statusOf(() =>
      applyPatch(jsonPatch, pod(), [{ op: 'replace', path: '/spec/nothing/here', value: 1 }], podCtx),
    );
    assert.equal(e.code, 422);
  });

  test('a body that is not a list of operations is a 400', () => {
    const e = statusOf(() => applyPatch(jsonPatch, pod(), { op: 'add', path: '/a', value: 1 }, podCtx));
    assert.equal(e.code, 400);
    assert.equal(e.message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    assert.equal(
      statusOf(() => applyPatch(jsonPatch, pod(), [{ op: 'frobnicate', path: '/a' }], podCtx)).code,
      400,
    );
    assert.equal(statusOf(() => applyPatch(jsonPatch, pod(), ['x'], podCtx)).code, 400);
  });
});

describe('JSON merge patch', () => {
  test('kubectl patch --type=merge, label and annotate bodies merge into metadata', () => {
    let out: Any = applyPatch(mergePatch, pod(), { metadata: { labels: { a: 'c' } } }, podCtx);
    out = applyPatch(mergePatch, out, { metadata: { annotations: { foo: 'bar' } } }, podCtx);
    assert.deepEqual(out.metadata.labels, { app: 'web', a: 'c' });
    assert.deepEqual(out.metadata.annotations, { foo: 'bar' });
  });

  test('null deletes a key; lists are replaced whole', () => {
    const out: Any = applyPatch(
      mergePatch,
      pod(),
      { metadata: { labels: { a: null } }, spec: { containers: [{ name: 'only', image: 'redis' }] } },
      podCtx,
    );
    assert.deepEqual(out.metadata.labels, { app: 'web' });
    assert.deepEqual(out.spec.containers, [{ name: 'only', image: 'redis' }]);
  });

  test('kubectl patch --subresource=status and kubectl scale bodies', () => {
    const status: Any = applyPatch(mergePatch, pod(), { status: { phase: 'Running' } }, podCtx);
    assert.equal(status.status.phase, 'Running');
    const scale: Any = applyPatch(
      mergePatch,
      { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 2 } },
      { spec: { replicas: 3 } },
      { apiVersion: 'autoscaling/v1', kind: 'Scale' },
    );
    assert.equal(scale.spec.replicas, 3);
  });

  test('a body that is not an object is a 400', () => {
    assert.equal(statusOf(() => applyPatch(mergePatch, pod(), [1], podCtx)).code, 400);
    assert.equal(statusOf(() => applyPatch(mergePatch, pod(), null, podCtx)).code, 400);
  });
});

describe('patch types and bodies', () => {
  test('each content type kubectl sends is recognised, parameters ignored', () => {
    assert.equal(patchTypeOf('application/json-patch+json'), jsonPatch);
    assert.equal(patchTypeOf('application/merge-patch+json; charset=utf-8'), mergePatch);
    assert.equal(
      patchTypeOf('application/strategic-merge-patch+json'),
      'application/strategic-merge-patch+json',
    );
    assert.equal(patchTypeOf('application/apply-patch+yaml'), 'application/apply-patch+yaml');
  });

  test('any other content type is a 415 naming the accepted ones', () => {
    const e = statusOf(() => patchTypeOf('application/json'));
    assert.equal(e.code, 415);
    assert.equal(e.reason, 'UnsupportedMediaType');
    assert.match(
      e.message,
      /^the body of the request was in an unknown format - accepted media types include: /,
    );
  });

  test('a body that is not JSON is a 400', () => {
    assert.deepEqual(parsePatchBody(new TextEncoder().encode('{"a":1}')), { a: 1 });
    assert.equal(statusOf(() => parsePatchBody('{nope')).code, 400);
  });
});
