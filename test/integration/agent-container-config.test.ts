// A pod's container built by buildContainerConfig and run with real runc:
// the process sees the environment, user, volumes and termination log the
// kubelet would give it, a configMap update reaches it through refresh, and
// broken references fail as CreateContainerConfigError before anything runs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildContainerConfig, terminationMessageAnnotation } from '../../src/agent/container-config.ts';
import { ContainerConfigError } from '../../src/agent/container-config-error.ts';
import { VolumeManager } from '../../src/agent/volumes/index.ts';
import type { KubeObject } from '../../src/api/object.ts';
import { resources } from '../../src/api/resources.ts';
import { HttpClient } from '../../src/client/http-client.ts';
import { kubeconfigConnection } from '../../src/client/kubeconfig.ts';
import { silentLogger } from '../../src/util/log.ts';
import { startOrca } from '../helpers/orca.ts';
import { RuntimeFixture, runIn, runtimeSkip } from '../helpers/runtime-fixture.ts';

const r = (kind: string) => resources.find((x) => x.kind === kind && x.group === '')!;
const ns = 'config-test';
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('a container runs with the env, user, volumes and termination log the pod asks for', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const s = await startOrca();
  t.after(() => s.stop());
  const client = new HttpClient({ ...kubeconfigConnection(s.kubeconfig), fieldManager: 'config-test' });
  t.after(() => client.close());
  await client.create(r('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await client.create(r('ConfigMap'), {
    metadata: { name: 'settings', namespace: ns },
    data: { LEVEL: 'debug', '1st.key': 'x', 'app.conf': 'v1' },
  });
  await client.create(r('Secret'), {
    metadata: { name: 'creds', namespace: ns },
    data: { TOKEN: b64('s3cret') },
  });

  const pod: KubeObject = await client.create(r('Pod'), {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
    spec: {
      nodeName: 'node-a',
      securityContext: { runAsUser: 65534, fsGroup: 2000, supplementalGroups: [3000] },
      containers: [
        {
          name: 'app',
          image: 'busybox',
          command: ['sh', '-c', 'echo started as $(WHO); exec sleep 3600'],
          envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }],
          env: [
            { name: 'WHO', value: 'nobody' },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'TOKEN' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
          ],
          resources: { requests: { cpu: '100m' }, limits: { memory: '64Mi' } },
          volumeMounts: [
            { name: 'settings', mountPath: '/etc/settings' },
            { name: 'scratch', mountPath: '/scratch' },
          ],
        },
      ],
      volumes: [
        { name: 'settings', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'app.conf' }] } },
        { name: 'scratch', emptyDir: {} },
      ],
    },
  });
  const uid = pod.metadata.uid!;
  const volumes = new VolumeManager({ podsDir: join(f.dir, 'pods'), client, logger: silentLogger });
  t.after(() => volumes.tearDown(uid));
  const prepared = await volumes.setUp(pod, AbortSignal.timeout(10_000));

  const sandboxId = await f.runtime.createSandbox({
    podUid: uid,
    name: 'web',
    namespace: ns,
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  const rootfs = await f.rootfs('app');
  const warnings: string[] = [];
  const request = {
    pod,
    container: pod.spec.containers[0],
    imageConfig: { Env: ['PATH=/bin', 'FROM_IMAGE=yes', 'CFG_LEVEL=image'], Cmd: ['sh'] },
    node: { name: 'node-a', ip: '192.0.2.1', allocatable: { cpu: '2', memory: '4Gi' } },
    podIP: '10.99.0.5',
    client,
    volumes: prepared,
    sandboxId,
    rootfs,
    logPath: f.logPath('app'),
    attempt: 0,
    id: 'app',
    labels: { 'orca.container.name': 'app' },
    podDir: join(f.dir, 'pods', uid),
    signal: AbortSignal.timeout(10_000),
    onWarning: (w: { message: string }) => warnings.push(w.message),
  };
  const config = await buildContainerConfig(request);
  assert.deepEqual(config.args, ['sh', '-c', 'echo started as nobody; exec sleep 3600']);
  assert.deepEqual(config.user, { uid: 65534, gid: 65534, additionalGids: [65534, 3000, 2000] });
  assert.deepEqual(config.resources, {
    cpuShares: 102,
    cpuPeriod: 100_000,
    memoryLimitBytes: 64 * 1024 * 1024,
  });
  // Any config key is a valid name under the relaxed rules upstream now applies.
  assert.deepEqual(warnings, []);
  const terminationFile = config.annotations![terminationMessageAnnotation];
  assert.ok(terminationFile.startsWith(join(f.dir, 'pods', uid, 'containers', 'app')));

  await f.runtime.createContainer(config);
  await f.runtime.startContainer('app');

  const env = (await runIn(f.runtime, 'app', ['env'])).stdout.split('\n');
  for (const want of [
    'FROM_IMAGE=yes',
    'CFG_LEVEL=debug',
    'CFG_app.conf=v1',
    'CFG_1st.key=x',
    'TOKEN=s3cret',
    'POD_IP=10.99.0.5',
    'NODE=node-a',
    'MEM=64',
    'WHO=nobody',
  ])
    assert.ok(env.includes(want), `${want} in ${env.join(' ')}`);
  assert.equal((await runIn(f.runtime, 'app', ['id', '-u'])).stdout.trim(), '65534');
  assert.deepEqual((await runIn(f.runtime, 'app', ['id', '-G'])).stdout.trim().split(' ').sort(), [
    '2000',
    '3000',
    '65534',
  ]);

  assert.equal((await runIn(f.runtime, 'app', ['cat', '/etc/settings/app.conf'])).stdout, 'v1');
  const write = await runIn(f.runtime, 'app', ['sh', '-c', 'echo x > /etc/settings/new']);
  assert.notEqual(write.exitCode, 0, 'configMap volumes are read-only');
  assert.equal(
    (await runIn(f.runtime, 'app', ['sh', '-c', 'echo kept > /scratch/f && cat /scratch/f'])).stdout,
    'kept\n',
  );
  assert.equal(await readFile(join(prepared.get('scratch')!.hostPath, 'f'), 'utf8'), 'kept\n');

  // An update reaches the running container through the bind of the volume directory.
  await client.patch(r('ConfigMap'), ns, 'settings', 'merge', { data: { 'app.conf': 'v2' } });
  assert.deepEqual((await volumes.refresh(pod, AbortSignal.timeout(10_000))).updated, ['settings']);
  assert.equal((await runIn(f.runtime, 'app', ['cat', '/etc/settings/app.conf'])).stdout, 'v2');

  assert.equal((await runIn(f.runtime, 'app', ['sh', '-c', 'echo bye > /dev/termination-log'])).exitCode, 0);
  assert.equal(await readFile(terminationFile, 'utf8'), 'bye\n');

  await f.runtime.removeSandbox(sandboxId);
  await volumes.tearDown(uid);
  assert.deepEqual(await f.leftovers(), []);
});

