import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeProtobufObject, isProtobufContentType } from '../../src/api/protobuf/index.ts';
import { envelopeType, kindType } from '../../src/api/protobuf/root.ts';
import { StatusError } from '../../src/api/status.ts';

// biome-ignore lint/suspicious/noExplicitAny: decoded objects are navigated freely in assertions
type Obj = Record<string, any>;

const fixture = (name: string) => readFileSync(new URL(`../fixtures/protobuf/${name}`, import.meta.url));
const decodeFixture = (name: string) => decodeProtobufObject(fixture(name));

/** Wraps an encoded object the way kubectl does: "k8s\0" then runtime.Unknown. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: Record<string, unknown> = {}) {
  const unknown = envelopeType();
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, ...extra })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), body]);
}

/** Encodes a message given with proto field names (inline structs under their proto field). */
function encode(apiVersion: string, kind: string, message: Record<string, unknown>) {
  const type = kindType(apiVersion, kind);
  assert.ok(type, `${apiVersion} ${kind} has a message type`);
  return envelope(apiVersion, kind, type.encode(type.fromObject(message)).finish());
}

/** A length-delimited field, for hand-built bodies with fields the schema lacks. */
function lengthDelimited(id: number, payload: Uint8Array | string): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  assert.ok(id < 16 && bytes.length < 128, 'one-byte tag and length keep this helper simple');
  return Buffer.concat([Buffer.from([(id << 3) | 2, bytes.length]), bytes]);
}

