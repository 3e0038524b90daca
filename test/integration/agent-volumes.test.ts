// Pod volumes on a real node against a real orca server: files and modes of
// configMap, secret, downwardAPI and projected volumes, updates published
// with the `..data` swap, tmpfs for memory-backed volumes, hostPath type
// checks, upstream's failure messages, and a teardown that leaves nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstat,
  mkdtemp,
  open,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PodVolumes, VolumeManager, VolumeSetupError } from '../../src/agent/volumes/index.ts';
import { mountPoints } from '../../src/agent/volumes/mount-table.ts';
import type { KubeObject } from '../../src/api/object.ts';
import { resources } from '../../src/api/resources.ts';
import { HttpClient } from '../../src/client/http-client.ts';
import { kubeconfigConnection } from '../../src/client/kubeconfig.ts';
import { silentLogger } from '../../src/util/log.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (tmpfs mounts)' : false;
const r = (kind: string) => resources.find((x) => x.kind === kind && x.group === '')!;
const ns = 'volumes-test';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const mode = async (p: string) => ((await stat(p)).mode & 0o7777).toString(8);
const text = (p: string) => readFile(p, 'utf8');

async function failuresOf(p: Promise<unknown>): Promise<Record<string, string>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof VolumeSetupError, String(err));
    return Object.fromEntries(err.failures.map((f) => [f.volume, f.message]));
  }
  assert.fail('expected setUp to fail');
}

async function mountAt(path: string) {
  return (await mountPoints()).find((m) => m.path === path);
}