test('broken references fail as CreateContainerConfigError before anything runs', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const s = await startOrca();
  t.after(() => s.stop());
  const client = new HttpClient({ ...kubeconfigConnection(s.kubeconfig), fieldManager: 'config-test' });
  t.after(() => client.close());
  await client.create(r('ConfigMap'), {
    metadata: { name: 'present', namespace: 'default' },
    data: { a: '1' },
  });
  const rootfs = await f.rootfs('app');

  const attempt = (container: object, podSecurity: object = {}) =>
    buildContainerConfig({
      pod: {
        metadata: { name: 'p', namespace: 'default', uid: 'u-1' },
        spec: { securityContext: podSecurity, containers: [container] },
      },
      container,
      imageConfig: { Cmd: ['sh'] },
      node: { name: 'n', ip: '192.0.2.1', allocatable: {} },
      client,
      volumes: new Map(),
      sandboxId: 'none',
      rootfs,
      logPath: f.logPath('app'),
      attempt: 0,
      id: 'app',
    });
  const cases: [object, object, string][] = [
    [{ name: 'c', envFrom: [{ configMapRef: { name: 'nope' } }] }, {}, 'configmap "nope" not found'],
    [
      { name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'present', key: 'b' } } }] },
      {},
      "couldn't find key b in ConfigMap default/present",
    ],
    [
      { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'b' } } }] },
      {},
      'secret "nope" not found',
    ],
    [
      { name: 'c' },
      { runAsNonRoot: true },
      'container has runAsNonRoot and image will run as root (pod: "p_default(u-1)", container: c)',
    ],
    [
      { name: 'c', volumeMounts: [{ name: 'ghost', mountPath: '/g' }] },
      {},
      'cannot find volume "ghost" to mount into container "c"',
    ],
  ];
  for (const [container, podSecurity, message] of cases) {
    await assert.rejects(
      attempt(container, podSecurity),
      (e: unknown) =>
        e instanceof ContainerConfigError &&
        e.reason === 'CreateContainerConfigError' &&
        e.message === message,
      message,
    );
  }
  assert.deepEqual(await f.runtime.listContainers(), []);
});