function assertStatus(fn: () => unknown, code: number, reason: string, message?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${e}`);
    assert.equal(e.code, code);
    assert.equal(e.reason, reason);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('protobuf bodies kubectl create sends', () => {
  it('decodes a namespace (body from the kubectl traces)', () => {
    assert.deepEqual(decodeFixture('namespace-demo.bin'), {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo', creationTimestamp: null },
    });
  });

  it('decodes a configmap (body from the kubectl traces)', () => {
    assert.deepEqual(decodeFixture('configmap-cm1.bin'), {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm1', creationTimestamp: null },
      data: { a: 'b' },
    });
  });

  it('decodes `create deployment web --image=nginx --replicas=2`', () => {
    const labels = { app: 'web' };
    assert.deepEqual(decodeFixture('deployment-web.bin'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: null, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { creationTimestamp: null, labels },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
      },
    });
  });

  it('decodes a deployment with two images, a port and a namespace', () => {
    const d = decodeFixture('deployment-multi.bin') as Obj;
    assert.equal(d.metadata.namespace, 'team');
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.template.spec.containers, [
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] },
      { name: 'busybox', image: 'busybox' },
    ]);
  });

  it('keeps a container command', () => {
    const d = decodeFixture('deployment-command.bin') as Obj;
    assert.deepEqual(d.spec.template.spec.containers[0].command, ['sleep', '3600']);
  });

  it('turns secret bytes into base64 strings and keeps the type', () => {
    assert.deepEqual(decodeFixture('secret-generic.bin'), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1', creationTimestamp: null },
      data: { a: Buffer.from('b').toString('base64'), bin: Buffer.from('/wB4').toString('base64') },
    });
    const reg = decodeFixture('secret-docker-registry.bin') as Obj;
    assert.equal(reg.type, 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString());
    assert.equal(config.auths['r.example'].username, 'u');
  });

  it('decodes service ports with numeric and named target ports', () => {
    assert.deepEqual(decodeFixture('service-clusterip.bin'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc1', creationTimestamp: null, labels: { app: 'svc1' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
        ],
        selector: { app: 'svc1' },
        type: 'ClusterIP',
      },
    });
    const np = decodeFixture('service-nodeport.bin') as Obj;
    assert.equal(np.spec.type, 'NodePort');
    assert.equal(np.spec.ports[0].nodePort, 30080);
    const headless = decodeFixture('service-headless.bin') as Obj;
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(headless.spec.ports, undefined);
  });

  it('decodes jobs, cronjobs and service accounts', () => {
    const job = decodeFixture('job-echo.bin') as Obj;
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    assert.deepEqual(job.spec.template.spec.containers[0].command, ['echo', 'hi']);
    const cj = decodeFixture('cronjob.bin') as Obj;
    assert.equal(cj.spec.schedule, '*/5 * * * *');
    assert.equal(cj.spec.jobTemplate.metadata.name, 'cj1');
    assert.equal(cj.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
    assert.deepEqual(decodeFixture('serviceaccount.bin'), {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa1', creationTimestamp: null },
    });
  });

  it('decodes a full pod template as kubectl encoded it from the cronjob it read', () => {
    const job = decodeFixture('job-from-cronjob.bin') as Obj;
    const source = JSON.parse(fixture('job-from-cronjob.source.json').toString());
    const expected = structuredClone(source.spec.jobTemplate.spec.template.spec);
    // What kubectl's own round trip through Go types changes: quantities are
    // canonical and an empty env value is omitted.
    expected.containers[0].resources.requests.cpu = '100m';
    delete expected.containers[0].env.find((e: { name: string }) => e.name === 'EMPTY').value;
    assert.deepEqual(job.spec.template.spec, expected);
    assert.deepEqual(job.spec.template.metadata, {
      creationTimestamp: null,
      ...source.spec.jobTemplate.spec.template.metadata,
    });
    assert.equal(job.spec.backoffLimit, 2);
    assert.equal(job.spec.ttlSecondsAfterFinished, 100);
    assert.deepEqual(job.metadata.ownerReferences, [
      { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj1', uid: source.metadata.uid, controller: true },
    ]);
  });
});

describe('protobuf bodies encoded with orca’s own schema', () => {
  it('keeps zero values of pointer fields, empty volume sources and times', () => {
    const body = encode('v1', 'Pod', {
      metadata: {
        name: 'p',
        namespace: 'default',
        creationTimestamp: { seconds: 1767225600 },
        deletionGracePeriodSeconds: 0,
        generation: 0,
      },
      spec: {
        volumes: [{ name: 'scratch', volumeSource: { emptyDir: {} } }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            livenessProbe: { handler: { grpc: { port: 9000 } }, periodSeconds: 5 },
            securityContext: { runAsUser: 0, privileged: false },
            stdin: false,
          },
        ],
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        hostNetwork: false,
      },
      status: {},
    });
    assert.deepEqual(decodeProtobufObject(body), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'default',
        creationTimestamp: '2026-01-01T00:00:00Z',
        deletionGracePeriodSeconds: 0,
      },
      spec: {
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [
          {
            name: 'c',
            image: 'busybox',
            livenessProbe: { grpc: { port: 9000 }, periodSeconds: 5 },
            securityContext: { runAsUser: 0, privileged: false },
          },
        ],
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
      },
    });
  });

  it('decodes int-or-string values and a deployment scaled to zero', () => {
    const body = encode('apps/v1', 'Deployment', {
      metadata: { name: 'd' },
      spec: {
        replicas: 0,
        paused: true,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 0 } },
        },
      },
    });
    const d = decodeProtobufObject(body) as Obj;
    assert.deepEqual(d.spec, {
      replicas: 0,
      paused: true,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    });
  });
});

describe('protobuf bodies orca refuses', () => {
  it('answers 400 for a body without the k8s prefix or with a broken envelope', () => {
    assertStatus(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')), 400, 'BadRequest', /k8s\\x00/);
    assertStatus(() => decodeProtobufObject(new Uint8Array()), 400, 'BadRequest');
    const truncated = fixture('namespace-demo.bin').subarray(0, 20);
    assertStatus(() => decodeProtobufObject(truncated), 400, 'BadRequest', /envelope/);
    const noType = Buffer.concat([Buffer.from('k8s\0', 'latin1'), lengthDelimited(2, 'x')]);
    assertStatus(() => decodeProtobufObject(noType), 400, 'BadRequest', /apiVersion and kind/);
  });

  it('answers 400 when the object bytes are not a valid message', () => {
    const body = envelope('v1', 'Namespace', Buffer.from([0x0a, 0x7f, 0x01]));
    assertStatus(() => decodeProtobufObject(body), 400, 'BadRequest', /Namespace/);
  });

  it('answers 415 for kinds it cannot decode', () => {
    assertStatus(
      () => decodeProtobufObject(envelope('v1', 'Node', new Uint8Array())),
      415,
      'UnsupportedMediaType',
      /Kind=Node/,
    );
    const pdb = envelope('policy/v1', 'PodDisruptionBudget', new Uint8Array());
    assertStatus(() => decodeProtobufObject(pdb), 415, 'UnsupportedMediaType', /application\/json/);
  });

  it('answers 415 for fields its schema lacks instead of dropping them', () => {
    const namespace = kindType('v1', 'Namespace');
    assert.ok(namespace);
    const known = namespace.encode(namespace.fromObject({ metadata: { name: 'x' } })).finish();
    const extra = envelope('v1', 'Namespace', Buffer.concat([known, lengthDelimited(9, '')]));
    assertStatus(
      () => decodeProtobufObject(extra),
      415,
      'UnsupportedMediaType',
      /field 9 of k8s\.io\.api\.core\.v1\.Namespace/,
    );
    // A gcePersistentDisk volume (VolumeSource field 3), deep inside a pod.
    const volume = Buffer.concat([lengthDelimited(1, 'disk'), lengthDelimited(2, lengthDelimited(3, ''))]);
    const pod = lengthDelimited(2, lengthDelimited(1, volume));
    assertStatus(
      () => decodeProtobufObject(envelope('v1', 'Pod', pod)),
      415,
      'UnsupportedMediaType',
      /field 3 of k8s\.io\.api\.core\.v1\.VolumeSource at spec\.volumes\.volumeSource/,
    );
  });

  it('answers 415 for a compressed object', () => {
    const body = envelope('v1', 'Namespace', new Uint8Array(), { contentEncoding: 'gzip' });
    assertStatus(() => decodeProtobufObject(body), 415, 'UnsupportedMediaType', /gzip/);
  });
});

describe('isProtobufContentType', () => {
  it('matches the Kubernetes protobuf media type with or without parameters', () => {
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobufContentType('Application/VND.Kubernetes.Protobuf; charset=utf-8'), true);
    assert.equal(isProtobufContentType('application/json'), false);
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isProtobufContentType(undefined), false);
  });
});
