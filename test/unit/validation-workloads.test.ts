import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CronError, parseCronSchedule } from '../../src/api/validation/index.ts';
import { causeAt, container, createErrors, type Obj, onlyCause, template } from './api-fixtures.ts';

const meta = () => ({ name: 'web', namespace: 'default' });

function deployment(spec: Obj = {}): Obj {
  return {
    metadata: meta(),
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
  };
}

describe('apps/v1 workloads', () => {
  test('a valid deployment', () => {
    assert.deepEqual(createErrors('apps/v1', 'Deployment', deployment()), []);
  });

  test('selector must match the template labels', () => {
    const c = onlyCause(
      createErrors('apps/v1', 'Deployment', deployment({ template: template({ app: 'other' }) })),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    });
  });

  test('selector is required and may not be empty', () => {
    assert.deepEqual(
      causeAt(createErrors('apps/v1', 'Deployment', deployment({ selector: undefined })), 'spec.selector'),
      {
        reason: 'FieldValueRequired',
        field: 'spec.selector',
        message: 'Required value',
      },
    );
    const c = onlyCause(createErrors('apps/v1', 'Deployment', deployment({ selector: {} })));
    assert.equal(
      c.message,
      'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    );
  });

  test('matchExpressions select too', () => {
    const selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] };
    assert.deepEqual(createErrors('apps/v1', 'Deployment', deployment({ selector })), []);
    const bad = { matchExpressions: [{ key: 'app', operator: 'Within', values: ['web'] }] };
    assert.deepEqual(
      causeAt(
        createErrors('apps/v1', 'Deployment', deployment({ selector: bad })),
        'spec.selector.matchExpressions[0].operator',
      ),
      {
        reason: 'FieldValueInvalid',
        field: 'spec.selector.matchExpressions[0].operator',
        message: 'Invalid value: "Within": not a valid selector operator',
      },
    );
  });

  test('replicas must not be negative', () => {
    assert.deepEqual(onlyCause(createErrors('apps/v1', 'Deployment', deployment({ replicas: -1 }))), {
      reason: 'FieldValueInvalid',
      field: 'spec.replicas',
      message: 'Invalid value: -1: must be greater than or equal to 0',
    });
  });

  test('pod templates must restart always', () => {
    const c = onlyCause(
      createErrors(
        'apps/v1',
        'ReplicaSet',
        deployment({ template: template({ app: 'web' }, { restartPolicy: 'Never' }) }),
      ),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueNotSupported',
      field: 'spec.template.spec.restartPolicy',
      message: 'Unsupported value: "Never": supported values: "Always"',
    });
  });

  test('template containers are validated with template paths', () => {
    const c = onlyCause(
      createErrors(
        'apps/v1',
        'Deployment',
        deployment({ template: template({ app: 'web' }, { containers: [container({ image: '' })] }) }),
      ),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueRequired',
      field: 'spec.template.spec.containers[0].image',
      message: 'Required value',
    });
  });

  test('rolling update parameters', () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } };
    assert.deepEqual(onlyCause(createErrors('apps/v1', 'Deployment', deployment({ strategy }))), {
      reason: 'FieldValueInvalid',
      field: 'spec.strategy.rollingUpdate.maxUnavailable',
      message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0',
    });
  });

  test('StatefulSet containers may mount their volume claim templates', () => {
    const claim = {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    const tpl = template(
      { app: 'web' },
      { containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] })] },
    );
    assert.deepEqual(
      createErrors(
        'apps/v1',
        'StatefulSet',
        deployment({ serviceName: 'web', template: tpl, volumeClaimTemplates: [claim] }),
      ),
      [],
    );
    const missing = onlyCause(
      createErrors('apps/v1', 'StatefulSet', deployment({ serviceName: 'web', template: tpl })),
    );
    assert.deepEqual(missing, {
      reason: 'FieldValueNotFound',
      field: 'spec.template.spec.containers[0].volumeMounts[0].name',
      message: 'Not found: "data"',
    });
  });

  test('StatefulSet and DaemonSet', () => {
    assert.deepEqual(createErrors('apps/v1', 'StatefulSet', deployment({ serviceName: 'web' })), []);
    const policy = onlyCause(
      createErrors('apps/v1', 'StatefulSet', deployment({ podManagementPolicy: 'Random' })),
    );
    assert.deepEqual(policy, {
      reason: 'FieldValueInvalid',
      field: 'spec.podManagementPolicy',
      message: "Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    });
    assert.deepEqual(createErrors('apps/v1', 'DaemonSet', deployment()), []);
    const ds = onlyCause(
      createErrors('apps/v1', 'DaemonSet', deployment({ template: template({ tier: 'x' }) })),
    );
    assert.equal(
      ds.message,
      'Invalid value: map[string]string{"tier":"x"}: `selector` does not match template `labels`',
    );
  });
});

