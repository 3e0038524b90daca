import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { causeAt, container, createErrors, dns1123Label, onlyCause, pod } from './api-fixtures.ts';

const podErrors = (spec: object, meta: object = {}) => createErrors('v1', 'Pod', pod(spec, meta));

describe('pod spec', () => {
  test('a well-formed pod is valid', () => {
    assert.deepEqual(podErrors({}), []);
  });

  test('containers are required', () => {
    assert.deepEqual(onlyCause(podErrors({ containers: [] })), {
      reason: 'FieldValueRequired',
      field: 'spec.containers',
      message: 'Required value',
    });
  });

  test('restartPolicy values', () => {
    assert.deepEqual(onlyCause(podErrors({ restartPolicy: 'Sometimes' })), {
      reason: 'FieldValueNotSupported',
      field: 'spec.restartPolicy',
      message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    });
  });

  test('dnsPolicy values', () => {
    assert.deepEqual(onlyCause(podErrors({ dnsPolicy: 'Cluster' })), {
      reason: 'FieldValueNotSupported',
      field: 'spec.dnsPolicy',
      message:
        'Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    });
  });

  test('activeDeadlineSeconds is positive', () => {
    assert.deepEqual(onlyCause(podErrors({ activeDeadlineSeconds: 0 })), {
      reason: 'FieldValueInvalid',
      field: 'spec.activeDeadlineSeconds',
      message: 'Invalid value: 0: must be between 1 and 2147483647, inclusive',
    });
  });

  test('ephemeral containers cannot be set on create', () => {
    const c = onlyCause(podErrors({ ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }));
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.ephemeralContainers',
      message: 'Forbidden: cannot be set on create',
    });
  });

  test('pod deletion cost must be a 32-bit integer', () => {
    const c = onlyCause(
      podErrors({}, { annotations: { 'controller.kubernetes.io/pod-deletion-cost': '1e3' } }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]',
      message: 'Invalid value: "1e3": must be a 32bit integer',
    });
  });

  test('tolerations', () => {
    const c = onlyCause(
      podErrors({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v', effect: 'NoSchedule' }] }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.tolerations[0].operator',
      message: 'Invalid value: "v": value must be empty when `operator` is \'Exists\'',
    });
  });
});

describe('containers', () => {
  test('name must be a DNS label', () => {
    assert.deepEqual(onlyCause(podErrors({ containers: [container({ name: 'Web' })] })), {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].name',
      message: `Invalid value: "Web": ${dns1123Label}`,
    });
  });

  test('image is required', () => {
    assert.deepEqual(onlyCause(podErrors({ containers: [container({ image: '' })] })), {
      reason: 'FieldValueRequired',
      field: 'spec.containers[0].image',
      message: 'Required value',
    });
  });

  test('images may not have surrounding whitespace', () => {
    const c = onlyCause(podErrors({ containers: [container({ image: ' nginx' })] }));
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].image',
      message: 'Invalid value: " nginx": must not have leading or trailing whitespace',
    });
  });

  test('names are unique across app and init containers', () => {
    assert.deepEqual(
      onlyCause(podErrors({ containers: [container({ name: 'web' }), container({ name: 'web' })] })),
      {
        reason: 'FieldValueDuplicate',
        field: 'spec.containers[1].name',
        message: 'Duplicate value: "web"',
      },
    );
    const c = onlyCause(
      podErrors({ containers: [container({ name: 'web' })], initContainers: [container({ name: 'web' })] }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueDuplicate',
      field: 'spec.initContainers[0].name',
      message: 'Duplicate value: "web"',
    });
  });

  test('per-container restartPolicy: only Always, only on init containers', () => {
    const init = onlyCause(
      podErrors({ initContainers: [container({ name: 'init', restartPolicy: 'Never' })] }),
    );
    assert.deepEqual(init, {
      reason: 'FieldValueNotSupported',
      field: 'spec.initContainers[0].restartPolicy',
      message: 'Unsupported value: "Never": supported values: "Always"',
    });
    assert.deepEqual(
      podErrors({ initContainers: [container({ name: 'sidecar', restartPolicy: 'Always' })] }),
      [],
    );
    const app = onlyCause(podErrors({ containers: [container({ restartPolicy: 'Always' })] }));
    assert.deepEqual(app, {
      reason: 'FieldValueForbidden',
      field: 'spec.containers[0].restartPolicy',
      message: 'Forbidden: may not be set for non-init containers',
    });
  });

  test('probes are for app containers and sidecars only', () => {
    const c = onlyCause(
      podErrors({
        initContainers: [container({ name: 'init', readinessProbe: { exec: { command: ['true'] } } })],
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.initContainers[0].readinessProbe',
      message: 'Forbidden: may not be set for init containers without restartPolicy=Always',
    });
  });

  test('container ports', () => {
    const ports = [
      { containerPort: 0, name: 'http' },
      { containerPort: 70000, name: 'http' },
      { containerPort: 80, name: 'a-very-long-port-name', protocol: 'ICMP' },
    ];
    const causes = podErrors({ containers: [container({ ports })] });
    const p = 'spec.containers[0].ports';
    assert.deepEqual(causeAt(causes, `${p}[0].containerPort`), {
      reason: 'FieldValueRequired',
      field: `${p}[0].containerPort`,
      message: 'Required value',
    });
    assert.deepEqual(causeAt(causes, `${p}[1].name`), {
      reason: 'FieldValueDuplicate',
      field: `${p}[1].name`,
      message: 'Duplicate value: "http"',
    });
    assert.deepEqual(causeAt(causes, `${p}[1].containerPort`), {
      reason: 'FieldValueInvalid',
      field: `${p}[1].containerPort`,
      message: 'Invalid value: 70000: must be between 1 and 65535, inclusive',
    });
    assert.deepEqual(causeAt(causes, `${p}[2].name`), {
      reason: 'FieldValueInvalid',
      field: `${p}[2].name`,
      message: 'Invalid value: "a-very-long-port-name": must be no more than 15 characters',
    });
    assert.deepEqual(causeAt(causes, `${p}[2].protocol`), {
      reason: 'FieldValueNotSupported',
      field: `${p}[2].protocol`,
      message: 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    });
  });

  test('environment variable names', () => {
    const c = onlyCause(
      podErrors({
        containers: [
          container({
            env: [
              { name: 'A=B', value: '1' },
              { name: '1_OK', value: '2' },
            ],
          }),
        ],
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].env[0].name',
      message:
        'Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than \'=\'',
    });
    const missing = onlyCause(podErrors({ containers: [container({ env: [{ value: 'x' }] })] }));
    assert.deepEqual(missing, {
      reason: 'FieldValueRequired',
      field: 'spec.containers[0].env[0].name',
      message: 'Required value',
    });
  });

  test('env valueFrom sources', () => {
    const env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } }];
    const c = onlyCause(podErrors({ containers: [container({ env })] }));
    assert.equal(c.field, 'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath');
    assert.equal(c.reason, 'FieldValueNotSupported');
    const none = onlyCause(podErrors({ containers: [container({ env: [{ name: 'X', valueFrom: {} }] })] }));
    assert.deepEqual(none, {
      reason: 'FieldValueInvalid',
      field: 'spec.containers[0].env[0].valueFrom',
      message:
        'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    });
  });
});
