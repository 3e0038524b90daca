// A container's environment: envFrom then env, valueFrom sources, optional
// references, the kubelet's error messages, and the merge with image Env.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ConfigSource } from '../../src/agent/config-sources.ts';
import { ContainerConfigError } from '../../src/agent/container-config-error.ts';
import { containerEnv, type EnvContext, mergeImageEnv } from '../../src/agent/container-env.ts';
import type { KubeObject } from '../../src/api/object.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** ConfigMaps and Secrets given as plain data, the way the API returns them. */
function objects(
  cms: Record<string, Record<string, string>>,
  secrets: Record<string, Record<string, string>> = {},
): ConfigSource {
  const obj = (name: string, field: Record<string, string>): KubeObject => ({
    metadata: { name },
    data: field,
  });
  return {
    configMap: async (_ns, name) => (cms[name] ? obj(name, cms[name]) : undefined),
    secret: async (_ns, name) =>
      secrets[name]
        ? obj(name, Object.fromEntries(Object.entries(secrets[name]).map(([k, v]) => [k, b64(v)])))
        : undefined,
  };
}

const pod: V1Pod = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    labels: { app: 'web', tier: 'front' },
    annotations: { note: 'say "hi"' },
  },
  spec: { nodeName: 'node-a', serviceAccountName: 'robot', containers: [] },
};

function context(
  container: Partial<V1Container>,
  source: ConfigSource = objects({}),
  extra: Partial<EnvContext> = {},
): EnvContext {
  const c = { name: 'app', ...container } as V1Container;
  return {
    pod: { ...pod, spec: { ...pod.spec!, containers: [c] } },
    container: c,
    runtime: { hostIP: '192.0.2.10', podIP: '10.42.0.7', podIPs: ['10.42.0.7', 'fd00::7'] },
    nodeAllocatable: { cpu: '4', memory: '8Gi' },
    source,
    ...extra,
  };
}

const asRecord = (env: { name: string; value: string }[]) =>
  Object.fromEntries(env.map((e) => [e.name, e.value]));

async function configError(p: Promise<unknown>): Promise<ContainerConfigError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ContainerConfigError, String(e));
    return e;
  }
  assert.fail('expected a ContainerConfigError');
}

