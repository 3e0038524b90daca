import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { podUpdateForbiddenIntro } from '../../src/api/validation/index.ts';
import { container, edit, onlyCause, pod, stored, template, updateErrors } from './api-fixtures.ts';

const intro =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

describe('pod updates', () => {
  const running = () =>
    stored('v1', 'Pod', pod({ initContainers: [container({ name: 'init', image: 'busybox:1' })] }));

  test('images may change', () => {
    const old = running();
    const next = edit(old, (p) => {
      p.spec.containers[0].image = 'registry.local/app:2.0';
      p.spec.initContainers[0].image = 'busybox:2';
    });
    assert.deepEqual(updateErrors('v1', 'Pod', next, old), []);
  });

  test('other spec fields may not, and the message says so with the difference', () => {
    const old = running();
    const next = edit(old, (p) => {
      p.spec.containers[0].name = 'renamed';
    });
    const c = onlyCause(updateErrors('v1', 'Pod', next, old));
    assert.equal(c.reason, 'FieldValueForbidden');
    assert.equal(c.field, 'spec');
    assert.equal(podUpdateForbiddenIntro, intro);
    const [first, ...diff] = c.message.split('\n');
    assert.equal(first, `Forbidden: ${intro}`);
    assert.deepEqual(diff, ['- spec.containers[0].name: "app"', '+ spec.containers[0].name: "renamed"']);
  });

  test('containers may not be added or removed', () => {
    const old = running();
    const next = edit(old, (p) => {
      p.spec.containers.push(container({ name: 'extra' }));
    });
    const c = onlyCause(updateErrors('v1', 'Pod', next, old));
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.containers',
      message: 'Forbidden: pod updates may not add or remove containers',
    });
  });

  test('tolerations may only be added', () => {
    const old = running();
    const added = edit(old, (p) => {
      p.spec.tolerations.push({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' });
    });
    assert.deepEqual(updateErrors('v1', 'Pod', added, old), []);
    const seconds = edit(old, (p) => {
      p.spec.tolerations[0].tolerationSeconds = 60;
    });
    assert.deepEqual(updateErrors('v1', 'Pod', seconds, old), []);
    // Removing a default toleration is futile: admission adds it back on update too.
    const removed = edit(added, (p) => {
      p.spec.tolerations.pop();
    });
    const c = updateErrors('v1', 'Pod', removed, added).find((e) => e.field === 'spec.tolerations');
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.tolerations',
      message: 'Forbidden: existing toleration can not be modified except its tolerationSeconds',
    });
  });

  test('activeDeadlineSeconds may be set or lowered, not raised or removed', () => {
    const old = running();
    const set = edit(old, (p) => {
      p.spec.activeDeadlineSeconds = 60;
    });
    assert.deepEqual(updateErrors('v1', 'Pod', set, old), []);
    const raised = edit(set, (p) => {
      p.spec.activeDeadlineSeconds = 120;
    });
    assert.deepEqual(onlyCause(updateErrors('v1', 'Pod', raised, set)), {
      reason: 'FieldValueInvalid',
      field: 'spec.activeDeadlineSeconds',
      message: 'Invalid value: 120: must be less than or equal to previous value',
    });
  });

  test('name and namespace are immutable', () => {
    const old = running();
    const next = edit(old, (p) => {
      p.metadata.name = 'other';
    });
    assert.deepEqual(onlyCause(updateErrors('v1', 'Pod', next, old)), {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: 'Invalid value: "other": field is immutable',
    });
  });
});

