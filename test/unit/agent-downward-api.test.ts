// The downward API as files: metadata fields, labels and annotations in
// upstream's `key="value"` format with Go quoting, container resources with
// divisors, and the payload paths and modes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import {
  containerResourceValue,
  formatMap,
  goQuote,
  metadataFieldValue,
} from '../../src/agent/downward-fields.ts';
import { validatePayloadPath } from '../../src/agent/volumes/index.ts';
import {
  aggregateMessage,
  downwardApiPayload,
  type PayloadContext,
} from '../../src/agent/volumes/payloads.ts';

const pod: V1Pod = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    labels: { tier: 'front', app: 'web', 'example.com/zone': 'a' },
    annotations: { multi: 'line one\nline "two"', empty: '' },
  },
  spec: {
    containers: [
      { name: 'app', resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '1500m' } } },
    ],
    initContainers: [{ name: 'setup', resources: { limits: { memory: '1Gi' } } }],
  },
};

const ctx = (p: V1Pod = pod): PayloadContext => ({
  pod: p,
  source: { configMap: async () => undefined, secret: async () => undefined },
  nodeAllocatable: { cpu: '8', memory: '16Gi', 'ephemeral-storage': '100Gi' },
  warn: () => {},
});

describe('goQuote', () => {
  it('quotes as Go’s %q does', () => {
    assert.equal(goQuote('plain'), '"plain"');
    assert.equal(goQuote('a "b" \\c'), '"a \\"b\\" \\\\c"');
    assert.equal(goQuote('tab\tnl\ncr\rbell\x07'), '"tab\\tnl\\ncr\\rbell\\a"');
    assert.equal(goQuote('\x00\x1b\x7f'), '"\\x00\\x1b\\x7f"');
    assert.equal(goQuote('héllo 世界 🚀'), '"héllo 世界 🚀"');
    assert.equal(goQuote('nbsp\u00a0zw\u200b'), '"nbsp\\u00a0zw\\u200b"');
    assert.equal(goQuote(''), '""');
  });
});

describe('metadata fields', () => {
  it('renders labels and annotations sorted, one quoted pair per line, no final newline', () => {
    assert.equal(metadataFieldValue(pod, 'metadata.labels'), 'app="web"\nexample.com/zone="a"\ntier="front"');
    assert.equal(
      metadataFieldValue(pod, 'metadata.annotations'),
      'empty=""\nmulti="line one\\nline \\"two\\""',
    );
    assert.equal(formatMap(undefined), '');
  });

  it('reads single keys and scalar fields', () => {
    assert.equal(metadataFieldValue(pod, "metadata.labels['example.com/zone']"), 'a');
    assert.equal(metadataFieldValue(pod, "metadata.annotations['multi']"), 'line one\nline "two"');
    assert.equal(metadataFieldValue(pod, "metadata.labels['nope']"), '');
    assert.equal(metadataFieldValue(pod, 'metadata.name'), 'web');
    assert.equal(metadataFieldValue(pod, 'metadata.namespace'), 'shop');
    assert.equal(metadataFieldValue(pod, 'metadata.uid'), 'u-1');
  });

  it('rejects what volumes may not show', () => {
    assert.throws(() => metadataFieldValue(pod, 'spec.nodeName'), {
      message: 'unsupported fieldPath: spec.nodeName',
    });
    assert.throws(() => metadataFieldValue(pod, "metadata.name['x']"), {
      message: `fieldPath "metadata.name['x']" does not support subscript`,
    });
  });
});

describe('container resources', () => {
  const value = (resource: string, divisor?: string, containerName = 'app') =>
    containerResourceValue({ containerName, resource, divisor }, pod, undefined, ctx().nodeAllocatable);

  it('divides and rounds up', () => {
    assert.equal(value('requests.cpu'), '1');
    assert.equal(value('requests.cpu', '1m'), '100');
    assert.equal(value('limits.cpu'), '2');
    assert.equal(value('limits.cpu', '100m'), '15');
    assert.equal(value('requests.memory'), String(32 * 1024 * 1024));
    assert.equal(value('requests.memory', '1Mi'), '32');
    assert.equal(value('requests.memory', '1M'), '34');
    assert.equal(value('requests.memory', '1Gi'), '1');
  });

  it('reads unset limits as node allocatable, unset requests as zero', () => {
    assert.equal(value('limits.memory', '1Gi'), '16');
    assert.equal(value('limits.ephemeral-storage', '1Gi'), '100');
    assert.equal(value('requests.ephemeral-storage'), '0');
    assert.equal(value('limits.memory', '1Mi', 'setup'), '1024');
  });

  it('rejects unknown resources and containers', () => {
    assert.throws(() => value('limits.gpu'), { message: 'unsupported container resource : limits.gpu' });
    assert.throws(() => value('limits.cpu', undefined, 'ghost'), { message: 'container ghost not found' });
  });
});

describe('downwardAPI payload', () => {
  it('makes one file per item with its mode or the default', () => {
    const payload = downwardApiPayload(
      [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        { path: 'meta/./name', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 },
        {
          path: 'cpu_limit',
          resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' },
        },
      ],
      0o644,
      ctx(),
    );
    assert.deepEqual(
      [...payload].map(([p, f]) => [p, f.data.toString(), f.mode.toString(8)]),
      [
        ['labels', 'app="web"\nexample.com/zone="a"\ntier="front"', '644'],
        ['meta/name', 'web', '400'],
        ['cpu_limit', '1500', '644'],
      ],
    );
  });

  it('reports every failing item at once', () => {
    assert.throws(
      () =>
        downwardApiPayload(
          [
            { path: 'a', fieldRef: { fieldPath: 'spec.nodeName' } },
            { path: 'b', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'c', resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu' } },
          ],
          0o644,
          ctx(),
        ),
      { message: '[unsupported fieldPath: spec.nodeName, container ghost not found]' },
    );
    assert.equal(aggregateMessage(['one']), 'one');
  });
});

describe('payload paths', () => {
  it('refuses paths that could leave the volume or shadow the writer’s own entries', () => {
    validatePayloadPath('a/b/c');
    validatePayloadPath('..a'.slice(1));
    assert.throws(() => validatePayloadPath('/etc/passwd'), {
      message: 'invalid path: must be relative path: /etc/passwd',
    });
    assert.throws(() => validatePayloadPath('a/../../x'), {
      message: "invalid path: must not contain '..': a/../../x",
    });
    assert.throws(() => validatePayloadPath('..data'), {
      message: "invalid path: must not start with '..': ..data",
    });
    assert.throws(() => validatePayloadPath(''), { message: 'invalid path: must not be empty: ""' });
  });
});