describe('containerEnv', () => {
  it('expands $(VAR) against variables defined earlier only', async () => {
    const env = await containerEnv(
      context({
        env: [
          { name: 'A', value: 'a' },
          { name: 'B', value: '$(A)-$(C)' },
          { name: 'C', value: 'c' },
          { name: 'D', value: '$$(A) $(A)$(C)' },
        ],
      }),
    );
    assert.deepEqual(env, [
      { name: 'A', value: 'a' },
      { name: 'B', value: 'a-$(C)' },
      { name: 'C', value: 'c' },
      { name: 'D', value: '$(A) ac' },
    ]);
  });

  it('puts envFrom first, with prefixes, and lets env override it', async () => {
    const source = objects({ cfg: { HOST: 'db', PORT: '5432' } }, { creds: { PASSWORD: 's3cret' } });
    const env = await containerEnv(
      context(
        {
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'DB_' }, { secretRef: { name: 'creds' } }],
          env: [
            { name: 'DB_PORT', value: '6543' },
            { name: 'URL', value: 'postgres://$(DB_HOST):$(DB_PORT)' },
          ],
        },
        source,
      ),
    );
    assert.deepEqual(asRecord(env), {
      DB_HOST: 'db',
      DB_PORT: '6543',
      PASSWORD: 's3cret',
      URL: 'postgres://db:6543',
    });
  });

  it('skips envFrom keys that are not variable names and warns once per source', async () => {
    const warnings: { reason: string; message: string }[] = [];
    const env = await containerEnv(
      context(
        { envFrom: [{ configMapRef: { name: 'cfg' } }] },
        objects({ cfg: { GOOD: '1', 'b=ad': '2', 'also=bad': '3' } }),
        {
          onWarning: (w) => warnings.push(w),
        },
      ),
    );
    assert.deepEqual(asRecord(env), { GOOD: '1' });
    assert.deepEqual(warnings, [
      {
        reason: 'InvalidEnvironmentVariableNames',
        message:
          'Keys [also=bad, b=ad] from the EnvFrom configMap shop/cfg were skipped since they are considered invalid environment variable names.',
      },
    ]);
  });

  it('reads single keys of ConfigMaps and Secrets', async () => {
    const env = await containerEnv(
      context(
        {
          env: [
            { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          ],
        },
        objects({ cfg: { level: 'debug' } }, { creds: { token: 'abc' } }),
      ),
    );
    assert.deepEqual(asRecord(env), { LEVEL: 'debug', TOKEN: 'abc' });
  });

  it('leaves out optional references that are missing', async () => {
    const env = await containerEnv(
      context(
        {
          envFrom: [
            { configMapRef: { name: 'gone', optional: true } },
            { secretRef: { name: 'gone', optional: true } },
          ],
          env: [
            { name: 'A', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } },
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey', optional: true } } },
            { name: 'C', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } },
            { name: 'D', value: 'kept' },
          ],
        },
        objects({ cfg: {} }),
      ),
    );
    assert.deepEqual(env, [{ name: 'D', value: 'kept' }]);
  });

  it('fails with the kubelet’s messages for missing objects and keys', async () => {
    const source = objects({ cfg: { a: '1' } }, { creds: { a: '1' } });
    const cases: [Partial<V1Container>, string][] = [
      [{ envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
      [{ envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
      [
        { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'a' } } }] },
        'configmap "nope" not found',
      ],
      [
        { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] },
        "couldn't find key k in ConfigMap shop/cfg",
      ],
      [
        { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] },
        "couldn't find key k in Secret shop/creds",
      ],
    ];
    for (const [container, message] of cases) {
      const err = await configError(containerEnv(context(container, source)));
      assert.equal(err.reason, 'CreateContainerConfigError');
      assert.equal(err.message, message);
    }
  });

  it('resolves pod and node fields', async () => {
    const fields = [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      "metadata.labels['app']",
      "metadata.annotations['note']",
      "metadata.labels['missing']",
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.hostIP',
      'status.podIP',
      'status.podIPs',
    ];
    const env = await containerEnv(
      context({ env: fields.map((f, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath: f } } })) }),
    );
    assert.deepEqual(
      env.map((e) => e.value),
      [
        'web',
        'shop',
        'u-1',
        'web',
        'say "hi"',
        '',
        'node-a',
        'robot',
        '192.0.2.10',
        '10.42.0.7',
        '10.42.0.7,fd00::7',
      ],
    );
  });

  it('resolves resources, rounding up, with node allocatable for unset limits', async () => {
    const env = await containerEnv(
      context({
        resources: { requests: { cpu: '250m', memory: '100Mi' }, limits: { memory: '1Gi' } },
        env: [
          { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
          { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
          { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          {
            name: 'MEM_LIMIT_MI',
            valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
          },
          {
            name: 'MEM_REQ',
            valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Gi' } },
          },
        ],
      }),
    );
    assert.deepEqual(asRecord(env), {
      CPU_REQ: '1',
      CPU_REQ_M: '250',
      CPU_LIMIT: '4',
      MEM_LIMIT_MI: '1024',
      MEM_REQ: '1',
    });
  });

  it('reports an unsupported field as a config error', async () => {
    const err = await configError(
      containerEnv(context({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] })),
    );
    assert.equal(err.message, 'unsupported fieldPath: spec.bogus');
  });
});

describe('mergeImageEnv', () => {
  it('keeps image variables first and lets the container override them in place', () => {
    assert.deepEqual(
      mergeImageEnv(
        ['PATH=/usr/bin', 'LANG=C', 'EQ=a=b'],
        [
          { name: 'LANG', value: 'C.UTF-8' },
          { name: 'NEW', value: '1' },
        ],
      ),
      ['PATH=/usr/bin', 'LANG=C.UTF-8', 'EQ=a=b', 'NEW=1'],
    );
  });
});