describe('VolumeManager', { skip, timeout: 120_000 }, () => {
  let s: OrcaServer;
  let client: HttpClient;
  let dir: string;
  let volumes: VolumeManager;
  const podUids: string[] = [];
  let serial = 0;

  /** Creates a pod on the server (so it is defaulted as the agent would see it). */
  async function pod(spec: object, meta: object = {}): Promise<KubeObject> {
    const created = await client.create(r('Pod'), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${++serial}`, namespace: ns, ...meta },
      spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
    });
    podUids.push(created.metadata.uid!);
    return created;
  }

  before(async () => {
    s = await startOrca();
    client = new HttpClient({ ...kubeconfigConnection(s.kubeconfig), fieldManager: 'volumes-test' });
    await client.create(r('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    dir = await mkdtemp(join(tmpdir(), 'orca-volumes-'));
    volumes = new VolumeManager({
      podsDir: join(dir, 'pods'),
      client,
      logger: silentLogger,
      nodeAllocatable: () => ({ cpu: '2', memory: '4Gi' }),
    });
  });
  after(async () => {
    // Through the manager first, then by force: nothing of this test may stay mounted.
    for (const uid of podUids) await volumes?.tearDown(uid).catch(() => {});
    if (dir) {
      for (const m of (await mountPoints()).filter((x) => x.path.startsWith(dir)).reverse())
        execFileSync('umount', ['-l', m.path]);
      await rm(dir, { recursive: true, force: true });
    }
    client?.close();
    await s?.stop();
  });

  it('writes every key of a configMap, read-only, 0644 by default, through ..data links', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'app-config', namespace: ns },
      data: { 'app.properties': 'color=blue\n', mode: 'fast' },
      binaryData: { 'logo.bin': b64('\x00\x01binary') },
    });
    const p = await pod({ volumes: [{ name: 'config', configMap: { name: 'app-config' } }] });
    const v = await volumes.setUp(p, AbortSignal.timeout(10_000));
    const config = v.get('config')!;
    assert.equal(config.readOnly, true);
    assert.equal(
      config.hostPath,
      join(dir, 'pods', p.metadata.uid!, 'volumes', 'kubernetes.io~configmap', 'config'),
    );
    assert.equal(await text(join(config.hostPath, 'app.properties')), 'color=blue\n');
    assert.equal(await text(join(config.hostPath, 'mode')), 'fast');
    assert.deepEqual(await readFile(join(config.hostPath, 'logo.bin')), Buffer.from('\x00\x01binary'));
    assert.equal(await mode(join(config.hostPath, 'mode')), '644');
    assert.equal(await readlink(join(config.hostPath, 'mode')), '..data/mode');
    assert.match(await readlink(join(config.hostPath, '..data')), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
    assert.deepEqual((await readdir(config.hostPath)).filter((n) => !n.startsWith('..')).sort(), [
      'app.properties',
      'logo.bin',
      'mode',
    ]);
  });

  it('projects only listed items, at their paths, with item modes over defaultMode', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'items', namespace: ns },
      data: { a: 'A', b: 'B', c: 'C' },
    });
    const p = await pod({
      volumes: [
        {
          name: 'cfg',
          configMap: {
            name: 'items',
            defaultMode: 0o400,
            items: [
              { key: 'a', path: 'nested/dir/a.txt' },
              { key: 'b', path: 'b.txt', mode: 0o600 },
            ],
          },
        },
      ],
    });
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('cfg')!.hostPath;
    assert.equal(await text(join(root, 'nested/dir/a.txt')), 'A');
    assert.equal(await mode(join(root, 'nested/dir/a.txt')), '400');
    assert.equal(await mode(join(root, 'b.txt')), '600');
    assert.equal(await readlink(join(root, 'nested')), '..data/nested');
    assert.deepEqual((await readdir(root)).filter((n) => !n.startsWith('..')).sort(), ['b.txt', 'nested']);
  });

  it('keeps secrets in memory, decoded, with their defaultMode', async () => {
    await client.create(r('Secret'), {
      metadata: { name: 'creds', namespace: ns },
      data: { password: b64('hunter2'), token: b64('t0k3n') },
    });
    const p = await pod({
      volumes: [{ name: 'creds', secret: { secretName: 'creds', defaultMode: 0o440 } }],
    });
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('creds')!.hostPath;
    assert.equal((await mountAt(root))?.fsType, 'tmpfs');
    assert.equal(await text(join(root, 'password')), 'hunter2');
    assert.equal(await mode(join(root, 'token')), '440');
  });

  it('publishes configMap updates atomically on refresh', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'live', namespace: ns },
      data: { greeting: 'hello', stays: 'same', goes: 'away' },
    });
    const p = await pod({ volumes: [{ name: 'live', configMap: { name: 'live' } }] });
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('live')!.hostPath;
    const firstVersion = await readlink(join(root, '..data'));
    assert.deepEqual(await volumes.refresh(p, AbortSignal.timeout(10_000)), { updated: [], failures: [] });
    assert.equal(await readlink(join(root, '..data')), firstVersion, 'nothing changed, nothing written');

    // A reader that opened the file before the update keeps reading one whole version.
    const reader = await open(join(root, 'greeting'), 'r');
    try {
      await client.patch(r('ConfigMap'), ns, 'live', 'json', [
        { op: 'replace', path: '/data/greeting', value: 'bonjour' },
        { op: 'remove', path: '/data/goes' },
        { op: 'add', path: '/data/new', value: 'fresh' },
      ]);
      assert.deepEqual(await volumes.refresh(p, AbortSignal.timeout(10_000)), {
        updated: ['live'],
        failures: [],
      });
      assert.equal((await reader.readFile()).toString(), 'hello');
    } finally {
      await reader.close();
    }
    const secondVersion = await readlink(join(root, '..data'));
    assert.notEqual(secondVersion, firstVersion);
    assert.equal(await text(join(root, 'greeting')), 'bonjour');
    assert.equal(await text(join(root, 'new')), 'fresh');
    await assert.rejects(lstat(join(root, 'goes')), { code: 'ENOENT' });
    await assert.rejects(stat(join(root, firstVersion)), { code: 'ENOENT' }, 'the old version is removed');
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.startsWith('..')).sort(),
      ['..data', secondVersion].sort(),
    );
  });

  it('keeps the last good files when a source disappears, and reports it', async () => {
    await client.create(r('ConfigMap'), { metadata: { name: 'fleeting', namespace: ns }, data: { k: 'v' } });
    const p = await pod({ volumes: [{ name: 'f', configMap: { name: 'fleeting' } }] });
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('f')!.hostPath;
    await client.delete(r('ConfigMap'), ns, 'fleeting');
    assert.deepEqual(await volumes.refresh(p, AbortSignal.timeout(10_000)), {
      updated: [],
      failures: [{ volume: 'f', message: 'configmap "fleeting" not found' }],
    });
    assert.equal(await text(join(root, 'k')), 'v');
  });

  it('renders downwardAPI files and follows label changes', async () => {
    const p = await pod(
      {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            resources: { requests: { memory: '64Mi' }, limits: { cpu: '500m' } },
          },
        ],
        volumes: [
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o600 },
                {
                  path: 'cpu',
                  resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' },
                },
                {
                  path: 'mem',
                  resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' },
                },
              ],
            },
          },
        ],
      },
      { labels: { app: 'web', tier: 'front' }, annotations: { 'example.com/note': 'a "quoted" value' } },
    );
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('info')!.hostPath;
    assert.equal(await text(join(root, 'name')), p.metadata.name);
    assert.equal(await text(join(root, 'labels')), 'app="web"\ntier="front"');
    assert.equal(await text(join(root, 'annotations')), 'example.com/note="a \\"quoted\\" value"');
    assert.equal(await mode(join(root, 'annotations')), '600');
    assert.equal(await text(join(root, 'cpu')), '500');
    assert.equal(await text(join(root, 'mem')), '4096', 'an unset limit reads as node allocatable');

    const relabeled = await client.patch(r('Pod'), ns, p.metadata.name!, 'merge', {
      metadata: { labels: { tier: 'back' } },
    });
    assert.deepEqual((await volumes.refresh(relabeled, AbortSignal.timeout(10_000))).updated, ['info']);
    assert.equal(await text(join(root, 'labels')), 'app="web"\ntier="back"');
  });

  it('combines projected sources on a tmpfs and leaves out service account tokens', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'proj-cm', namespace: ns },
      data: { c: 'from-cm' },
    });
    await client.create(r('Secret'), {
      metadata: { name: 'proj-s', namespace: ns },
      data: { s: b64('from-secret') },
    });
    const p = await pod({
      volumes: [
        {
          name: 'all',
          projected: {
            defaultMode: 0o444,
            sources: [
              { configMap: { name: 'proj-cm' } },
              { secret: { name: 'proj-s', items: [{ key: 's', path: 'secret/s', mode: 0o400 }] } },
              { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
            ],
          },
        },
      ],
    });
    const root = (await volumes.setUp(p, AbortSignal.timeout(10_000))).get('all')!.hostPath;
    assert.equal((await mountAt(root))?.fsType, 'tmpfs');
    assert.equal(await text(join(root, 'c')), 'from-cm');
    assert.equal(await mode(join(root, 'c')), '444');
    assert.equal(await text(join(root, 'secret/s')), 'from-secret');
    assert.equal(await mode(join(root, 'secret/s')), '400');
    assert.equal(await text(join(root, 'ns')), ns);
    await assert.rejects(lstat(join(root, 'token')), { code: 'ENOENT' });
  });

  it('gives emptyDir a shared directory, or a sized tmpfs for medium Memory', async () => {
    const p = await pod({
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'fast', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'implicit' },
      ],
    });
    const v = await volumes.setUp(p, AbortSignal.timeout(10_000));
    const scratch = v.get('scratch')!;
    assert.equal(scratch.readOnly, undefined);
    assert.equal(await mode(scratch.hostPath), '777');
    assert.equal(await mountAt(scratch.hostPath), undefined);
    assert.ok(v.get('implicit'));
    const fast = v.get('fast')!.hostPath;
    assert.equal((await mountAt(fast))?.fsType, 'tmpfs');
    const procMounts = await text('/proc/mounts');
    assert.match(procMounts, new RegExp(`^tmpfs ${fast} tmpfs \\S*size=65536k`, 'm'));

    await writeFile(join(fast, 'kept'), 'x');
    await volumes.setUp(p, AbortSignal.timeout(10_000));
    assert.equal(await text(join(fast, 'kept')), 'x', 'setting up again keeps the volume and its files');
    assert.equal((await mountPoints()).filter((m) => m.path === fast).length, 1, 'and mounts nothing twice');
    assert.equal(await mode(fast), '1777', 'a tmpfs root stays sticky and world-writable');
  });

  it('tears down mounts and directories, idempotently, also from a fresh manager', async () => {
    await client.create(r('Secret'), { metadata: { name: 'td', namespace: ns }, data: { k: b64('v') } });
    const p = await pod({
      volumes: [
        { name: 'mem', emptyDir: { medium: 'Memory' } },
        { name: 'sec', secret: { secretName: 'td' } },
        { name: 'disk', emptyDir: {} },
      ],
    });
    const v = await volumes.setUp(p, AbortSignal.timeout(10_000));
    const podDir = join(dir, 'pods', p.metadata.uid!);
    assert.equal((await mountPoints()).filter((m) => m.path.startsWith(`${podDir}/`)).length, 2);
    // A restarted agent knows nothing but the disk and the mount table.
    const restarted = new VolumeManager({ podsDir: join(dir, 'pods'), client, logger: silentLogger });
    await restarted.tearDown(p.metadata.uid!);
    assert.deepEqual(
      (await mountPoints()).filter((m) => m.path.startsWith(`${podDir}/`)),
      [],
    );
    await assert.rejects(stat(v.get('disk')!.hostPath), { code: 'ENOENT' });
    await assert.rejects(stat(join(podDir, 'volumes')), { code: 'ENOENT' });
    await restarted.tearDown(p.metadata.uid!);
    await volumes.tearDown('never-existed');
  });

  it('checks hostPath types as upstream does', async () => {
    const host = await mkdtemp(join(tmpdir(), 'orca-hostpath-'));
    const sock = createServer();
    try {
      await writeFile(join(host, 'file'), 'x');
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.listen(join(host, 'sock'), resolve);
      });
      const good = await pod({
        volumes: [
          { name: 'created-dir', hostPath: { path: join(host, 'new/dir'), type: 'DirectoryOrCreate' } },
          { name: 'created-file', hostPath: { path: join(host, 'new-file'), type: 'FileOrCreate' } },
          { name: 'dir', hostPath: { path: host, type: 'Directory' } },
          { name: 'file', hostPath: { path: join(host, 'file'), type: 'File' } },
          { name: 'socket', hostPath: { path: join(host, 'sock'), type: 'Socket' } },
          { name: 'char', hostPath: { path: '/dev/null', type: 'CharDevice' } },
          { name: 'unchecked', hostPath: { path: join(host, 'missing') } },
        ],
      });
      const v = await volumes.setUp(good, AbortSignal.timeout(10_000));
      assert.equal(v.get('dir')!.hostPath, host);
      assert.equal(v.get('dir')!.readOnly, undefined);
      assert.ok((await stat(join(host, 'new/dir'))).isDirectory());
      assert.equal(await mode(join(host, 'new/dir')), '755');
      assert.ok((await stat(join(host, 'new-file'))).isFile());
      assert.equal(await mode(join(host, 'new-file')), '644');
      await assert.rejects(stat(join(host, 'missing')), { code: 'ENOENT' }, 'type "" checks nothing');

      const bad = await pod({
        volumes: [
          { name: 'not-dir', hostPath: { path: join(host, 'file'), type: 'Directory' } },
          { name: 'missing-dir', hostPath: { path: join(host, 'nope'), type: 'Directory' } },
          { name: 'not-file', hostPath: { path: host, type: 'File' } },
          { name: 'not-socket', hostPath: { path: join(host, 'file'), type: 'Socket' } },
          { name: 'not-block', hostPath: { path: '/dev/null', type: 'BlockDevice' } },
          { name: 'not-char', hostPath: { path: host, type: 'CharDevice' } },
          { name: 'fine', emptyDir: {} },
        ],
      });
      assert.deepEqual(await failuresOf(volumes.setUp(bad, AbortSignal.timeout(10_000))), {
        'not-dir': `hostPath type check failed: ${join(host, 'file')} is not a directory`,
        'missing-dir': `hostPath type check failed: ${join(host, 'nope')} is not a directory`,
        'not-file': `hostPath type check failed: ${host} is not a file`,
        'not-socket': `hostPath type check failed: ${join(host, 'file')} is not a socket file`,
        'not-block': 'hostPath type check failed: /dev/null is not a block device',
        'not-char': `hostPath type check failed: ${host} is not a character device`,
      });
    } finally {
      sock.close();
      await rm(host, { recursive: true, force: true });
    }
  });

  it('fails with upstream’s messages for missing sources, unless optional', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'partial', namespace: ns },
      data: { here: '1' },
    });
    const p = await pod({
      volumes: [
        { name: 'no-cm', configMap: { name: 'absent' } },
        { name: 'no-key', configMap: { name: 'partial', items: [{ key: 'missing', path: 'm' }] } },
        { name: 'no-secret', secret: { secretName: 'absent' } },
        { name: 'no-secret-key', secret: { secretName: 'creds', items: [{ key: 'missing', path: 'm' }] } },
        { name: 'optional', configMap: { name: 'absent', optional: true } },
        {
          name: 'optional-key',
          configMap: { name: 'partial', optional: true, items: [{ key: 'missing', path: 'm' }] },
        },
        { name: 'claim', persistentVolumeClaim: { claimName: 'data' } },
      ],
    });
    assert.deepEqual(await failuresOf(volumes.setUp(p, AbortSignal.timeout(10_000))), {
      'no-cm': 'configmap "absent" not found',
      'no-key': 'configmap references non-existent config key: missing',
      'no-secret': 'secret "absent" not found',
      'no-secret-key': 'references non-existent secret key: missing',
      claim: 'persistentVolumeClaim volumes are not supported yet (claim "data")',
    });
  });

  it('applies fsGroup to the files of the volumes it makes', async () => {
    await client.create(r('ConfigMap'), { metadata: { name: 'grouped', namespace: ns }, data: { k: 'v' } });
    const p = await pod({
      securityContext: { fsGroup: 4321 },
      volumes: [
        { name: 'cfg', configMap: { name: 'grouped', defaultMode: 0o400 } },
        { name: 'scratch', emptyDir: {} },
      ],
    });
    const v = await volumes.setUp(p, AbortSignal.timeout(10_000));
    const file = join(v.get('cfg')!.hostPath, 'k');
    assert.equal((await stat(file)).gid, 4321);
    assert.equal(await mode(file), '440');
    const scratch = await stat(v.get('scratch')!.hostPath);
    assert.equal(scratch.gid, 4321);
    assert.equal((scratch.mode & 0o7777).toString(8), '2777');
    assert.deepEqual(await volumes.refresh(p, AbortSignal.timeout(10_000)), { updated: [], failures: [] });
  });

  it('turns volumeMounts into binds: subPath made inside the volume, read-only where upstream forces it', async () => {
    await client.create(r('ConfigMap'), {
      metadata: { name: 'mounted', namespace: ns },
      data: { 'app.conf': 'x' },
    });
    const p = await pod({
      volumes: [
        { name: 'cfg', configMap: { name: 'mounted' } },
        { name: 'data', emptyDir: {} },
      ],
    });
    const v: PodVolumes = await volumes.setUp(p, AbortSignal.timeout(10_000));
    const cfg = v.get('cfg')!.hostPath;
    const data = v.get('data')!.hostPath;
    const container = {
      name: 'app',
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/app' },
        { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf', readOnly: false },
        { name: 'data', mountPath: '/data' },
        { name: 'data', mountPath: '/logs', subPath: 'logs/app', readOnly: true },
        { name: 'data', mountPath: '/per-pod', subPathExpr: 'pods/$(POD_NAME)' },
      ],
    };
    const mounts = volumes.mountsFor(p, container, v, new Map([['POD_NAME', p.metadata.name!]]));
    const version = await readlink(join(cfg, '..data'));
    assert.deepEqual(mounts, [
      { kind: 'bind', source: cfg, destination: '/etc/app', readOnly: true },
      { kind: 'bind', source: join(cfg, version, 'app.conf'), destination: '/etc/app.conf', readOnly: true },
      { kind: 'bind', source: data, destination: '/data', readOnly: false },
      { kind: 'bind', source: join(data, 'logs/app'), destination: '/logs', readOnly: true },
      {
        kind: 'bind',
        source: join(data, 'pods', p.metadata.name!),
        destination: '/per-pod',
        readOnly: false,
      },
    ]);
    assert.equal(await mode(join(data, 'logs/app')), '777', 'made with the volume’s mode');

    const bad = (m: object) => () => volumes.mountsFor(p, { name: 'app', volumeMounts: [m] }, v);
    assert.throws(bad({ name: 'data', mountPath: '/x', subPath: '../escape' }), {
      message: "unable to provision SubPath `../escape`: must not contain '..'",
    });
    assert.throws(bad({ name: 'data', mountPath: '/x', subPath: '/etc' }), {
      message: 'error SubPath `/etc` must not be an absolute path',
    });
    assert.throws(bad({ name: 'ghost', mountPath: '/x' }), {
      message: 'cannot find volume "ghost" to mount into container "app"',
    });
    assert.throws(bad({ name: 'data', mountPath: '/x', subPathExpr: '$(NOPE)' }), {
      message: 'missing value for NOPE',
    });
    // A link inside the volume must not carry a bind (or a new directory) out of it.
    await symlink('/etc', join(data, 'out'));
    assert.throws(bad({ name: 'data', mountPath: '/x', subPath: 'out' }), {
      message: 'failed to prepare subPath for volumeMount "data" of container "app"',
    });
    assert.throws(bad({ name: 'data', mountPath: '/x', subPath: 'out/new-dir' }), {
      message: 'failed to create subPath directory for volumeMount "data" of container "app"',
    });
    await assert.rejects(stat('/etc/new-dir'), { code: 'ENOENT' });
  });
});
