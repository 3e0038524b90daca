import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaulted, type Obj, template } from './api-fixtures.ts';

const create = { operation: 'create' } as const;
const meta = { name: 'web', namespace: 'default' };
const selector = { matchLabels: { app: 'web' } };

describe('apps/v1 defaults', () => {
  test('Deployment', () => {
    const d = defaulted(
      'apps/v1',
      'Deployment',
      { metadata: { ...meta }, spec: { selector, template: template() } },
      create,
    );
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.deepEqual(d.status, {});
    const tpl = d.spec.template.spec;
    assert.equal(tpl.restartPolicy, 'Always');
    assert.equal(tpl.dnsPolicy, 'ClusterFirst');
    assert.equal(tpl.terminationGracePeriodSeconds, 30);
    assert.equal(tpl.schedulerName, 'default-scheduler');
    assert.deepEqual(tpl.securityContext, {});
    assert.equal(tpl.containers[0].imagePullPolicy, 'IfNotPresent');
    // Pod-only defaults stay out of templates.
    assert.equal(tpl.enableServiceLinks, undefined);
    assert.equal(tpl.serviceAccountName, undefined);
    assert.equal(tpl.tolerations, undefined);
    assert.equal(tpl.priority, undefined);
  });

  test('Deployment keeps Recreate without a rolling update block', () => {
    const d = defaulted('apps/v1', 'Deployment', {
      metadata: { ...meta },
      spec: { selector, strategy: { type: 'Recreate' }, template: template() },
    });
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  });

  test('ReplicaSet', () => {
    const rs = defaulted(
      'apps/v1',
      'ReplicaSet',
      { metadata: { ...meta }, spec: { selector, template: template() } },
      create,
    );
    assert.equal(rs.spec.replicas, 1);
    assert.equal(rs.spec.template.spec.restartPolicy, 'Always');
  });

  test('StatefulSet', () => {
    const claim = {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } },
    };
    const ss = defaulted(
      'apps/v1',
      'StatefulSet',
      {
        metadata: { ...meta },
        spec: { selector, serviceName: 'web', template: template(), volumeClaimTemplates: [claim] },
      },
      create,
    );
    assert.equal(ss.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(ss.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.deepEqual(ss.spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    assert.equal(ss.spec.replicas, 1);
    assert.equal(ss.spec.revisionHistoryLimit, 10);
    assert.equal(ss.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
    assert.equal(ss.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '1Gi');
    assert.equal(ss.spec.serviceName, 'web');
  });

  test('DaemonSet', () => {
    const ds = defaulted(
      'apps/v1',
      'DaemonSet',
      { metadata: { ...meta }, spec: { selector, template: template() } },
      create,
    );
    assert.deepEqual(ds.spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    assert.equal(ds.spec.revisionHistoryLimit, 10);
  });
});

describe('batch/v1 defaults', () => {
  const job = () => ({
    metadata: { name: 'pi', namespace: 'default', uid: '2d7a1c5e' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } },
    },
  });

  test('Job', () => {
    const j = defaulted('batch/v1', 'Job', job(), create);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.manualSelector, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.equal(j.spec.template.spec.restartPolicy, 'Never');
  });

  test('Job selects its pods by uid', () => {
    const j = defaulted('batch/v1', 'Job', job(), create);
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': '2d7a1c5e' } });
    assert.deepEqual(j.spec.template.metadata.labels, {
      'batch.kubernetes.io/controller-uid': '2d7a1c5e',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': '2d7a1c5e',
      'job-name': 'pi',
    });
  });

  test('Job with only parallelism leaves completions unset; per-index backoff lifts the global limit', () => {
    const j = job() as Obj;
    j.spec.parallelism = 3;
    j.spec.backoffLimitPerIndex = 1;
    j.spec.completionMode = 'Indexed';
    defaulted('batch/v1', 'Job', j, create);
    assert.equal(j.spec.completions, undefined);
    assert.equal(j.spec.parallelism, 3);
    assert.equal(j.spec.backoffLimit, 2147483647);
  });

  test('Job with a pod failure policy replaces only failed pods', () => {
    const j = job() as Obj;
    j.spec.podFailurePolicy = { rules: [] };
    defaulted('batch/v1', 'Job', j, create);
    assert.equal(j.spec.podReplacementPolicy, 'Failed');
  });

  test('Job labels default to the template labels', () => {
    const j = job() as Obj;
    j.spec.template.metadata = { labels: { app: 'pi' } };
    defaulted('batch/v1', 'Job', j, create);
    assert.deepEqual(j.metadata.labels, { app: 'pi' });
  });

  test('manual selectors are not generated', () => {
    const j = job() as Obj;
    j.spec.manualSelector = true;
    defaulted('batch/v1', 'Job', j, create);
    assert.equal(j.spec.selector, undefined);
  });

  test('CronJob', () => {
    const cj = defaulted(
      'batch/v1',
      'CronJob',
      {
        metadata: { name: 'tick', namespace: 'default' },
        spec: { schedule: '*/5 * * * *', jobTemplate: { spec: job().spec } },
      },
      create,
    );
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
    // Job defaults belong to Jobs, not to the template they are stamped from.
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  });
});
