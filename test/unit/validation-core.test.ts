import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { causeAt, createErrors, type Obj, onlyCause } from './api-fixtures.ts';

const meta = (name = 'x') => ({ name, namespace: 'default' });
const configKeyMessage =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe('ConfigMap', () => {
  test('keys must be config keys', () => {
    assert.deepEqual(onlyCause(createErrors('v1', 'ConfigMap', { metadata: meta(), data: { 'a/b': '1' } })), {
      reason: 'FieldValueInvalid',
      field: 'data[a/b]',
      message: `Invalid value: "a/b": ${configKeyMessage}`,
    });
    assert.deepEqual(
      onlyCause(createErrors('v1', 'ConfigMap', { metadata: meta(), data: { '..cfg': '1' } })),
      {
        reason: 'FieldValueInvalid',
        field: 'data[..cfg]',
        message: `Invalid value: "..cfg": must not start with '..'`,
      },
    );
  });

  test('a key may not be in both data and binaryData', () => {
    assert.deepEqual(
      onlyCause(
        createErrors('v1', 'ConfigMap', { metadata: meta(), data: { k: 'a' }, binaryData: { k: 'YQ==' } }),
      ),
      {
        reason: 'FieldValueInvalid',
        field: 'data[k]',
        message: 'Invalid value: "k": duplicate of key present in binaryData',
      },
    );
  });

  test('total size is at most 1 MiB', () => {
    const c = onlyCause(
      createErrors('v1', 'ConfigMap', { metadata: meta(), data: { big: 'x'.repeat(1024 * 1024 + 1) } }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueTooLong',
      message: 'Too long: must have at most 1048576 bytes',
    });
  });
});

describe('Secret', () => {
  test('keys and size', () => {
    assert.deepEqual(
      onlyCause(createErrors('v1', 'Secret', { metadata: meta(), data: { 'bad key': 'eA==' } })).field,
      'data[bad key]',
    );
    const big = Buffer.alloc(1024 * 1024 + 1).toString('base64');
    assert.deepEqual(onlyCause(createErrors('v1', 'Secret', { metadata: meta(), data: { big } })), {
      reason: 'FieldValueTooLong',
      field: 'data',
      message: 'Too long: must have at most 1048576 bytes',
    });
  });

  test('typed secrets need their keys', () => {
    const causes = createErrors('v1', 'Secret', {
      metadata: meta(),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'eA==' },
    });
    assert.deepEqual(onlyCause(causes), {
      reason: 'FieldValueRequired',
      field: 'data[tls.key]',
      message: 'Required value',
    });
    const sa = onlyCause(
      createErrors('v1', 'Secret', { metadata: meta(), type: 'kubernetes.io/service-account-token' }),
    );
    assert.equal(sa.field, 'metadata.annotations[kubernetes.io/service-account.name]');
  });
});

function service(spec: Obj, name = 'web'): Obj {
  return { metadata: meta(name), spec };
}

describe('Service', () => {
  test('a valid service', () => {
    assert.deepEqual(
      createErrors(
        'v1',
        'Service',
        service({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }),
      ),
      [],
    );
  });

  test('ports are required unless headless or ExternalName', () => {
    assert.deepEqual(onlyCause(createErrors('v1', 'Service', service({}))), {
      reason: 'FieldValueRequired',
      field: 'spec.ports',
      message: 'Required value',
    });
    assert.deepEqual(createErrors('v1', 'Service', service({ clusterIP: 'None' })), []);
    assert.deepEqual(
      createErrors('v1', 'Service', service({ type: 'ExternalName', externalName: 'db.example.com' })),
      [],
    );
  });

  test('port range, names and uniqueness', () => {
    const causes = createErrors(
      'v1',
      'Service',
      service({
        ports: [
          { port: 0, name: 'http' },
          { port: 80, name: 'http' },
          { port: 80, name: 'b' },
        ],
      }),
    );
    assert.deepEqual(causeAt(causes, 'spec.ports[0].port'), {
      reason: 'FieldValueInvalid',
      field: 'spec.ports[0].port',
      message: 'Invalid value: 0: must be between 1 and 65535, inclusive',
    });
    assert.deepEqual(causeAt(causes, 'spec.ports[1].name'), {
      reason: 'FieldValueDuplicate',
      field: 'spec.ports[1].name',
      message: 'Duplicate value: "http"',
    });
    assert.equal(causeAt(causes, 'spec.ports[2]').reason, 'FieldValueDuplicate');
  });

  test('multiple ports must be named', () => {
    const c = onlyCause(
      createErrors('v1', 'Service', service({ ports: [{ port: 80, name: 'http' }, { port: 443 }] })),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueRequired',
      field: 'spec.ports[1].name',
      message: 'Required value',
    });
  });

  test('targetPort by number or name', () => {
    const c = onlyCause(
      createErrors('v1', 'Service', service({ ports: [{ port: 80, targetPort: 'http-' }] })),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.ports[0].targetPort',
      message: 'Invalid value: "http-": must not begin or end with a hyphen',
    });
  });

  test('type values', () => {
    const c = onlyCause(createErrors('v1', 'Service', service({ type: 'Internal', ports: [{ port: 80 }] })));
    assert.deepEqual(c, {
      reason: 'FieldValueNotSupported',
      field: 'spec.type',
      message:
        'Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    });
  });

  test('nodePort only for NodePort and LoadBalancer', () => {
    const c = onlyCause(createErrors('v1', 'Service', service({ ports: [{ port: 80, nodePort: 30080 }] })));
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'spec.ports[0].nodePort',
      message: "Forbidden: may not be used when `type` is 'ClusterIP'",
    });
    assert.deepEqual(
      createErrors('v1', 'Service', service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })),
      [],
    );
  });

  test('cluster IPs must be IPs', () => {
    const c = onlyCause(
      createErrors('v1', 'Service', service({ clusterIP: '10.43.0.300', ports: [{ port: 80 }] })),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.clusterIPs[0]',
      message: 'Invalid value: "10.43.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    });
  });
});

