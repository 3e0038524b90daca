import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { podHostname, writePodHostsFile } from '../../src/network/index.ts';

const boilerplate = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
];

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orca-hosts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a pod on the pod network gets localhost lines and its own name on its IP', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'etc-hosts');
  await writePodHostsFile(file, { metadata: { name: 'web', namespace: 'shop' }, spec: {} }, ['10.42.0.7'], {
    clusterDomain: 'cluster.local',
  });
  assert.equal(await readFile(file, 'utf8'), [...boilerplate, '10.42.0.7\tweb', ''].join('\n'));
  assert.equal((await stat(file)).mode & 0o777, 0o644);
});

test('hostname and subdomain give the FQDN line; hostAliases follow under their own header', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'etc-hosts');
  const pod = {
    metadata: { name: 'db-0', namespace: 'shop' },
    spec: {
      hostname: 'db-zero',
      subdomain: 'db',
      hostAliases: [
        { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
        { ip: '10.1.2.3', hostnames: ['foo.remote'] },
      ],
    },
  };
  await writePodHostsFile(file, pod, ['10.42.0.8'], { clusterDomain: 'cluster.local' });
  const expected = [
    ...boilerplate,
    '10.42.0.8\tdb-zero.db.shop.svc.cluster.local\tdb-zero',
    '',
    '# Entries added by HostAliases.',
    '127.0.0.1\tfoo.local\tbar.local',
    '10.1.2.3\tfoo.remote',
    '',
  ].join('\n');
  assert.equal(await readFile(file, 'utf8'), expected);
});

test('a hostNetwork pod gets the node hosts file under the host-network header, plus hostAliases', async (t) => {
  const dir = await tempDir(t);
  const nodeHosts = path.join(dir, 'node-hosts');
  await writeFile(nodeHosts, '127.0.0.1 localhost\n192.168.7.2 node-a\n');
  const file = path.join(dir, 'etc-hosts');
  const pod = {
    metadata: { name: 'agent', namespace: 'kube-system' },
    spec: { hostNetwork: true, hostAliases: [{ ip: '10.9.9.9', hostnames: ['registry'] }] },
  };
  await writePodHostsFile(file, pod, ['192.168.7.2'], {
    clusterDomain: 'cluster.local',
    nodeHostsFile: nodeHosts,
  });
  assert.equal(
    await readFile(file, 'utf8'),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.7.2 node-a\n' +
      '\n# Entries added by HostAliases.\n10.9.9.9\tregistry\n',
  );
});

test('a long pod name is cut to 63 characters without a trailing dash', () => {
  const name = `${'a'.repeat(62)}-bcd`;
  const { hostname, hostDomain } = podHostname({ metadata: { name, namespace: 'x' } }, 'cluster.local');
  assert.equal(hostname, 'a'.repeat(62));
  assert.equal(hostDomain, '');
});

test('rewriting keeps the same file, so containers that mount it see the update', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'etc-hosts');
  const pod = { metadata: { name: 'web', namespace: 'shop' } };
  await writePodHostsFile(file, pod, ['10.42.0.7'], { clusterDomain: 'cluster.local' });
  const before = (await stat(file)).ino;
  await writePodHostsFile(file, pod, ['10.42.0.9'], { clusterDomain: 'cluster.local' });
  assert.equal((await stat(file)).ino, before);
  assert.match(await readFile(file, 'utf8'), /10\.42\.0\.9\tweb\n$/);
});
