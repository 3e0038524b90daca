// Server-side apply and managedFields bookkeeping for ordinary writes,
// checked against the format and messages upstream produces.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fieldManagerFor,
  parseApplyBody,
  serverSideApply,
  updateManagedFields,
} from '../../src/api/patch/index.ts';
import { isStatusError, type StatusError } from '../../src/api/status.ts';

// biome-ignore lint/suspicious/noExplicitAny: test objects are read freely
type Any = any;

const t0 = new Date('2026-11-22T17:25:02.325Z');
const t1 = new Date('2026-11-22T17:30:00.000Z');

const podOpts = { apiVersion: 'v1', kind: 'Pod', manager: 'kubectl', force: false, now: t0 };
const deployOpts = { apiVersion: 'apps/v1', kind: 'Deployment', manager: 'kubectl', force: false, now: t1 };

// The body `kubectl apply --server-side -f pod.yaml` sends (apply-v3.log).
const podConfig = (): Any => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { labels: { app: 'web' }, name: 'web', namespace: 'default' },
  spec: { containers: [{ image: 'nginx:1.27', name: 'nginx', ports: [{ containerPort: 80 }] }] },
});

const deployment = (replicas: number): Any => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    },
  },
});

const entry = (obj: Any, manager: string) =>
  obj.metadata.managedFields.find((e: Any) => e.manager === manager);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (isStatusError(e)) return e;
    throw e;
  }
  assert.fail('expected a StatusError');
}