describe('workload updates', () => {
  test('apps/v1 selectors are immutable', () => {
    const old = stored('apps/v1', 'Deployment', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
    });
    const next = edit(old, (d) => {
      d.spec.selector.matchLabels.app = 'web2';
      d.spec.template.metadata.labels.app = 'web2';
    });
    assert.deepEqual(onlyCause(updateErrors('apps/v1', 'Deployment', next, old)), {
      reason: 'FieldValueInvalid',
      field: 'spec.selector',
      message:
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    });
    const scaled = edit(old, (d) => {
      d.spec.replicas = 5;
      d.spec.template.spec.containers[0].image = 'registry.local/app:2.0';
    });
    assert.deepEqual(updateErrors('apps/v1', 'Deployment', scaled, old), []);
  });

  test('StatefulSet spec beyond replicas, template and strategy is fixed', () => {
    const old = stored('apps/v1', 'StatefulSet', {
      metadata: { name: 'db', namespace: 'default' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template({ app: 'db' }),
      },
    });
    const next = edit(old, (s) => {
      s.spec.serviceName = 'db2';
    });
    assert.deepEqual(onlyCause(updateErrors('apps/v1', 'StatefulSet', next, old)), {
      reason: 'FieldValueForbidden',
      field: 'spec',
      message:
        "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    });
  });

  test('a Job template is immutable once the job exists', () => {
    const old = stored('batch/v1', 'Job', {
      metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } } },
    });
    const next = edit(old, (j) => {
      j.spec.template.spec.containers[0].image = 'registry.local/app:2.0';
    });
    const c = onlyCause(updateErrors('batch/v1', 'Job', next, old));
    assert.equal(c.field, 'spec.template');
    assert.equal(c.reason, 'FieldValueInvalid');
    assert.match(c.message, /: field is immutable$/);
    const selector = edit(old, (j) => {
      j.spec.selector.matchLabels.extra = 'x';
    });
    assert.ok(
      updateErrors('batch/v1', 'Job', selector, old).some(
        (e) => e.field === 'spec.selector' && e.message.endsWith('field is immutable'),
      ),
    );
  });
});

describe('service and config updates', () => {
  test('a service clusterIP cannot change', () => {
    const old = stored('v1', 'Service', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { clusterIP: '10.43.0.10', ports: [{ port: 80 }], selector: { app: 'web' } },
    });
    const next = edit(old, (s) => {
      s.spec.clusterIP = '10.43.0.11';
      s.spec.clusterIPs = ['10.43.0.11'];
    });
    assert.deepEqual(onlyCause(updateErrors('v1', 'Service', next, old)), {
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIPs[0]',
      message: 'Invalid value: []string{"10.43.0.11"}: may not change once set',
    });
  });

  test('immutable ConfigMaps and Secrets', () => {
    const cm = stored('v1', 'ConfigMap', {
      metadata: { name: 'cfg', namespace: 'default' },
      data: { a: '1' },
      immutable: true,
    });
    const changed = edit(cm, (c) => {
      c.data.a = '2';
    });
    assert.deepEqual(onlyCause(updateErrors('v1', 'ConfigMap', changed, cm)), {
      reason: 'FieldValueForbidden',
      field: 'data',
      message: 'Forbidden: field is immutable when `immutable` is set',
    });
    const unset = edit(cm, (c) => {
      c.immutable = false;
    });
    assert.deepEqual(onlyCause(updateErrors('v1', 'ConfigMap', unset, cm)), {
      reason: 'FieldValueForbidden',
      field: 'immutable',
      message: 'Forbidden: field is immutable when `immutable` is set',
    });
    const secret = stored('v1', 'Secret', {
      metadata: { name: 's', namespace: 'default' },
      data: { a: 'MQ==' },
      immutable: true,
    });
    const relabeled = edit(secret, (s) => {
      s.metadata.labels = { team: 'a' };
    });
    assert.deepEqual(updateErrors('v1', 'Secret', relabeled, secret), []);
    const retyped = edit(secret, (s) => {
      s.type = 'kubernetes.io/tls';
      s.data = { 'tls.crt': 'eA==', 'tls.key': 'eA==' };
      s.immutable = true;
    });
    const causes = updateErrors('v1', 'Secret', retyped, secret);
    assert.deepEqual(causes[0], {
      reason: 'FieldValueInvalid',
      field: 'type',
      message: 'Invalid value: "kubernetes.io/tls": field is immutable',
    });
  });
});
