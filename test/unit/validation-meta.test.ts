import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { causeAt, createErrors, dns1123Label, dns1123Subdomain, onlyCause, pod } from './api-fixtures.ts';

describe('object names', () => {
  test('most kinds take a DNS-1123 subdomain', () => {
    const c = onlyCause(
      createErrors('v1', 'ConfigMap', { metadata: { name: 'Bad_Name', namespace: 'default' } }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "Bad_Name": ${dns1123Subdomain}`,
    });
    assert.deepEqual(
      createErrors('v1', 'ConfigMap', { metadata: { name: 'a.b-c', namespace: 'default' } }),
      [],
    );
  });

  test('pods allow dotted names', () => {
    assert.deepEqual(createErrors('v1', 'Pod', pod({}, { name: 'web.v2' })), []);
  });

  test('namespaces take a DNS-1123 label', () => {
    const c = onlyCause(createErrors('v1', 'Namespace', { metadata: { name: 'team.a' } }));
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: 'Invalid value: "team.a": must not contain dots',
    });
    const upper = onlyCause(createErrors('v1', 'Namespace', { metadata: { name: 'Team' } }));
    assert.equal(upper.message, `Invalid value: "Team": ${dns1123Label}`);
  });

  test('services take a DNS-1035 label', () => {
    const c = onlyCause(
      createErrors('v1', 'Service', {
        metadata: { name: '1web', namespace: 'default' },
        spec: { ports: [{ port: 80 }] },
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message:
        "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    });
  });

  test('a name is required', () => {
    const c = onlyCause(createErrors('v1', 'ConfigMap', { metadata: { namespace: 'default' } }));
    assert.deepEqual(c, {
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  });

  test('generateName may end in a dash but must otherwise be a valid name', () => {
    assert.deepEqual(
      createErrors('v1', 'ConfigMap', {
        metadata: { name: 'web-x7k2p', generateName: 'web-', namespace: 'default' },
      }),
      [],
    );
    const causes = createErrors('v1', 'ConfigMap', {
      metadata: { name: 'ok', generateName: 'Web-', namespace: 'default' },
    });
    assert.equal(onlyCause(causes).field, 'metadata.generateName');
  });

  test('over-long names', () => {
    const long = 'a'.repeat(254);
    const c = onlyCause(createErrors('v1', 'ConfigMap', { metadata: { name: long, namespace: 'default' } }));
    assert.equal(c.message, `Invalid value: "${long}": must be no more than 253 characters`);
    // A namespace's name is also its kubernetes.io/metadata.name label, so both complain.
    const ns = createErrors('v1', 'Namespace', { metadata: { name: 'a'.repeat(64) } });
    assert.deepEqual(
      ns.map((e) => e.field),
      ['metadata.name', 'metadata.labels'],
    );
  });
});

describe('namespace scope', () => {
  test('namespaced kinds need a namespace', () => {
    const c = onlyCause(createErrors('v1', 'ConfigMap', { metadata: { name: 'cm' } }));
    assert.deepEqual(c, {
      reason: 'FieldValueRequired',
      field: 'metadata.namespace',
      message: 'Required value',
    });
  });

  test('cluster-scoped kinds refuse one', () => {
    const c = onlyCause(createErrors('v1', 'Node', { metadata: { name: 'n1', namespace: 'default' } }));
    assert.deepEqual(c, {
      reason: 'FieldValueForbidden',
      field: 'metadata.namespace',
      message: 'Forbidden: not allowed on this type',
    });
  });
});

describe('labels and annotations', () => {
  const cm = (meta: object) => ({ metadata: { name: 'cm', namespace: 'default', ...meta } });

  test('label keys are qualified names', () => {
    const c = onlyCause(createErrors('v1', 'ConfigMap', cm({ labels: { 'bad key': 'v' } })));
    assert.equal(c.field, 'metadata.labels');
    assert.equal(
      c.message,
      "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
    const prefixed = onlyCause(createErrors('v1', 'ConfigMap', cm({ labels: { 'Example.com/app': 'v' } })));
    assert.match(
      prefixed.message,
      /^Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/,
    );
  });

  test('label values are at most 63 characters', () => {
    const long = 'v'.repeat(64);
    const c = onlyCause(createErrors('v1', 'ConfigMap', cm({ labels: { app: long } })));
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.labels',
      message: `Invalid value: "${long}": must be no more than 63 characters`,
    });
  });

  test('label values have a restricted alphabet', () => {
    const c = onlyCause(createErrors('v1', 'ConfigMap', cm({ labels: { app: 'a b' } })));
    assert.match(
      c.message,
      /^Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters/,
    );
  });

  test('annotation keys are case-insensitive qualified names; values are free', () => {
    assert.deepEqual(
      createErrors('v1', 'ConfigMap', cm({ annotations: { 'Example.com/Note': 'any text at all' } })),
      [],
    );
    const c = onlyCause(createErrors('v1', 'ConfigMap', cm({ annotations: { 'a/b/c': 'x' } })));
    assert.equal(c.field, 'metadata.annotations');
  });

  test('annotations total at most 256 KiB', () => {
    const c = onlyCause(
      createErrors('v1', 'ConfigMap', cm({ annotations: { big: 'x'.repeat(256 * 1024) } })),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: 'Too long: must have at most 262144 bytes',
    });
  });
});

describe('finalizers and owners', () => {
  test('unqualified finalizers must be standard ones', () => {
    const c = onlyCause(
      createErrors('v1', 'ConfigMap', {
        metadata: { name: 'cm', namespace: 'default', finalizers: ['cleanup'] },
      }),
    );
    assert.deepEqual(c, {
      reason: 'FieldValueInvalid',
      field: 'metadata.finalizers[0]',
      message:
        'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    });
    assert.deepEqual(
      createErrors('v1', 'ConfigMap', {
        metadata: { name: 'cm', namespace: 'default', finalizers: ['example.com/cleanup', 'orphan'] },
      }),
      [],
    );
  });

  test('owner references need kind, name and uid', () => {
    const causes = createErrors('v1', 'ConfigMap', {
      metadata: {
        name: 'cm',
        namespace: 'default',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }],
      },
    });
    assert.deepEqual(causeAt(causes, 'metadata.ownerReferences.uid'), {
      reason: 'FieldValueInvalid',
      field: 'metadata.ownerReferences.uid',
      message: 'Invalid value: "": must not be empty',
    });
  });
});