describe('server-side apply', () => {
  test('the first apply creates the object and records managedFields in upstream format', () => {
    const out: Any = serverSideApply(undefined, podConfig(), podOpts);
    assert.equal(out.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2026-11-22T17:25:02Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test('applying again without a field removes it; fields the applier never owned stay', () => {
    const first: Any = serverSideApply(undefined, podConfig(), podOpts);
    first.spec.restartPolicy = 'Always'; // set by defaulting, owned by no one
    const config = podConfig();
    delete config.metadata.labels;
    config.spec.containers[0].ports = [];
    const second: Any = serverSideApply(first, config, { ...podOpts, now: t1 });
    assert.equal(second.metadata.labels, undefined);
    assert.deepEqual(second.spec.containers[0].ports ?? [], []);
    assert.equal(second.spec.restartPolicy, 'Always');
    const fields = entry(second, 'kubectl').fieldsV1;
    assert.equal(fields['f:metadata'], undefined);
    assert.equal(entry(second, 'kubectl').time, '2026-11-22T17:30:00Z');
  });

  test('a dropped field that another manager also owns is kept', () => {
    let obj: Any = serverSideApply(undefined, podConfig(), podOpts);
    const labelled = structuredClone(obj);
    labelled.metadata.labels.app = 'web'; // same value: kubectl label --overwrite
    labelled.metadata.labels.team = 'a';
    obj = updateManagedFields(obj, labelled, {
      apiVersion: 'v1',
      kind: 'Pod',
      manager: 'kubectl-label',
      now: t0,
    });
    const config = podConfig();
    delete config.metadata.labels;
    const out: Any = serverSideApply(obj, config, { ...podOpts, now: t1 });
    // app was owned only by the applier; team by kubectl-label.
    assert.deepEqual(out.metadata.labels, { team: 'a' });
  });

  test('a different value for a field another manager owns is a 409 naming it as upstream does', () => {
    const created: Any = updateManagedFields(undefined, deployment(2), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      manager: 'kubectl-client-side-apply',
      now: t0,
    });
    const e = statusOf(() => serverSideApply(created, deployment(3), deployOpts));
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'Conflict');
    assert.equal(
      e.message,
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    assert.deepEqual(e.status.details?.causes, [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-client-side-apply" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
  });

  test('several conflicts are listed per manager', () => {
    const created: Any = updateManagedFields(undefined, deployment(2), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      manager: 'kubectl-create',
      now: t0,
    });
    const config = deployment(3);
    config.spec.template.spec.containers[0].image = 'nginx:1.28';
    const e = statusOf(() => serverSideApply(created, config, deployOpts));
    assert.equal(
      e.message,
      'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n' +
        '- .spec.replicas\n' +
        '- .spec.template.spec.containers[name="nginx"].image',
    );
    assert.equal(e.status.details?.causes?.length, 2);
  });

  test('the same value is no conflict: both managers then own the field', () => {
    const created: Any = updateManagedFields(undefined, deployment(2), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      manager: 'kubectl-client-side-apply',
      now: t0,
    });
    const out: Any = serverSideApply(created, deployment(2), deployOpts);
    assert.deepEqual(entry(out, 'kubectl').fieldsV1['f:spec']['f:replicas'], {});
    assert.deepEqual(entry(out, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:replicas'], {});
    assert.deepEqual(
      entry(out, 'kubectl').fieldsV1['f:spec']['f:selector'],
      {},
      'a label selector is atomic',
    );
  });

  test('force takes the field from the other manager', () => {
    const created: Any = updateManagedFields(undefined, deployment(2), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      manager: 'kubectl-client-side-apply',
      now: t0,
    });
    const out: Any = serverSideApply(created, deployment(3), { ...deployOpts, force: true });
    assert.equal(out.spec.replicas, 3);
    assert.deepEqual(entry(out, 'kubectl').fieldsV1['f:spec']['f:replicas'], {});
    assert.equal(entry(out, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:replicas'], undefined);
    assert.deepEqual(
      out.metadata.managedFields.map((e: Any) => [e.manager, e.operation]),
      [
        ['kubectl', 'Apply'],
        ['kubectl-client-side-apply', 'Update'],
      ],
      'Apply entries come before Update entries',
    );
  });

  test('an apply that changes nothing returns the stored object untouched', () => {
    const first: Any = serverSideApply(undefined, podConfig(), podOpts);
    const again = serverSideApply(first, podConfig(), { ...podOpts, now: t1 });
    assert.equal(again, first);
  });

  test('sets own values, atomic lists own the whole list, status is not owned through the main resource', () => {
    const config: Any = podConfig();
    config.metadata.finalizers = ['example.com/a'];
    config.spec.containers[0].args = ['-g', 'daemon off;'];
    config.status = { phase: 'Running' };
    const out: Any = serverSideApply(undefined, config, podOpts);
    const fields = entry(out, 'kubectl').fieldsV1;
    assert.deepEqual(fields['f:metadata']['f:finalizers'], { 'v:"example.com/a"': {} });
    assert.deepEqual(fields['f:spec']['f:containers']['k:{"name":"nginx"}']['f:args'], {});
    assert.equal(fields['f:status'], undefined);
  });

  test('kubectl create then apply --server-side, then the last-applied apply (apply-v3.log)', () => {
    const createdByKubectl = podConfig();
    createdByKubectl.spec.containers[0].ports[0].protocol = 'TCP';
    const created: Any = updateManagedFields(undefined, createdByKubectl, {
      apiVersion: 'v1',
      kind: 'Pod',
      manager: 'kubectl-create',
      now: t0,
    });
    const applied: Any = serverSideApply(created, podConfig(), podOpts);
    assert.deepEqual(
      applied.metadata.managedFields.map((e: Any) => e.manager),
      ['kubectl', 'kubectl-create'],
    );
    assert.equal(applied.spec.containers[0].ports[0].protocol, 'TCP');
    const lastApplied = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Pod"}\n' },
        name: 'web',
        namespace: 'default',
      },
    };
    const out: Any = serverSideApply(applied, lastApplied, { ...podOpts, manager: 'kubectl-last-applied' });
    assert.deepEqual(out.spec, applied.spec);
    assert.deepEqual(out.metadata.labels, { app: 'web' });
    assert.deepEqual(entry(out, 'kubectl-last-applied').fieldsV1, {
      'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
    });
  });

  test('an object nobody tracked yet is owned by before-first-apply, so a change conflicts', () => {
    const untracked = deployment(2);
    const e = statusOf(() => serverSideApply(untracked, deployment(5), deployOpts));
    assert.equal(
      e.message,
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });

  test('bad apply bodies are 400s', () => {
    assert.equal(
      statusOf(() => serverSideApply(undefined, { ...podConfig(), apiVersion: 'v2' }, podOpts)).code,
      400,
    );
    const withFields = podConfig();
    withFields.metadata.managedFields = [];
    assert.equal(
      statusOf(() => serverSideApply(undefined, withFields, podOpts)).message,
      'metadata.managedFields must be nil',
    );
    assert.equal(statusOf(() => parseApplyBody('a: [')).code, 400);
    assert.deepEqual(parseApplyBody('apiVersion: v1\nkind: Pod\n'), { apiVersion: 'v1', kind: 'Pod' });
  });
});

describe('managedFields for ordinary writes', () => {
  const ctx = { apiVersion: 'v1', kind: 'Pod', now: t0 };

  // The pod as kubectl apply creates it, after defaulting.
  const createdPod = (): Any => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
        },
      ],
      restartPolicy: 'Always',
      securityContext: {},
    },
  });

  test('a create records an Update entry owning every field it set', () => {
    const out: Any = updateManagedFields(undefined, createdPod(), {
      ...ctx,
      manager: 'kubectl-client-side-apply',
    });
    assert.deepEqual(out.metadata.managedFields, [
      {
        manager: 'kubectl-client-side-apply',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-11-22T17:25:02Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  '.': {},
                  'k:{"containerPort":80,"protocol":"TCP"}': {
                    '.': {},
                    'f:containerPort': {},
                    'f:protocol': {},
                  },
                },
                'f:resources': {},
                'f:terminationMessagePath': {},
              },
            },
            'f:restartPolicy': {},
            'f:securityContext': {},
          },
        },
      },
    ]);
  });

  test('an edit takes the changed field from its previous owner; a no-op write changes nothing', () => {
    const created: Any = updateManagedFields(undefined, createdPod(), {
      ...ctx,
      manager: 'kubectl-client-side-apply',
    });
    const edited = structuredClone(created);
    edited.spec.containers[0].image = 'nginx:1.28';
    const out: Any = updateManagedFields(created, edited, { ...ctx, manager: 'kubectl-edit', now: t1 });
    const csa = entry(out, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:containers'][
      'k:{"name":"nginx"}'
    ];
    assert.equal(csa['f:image'], undefined);
    assert.deepEqual(entry(out, 'kubectl-edit').fieldsV1, {
      'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } },
    });
    assert.equal(entry(out, 'kubectl-edit').time, '2026-11-22T17:30:00Z');
    assert.equal(
      updateManagedFields(out, structuredClone(out), { ...ctx, manager: 'kubectl-edit', now: t1 }),
      out,
    );
  });

  test('a removed field is owned by no one afterwards', () => {
    const created: Any = updateManagedFields(undefined, createdPod(), { ...ctx, manager: 'kubectl-create' });
    const unlabelled = structuredClone(created);
    delete unlabelled.metadata.labels;
    const out: Any = updateManagedFields(created, unlabelled, { ...ctx, manager: 'kubectl-label' });
    assert.equal(entry(out, 'kubectl-create').fieldsV1['f:metadata'], undefined);
    assert.equal(entry(out, 'kubectl-label'), undefined, 'removing fields claims nothing');
  });

  test('a request carrying managedFields: [] resets them', () => {
    const created: Any = updateManagedFields(undefined, createdPod(), { ...ctx, manager: 'kubectl-create' });
    const reset = structuredClone(created);
    reset.metadata.managedFields = [];
    reset.metadata.labels.extra = 'x';
    const out: Any = updateManagedFields(created, reset, { ...ctx, manager: 'kubectl-replace' });
    assert.deepEqual(
      out.metadata.managedFields.map((e: Any) => e.manager),
      ['kubectl-replace'],
    );
  });

  test('the manager defaults to the user agent product, and the parameter is validated', () => {
    assert.equal(fieldManagerFor(undefined, 'kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07'), 'kubectl');
    assert.equal(fieldManagerFor('kubectl-edit', 'kubectl/v1.32.4'), 'kubectl-edit');
    const required = statusOf(() => fieldManagerFor(undefined, 'kubectl/v1.32.4', true));
    assert.equal(required.code, 422);
    assert.equal(
      required.message,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    assert.equal(statusOf(() => fieldManagerFor('x'.repeat(129), '')).code, 422);
  });
});