describe('other core kinds', () => {
  test('PersistentVolumeClaim', () => {
    const causes = createErrors('v1', 'PersistentVolumeClaim', {
      metadata: meta(),
      spec: { resources: { requests: {} } },
    });
    assert.deepEqual(causeAt(causes, 'spec.accessModes'), {
      reason: 'FieldValueRequired',
      field: 'spec.accessModes',
      message: 'Required value: at least 1 access mode is required',
    });
    assert.deepEqual(causeAt(causes, 'spec.resources[storage]'), {
      reason: 'FieldValueRequired',
      field: 'spec.resources[storage]',
      message: 'Required value',
    });
    const mode = onlyCause(
      createErrors('v1', 'PersistentVolumeClaim', {
        metadata: meta(),
        spec: { accessModes: ['ReadWriteEverywhere'], resources: { requests: { storage: '1Gi' } } },
      }),
    );
    assert.equal(
      mode.message,
      'Unsupported value: "ReadWriteEverywhere": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    );
  });

  test('Node taints', () => {
    const c = onlyCause(
      createErrors('v1', 'Node', {
        metadata: { name: 'n1' },
        spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'Sometimes' }] },
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueNotSupported',
      field: 'metadata.taints[0].effect',
      message:
        'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    });
  });

  test('Endpoints and EndpointSlices', () => {
    const ep = onlyCause(
      createErrors('v1', 'Endpoints', {
        metadata: meta(),
        subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }],
      }),
    );
    assert.deepEqual(ep, {
      reason: 'FieldValueInvalid',
      field: 'subsets[0].addresses[0].ip',
      message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    });
    const slice = {
      metadata: meta('web-abc'),
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.42.0.7'] }],
      ports: [{ port: 80, name: 'http' }],
    };
    assert.deepEqual(createErrors('discovery.k8s.io/v1', 'EndpointSlice', slice), []);
    const noAddr = { ...slice, endpoints: [{ addresses: [] }] };
    assert.deepEqual(onlyCause(createErrors('discovery.k8s.io/v1', 'EndpointSlice', noAddr)), {
      reason: 'FieldValueRequired',
      field: 'endpoints[0].addresses',
      message: 'Required value: must contain at least 1 address',
    });
  });

  test('Lease', () => {
    const c = onlyCause(
      createErrors('coordination.k8s.io/v1', 'Lease', {
        metadata: meta(),
        spec: { leaseDurationSeconds: 0 },
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'spec.leaseDurationSeconds',
      message: 'Invalid value: 0: must be greater than 0',
    });
  });

  test('Events must be in the namespace of what they describe', () => {
    const ev = {
      metadata: meta('web.17a'),
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'other' },
      reason: 'Started',
    };
    assert.deepEqual(onlyCause(createErrors('v1', 'Event', ev)), {
      reason: 'FieldValueInvalid',
      field: 'involvedObject.namespace',
      message: 'Invalid value: "other": does not match event.namespace',
    });
    const modern = {
      metadata: meta('web.17b'),
      eventTime: '2024-05-01T10:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'web', namespace: 'default' },
      reportingController: 'orca.dev/scheduler',
      reportingInstance: 'orca-1',
      action: 'Binding',
      reason: 'Scheduled',
      type: 'Normal',
    };
    assert.deepEqual(createErrors('events.k8s.io/v1', 'Event', modern), []);
  });
});