function job(spec: Obj = {}): Obj {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: '5c0f6a2e' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [container()] } }, ...spec },
  };
}

describe('batch/v1 workloads', () => {
  test('a valid job', () => {
    assert.deepEqual(createErrors('batch/v1', 'Job', job()), []);
  });

  test('jobs may not restart always', () => {
    const j = job();
    delete j.spec.template.spec.restartPolicy;
    assert.deepEqual(onlyCause(createErrors('batch/v1', 'Job', j)), {
      reason: 'FieldValueNotSupported',
      field: 'spec.template.spec.restartPolicy',
      message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"',
    });
  });

  test('counts are not negative', () => {
    assert.deepEqual(onlyCause(createErrors('batch/v1', 'Job', job({ backoffLimit: -1 }))), {
      reason: 'FieldValueInvalid',
      field: 'spec.backoffLimit',
      message: 'Invalid value: -1: must be greater than or equal to 0',
    });
  });

  test('a manual selector must still match', () => {
    const j = job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } } });
    assert.equal(onlyCause(createErrors('batch/v1', 'Job', j)).field, 'spec.template.metadata.labels');
  });

  test('cron jobs', () => {
    const cron = (schedule: string, extra: Obj = {}) => ({
      metadata: { name: 'tick', namespace: 'default' },
      spec: { schedule, jobTemplate: { spec: job().spec }, ...extra },
    });
    assert.deepEqual(createErrors('batch/v1', 'CronJob', cron('*/5 * * * *')), []);
    assert.deepEqual(createErrors('batch/v1', 'CronJob', cron('@hourly')), []);
    assert.deepEqual(onlyCause(createErrors('batch/v1', 'CronJob', cron('* * * *'))), {
      reason: 'FieldValueInvalid',
      field: 'spec.schedule',
      message: 'Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]',
    });
    assert.deepEqual(onlyCause(createErrors('batch/v1', 'CronJob', cron('TZ=UTC 0 * * * *'))), {
      reason: 'FieldValueInvalid',
      field: 'spec.schedule',
      message:
        'Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    });
    assert.deepEqual(
      onlyCause(createErrors('batch/v1', 'CronJob', cron('0 * * * *', { concurrencyPolicy: 'Sometimes' }))),
      {
        reason: 'FieldValueNotSupported',
        field: 'spec.concurrencyPolicy',
        message: 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      },
    );
    const long = cron('0 * * * *');
    long.metadata.name = 'n'.repeat(53);
    assert.deepEqual(onlyCause(createErrors('batch/v1', 'CronJob', long)), {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`,
    });
  });
});

describe('cron schedules', () => {
  test('fields, ranges, steps and names', () => {
    const s = parseCronSchedule('*/15 9-17 * jan-mar mon,fri');
    assert.equal(s.kind, 'fields');
    if (s.kind !== 'fields') return;
    assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
    assert.deepEqual([...s.hours], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual([...s.months], [1, 2, 3]);
    assert.deepEqual([...s.daysOfWeek], [1, 5]);
    assert.equal(s.anyDayOfMonth, true);
    assert.equal(s.anyDayOfWeek, false);
    assert.deepEqual(parseCronSchedule('@every 1m30s'), { kind: 'every', seconds: 90 });
  });

  test('errors in upstream words', () => {
    const cases: [string, string][] = [
      ['61 * * * *', 'end of range (61) above maximum (59): 61'],
      ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
      ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
      ['*/0 * * * *', 'step of range should be a positive number: */0'],
      ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
      ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
      ['', 'empty spec string'],
    ];
    for (const [spec, message] of cases) {
      assert.throws(
        () => parseCronSchedule(spec),
        (e: unknown) => e instanceof CronError && e.message === message,
        spec,
      );
    }
  });
});
