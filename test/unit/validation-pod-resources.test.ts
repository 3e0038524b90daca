import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { causeAt, container, createErrors, dns1123Label, onlyCause, pod } from './api-fixtures.ts';

const podErrors = (spec: object, meta: object = {}) => createErrors('v1', 'Pod', pod(spec, meta));

describe('volumes', () => {
  test('volume names are DNS labels and unique', () => {
    const causes = podErrors({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', emptyDir: {} },
        { name: 'Cache', emptyDir: {} },
      ],
    });
    assert.deepEqual(causeAt(causes, 'spec.volumes[1].name'), {
      reason: 'FieldValueDuplicate',
      field: 'spec.volumes[1].name',
      message: 'Duplicate value: "data"',
    });
    assert.equal(causeAt(causes, 'spec.volumes[2].name').message, `Invalid value: "Cache": ${dns1123Label}`);
  });

  test('exactly one source', () => {
    const c = onlyCause(podErrors({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/tmp' } }] }));
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.volumes[0].hostPath',
      message: 'Forbidden: may not specify more than 1 volume type',
    });
  });

  test('source fields', () => {
    const causes = podErrors({
      volumes: [
        { name: 'cfg', configMap: {} },
        { name: 'sec', secret: { secretName: 's', defaultMode: 0o1000 } },
      ],
    });
    assert.deepEqual(causeAt(causes, 'spec.volumes[0].configMap.name'), {
      reason: 'FieldValueRequired',
      field: 'spec.volumes[0].configMap.name',
      message: 'Required value',
    });
    assert.deepEqual(causeAt(causes, 'spec.volumes[1].secret.defaultMode'), {
      reason: 'FieldValueInvalid',
      field: 'spec.volumes[1].secret.defaultMode',
      message: 'Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive',
    });
  });

  test('mounts must name an existing volume, at a unique path', () => {
    const mounts = [
      { name: 'missing', mountPath: '/a' },
      { name: 'data', mountPath: '/b' },
      { name: 'data', mountPath: '/b' },
    ];
    const causes = podErrors({
      volumes: [{ name: 'data', emptyDir: {} }],
      containers: [container({ volumeMounts: mounts })],
    });
    const p = 'spec.containers[0].volumeMounts';
    assert.deepEqual(causeAt(causes, `${p}[0].name`), {
      reason: 'FieldValueNotFound',
      field: `${p}[0].name`,
      message: 'Not found: "missing"',
    });
    assert.deepEqual(causeAt(causes, `${p}[2].mountPath`), {
      reason: 'FieldValueInvalid',
      field: `${p}[2].mountPath`,
      message: 'Invalid value: "/b": must be unique',
    });
  });
});

describe('resources', () => {
  const withResources = (resources: object) => podErrors({ containers: [container({ resources })] });

  test('requests may not exceed limits', () => {
    const c = onlyCause(withResources({ requests: { cpu: '2' }, limits: { cpu: '500m' } }));
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].resources.requests',
      message: 'Invalid value: "2": must be less than or equal to cpu limit of 500m',
    });
  });

  test('quantities must parse and not be negative', () => {
    const bad = onlyCause(withResources({ requests: { memory: 'lots' } }));
    assert.equal(bad.field, 'spec.containers[0].resources.requests[memory]');
    assert.equal(
      bad.message,
      `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    const negative = onlyCause(withResources({ requests: { cpu: '-1' } }));
    assert.deepEqual(negative, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].resources.requests[cpu]',
      message: 'Invalid value: "-1": must be greater than or equal to 0',
    });
  });

  test('limits alone are copied to requests, so both are checked', () => {
    const causes = withResources({ limits: { memory: '-1Gi' } });
    assert.deepEqual(
      causes.map((c) => c.field),
      ['spec.containers[0].resources.limits[memory]', 'spec.containers[0].resources.requests[memory]'],
    );
  });

  test('resource names must be standard or fully qualified', () => {
    const causes = withResources({ requests: { gpu: '1' } });
    assert.deepEqual(causes, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.containers[0].resources.requests[gpu]',
        message: 'Invalid value: "gpu": must be a standard resource type or fully qualified',
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.containers[0].resources.requests[gpu]',
        message: 'Invalid value: "gpu": must be a standard resource for containers',
      },
    ]);
    assert.deepEqual(withResources({ limits: { 'example.com/gpu': '1' } }), []);
  });

  test('extended resources are whole numbers and cannot be overcommitted', () => {
    const causes = withResources({
      requests: { 'example.com/gpu': '1' },
      limits: { 'example.com/gpu': '2' },
    });
    assert.deepEqual(onlyCause(causes), {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].resources.requests',
      message: 'Invalid value: "1": must be equal to example.com/gpu limit of 2',
    });
    const frac = causeAt(
      withResources({ limits: { 'example.com/gpu': '500m' } }),
      'spec.containers[0].resources.limits[example.com/gpu]',
    );
    assert.equal(frac.message, 'Invalid value: "500m": must be an integer');
  });
});

describe('probes', () => {
  test('a probe needs exactly one handler', () => {
    const c = onlyCause(podErrors({ containers: [container({ livenessProbe: { periodSeconds: 5 } })] }));
    assert.deepEqual(c, {
      reason: 'FieldValueRequired',
      field: 'spec.containers[0].livenessProbe',
      message: 'Required value: must specify a handler type',
    });
    const two = onlyCause(
      podErrors({
        containers: [container({ readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })],
      }),
    );
    assert.equal(two.field, 'spec.containers[0].readinessProbe.tcpSocket');
    assert.equal(two.message, 'Forbidden: may not specify more than 1 handler type');
  });

  test('liveness successThreshold must be 1', () => {
    const c = onlyCause(
      podErrors({
        containers: [container({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } })],
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].livenessProbe.successThreshold',
      message: 'Invalid value: 2: must be 1',
    });
  });
});
