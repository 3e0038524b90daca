import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  type DnsSettings,
  type PodNetworkShape,
  parseResolvConf,
  podDnsSettings,
  renderResolvConf,
  writeResolvConf,
} from '../../src/network/index.ts';

const cluster = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' };
const host: DnsSettings = { nameservers: ['192.168.1.1', '192.168.1.2'], searches: [], options: ['edns0'] };

function render(pod: PodNetworkShape, hostSettings: DnsSettings | 'none' = host): string {
  return renderResolvConf(
    podDnsSettings(pod, cluster, hostSettings === 'none' ? undefined : hostSettings).settings,
  );
}

test('ClusterFirst: cluster DNS only, cluster search domains, ndots:5', () => {
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: { dnsPolicy: 'ClusterFirst' } };
  assert.equal(
    render(pod),
    'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n',
  );
});

test('ClusterFirst is the default and keeps the host search domains after the cluster ones', () => {
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: {} };
  const withSearch = { ...host, searches: ['corp.example', 'cluster.local'] };
  assert.equal(
    render(pod, withSearch),
    'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n' +
      'nameserver 10.43.0.10\noptions ndots:5\n',
  );
});

test('ClusterFirst on the host network falls back to the host settings', () => {
  const pod = {
    metadata: { name: 'a', namespace: 'shop' },
    spec: { hostNetwork: true, dnsPolicy: 'ClusterFirst' },
  };
  assert.equal(render(pod), 'nameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0\n');
});

test('ClusterFirstWithHostNet uses cluster DNS even on the host network', () => {
  const pod = {
    metadata: { name: 'a', namespace: 'kube-system' },
    spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
  };
  assert.equal(
    render(pod),
    'search kube-system.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n',
  );
});

test('Default copies the host settings', () => {
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: { dnsPolicy: 'Default' } };
  const withSearch = { ...host, searches: ['corp.example'] };
  assert.equal(
    render(pod, withSearch),
    'search corp.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0\n',
  );
});

test('None takes only dnsConfig', () => {
  const pod = {
    metadata: { name: 'a', namespace: 'shop' },
    spec: {
      dnsPolicy: 'None',
      dnsConfig: {
        nameservers: ['1.2.3.4'],
        searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'],
        options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
      },
    },
  };
  assert.equal(
    render(pod),
    'search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n',
  );
});

test('dnsConfig merges: servers and searches appended without duplicates, options overridden by name', () => {
  const pod = {
    metadata: { name: 'a', namespace: 'shop' },
    spec: {
      dnsConfig: {
        nameservers: ['10.43.0.10', '1.1.1.1'],
        searches: ['svc.cluster.local', 'extra.example'],
        options: [{ name: 'ndots', value: '1' }, { name: 'single-request-reopen' }],
      },
    },
  };
  assert.equal(
    render(pod),
    'search shop.svc.cluster.local svc.cluster.local cluster.local extra.example\n' +
      'nameserver 10.43.0.10\nnameserver 1.1.1.1\noptions ndots:1 single-request-reopen\n',
  );
});

test('more than three nameservers are cut, with a DNSConfigForming warning', () => {
  const pod = {
    metadata: { name: 'a', namespace: 'shop' },
    spec: { dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] } },
  };
  const { settings, warnings } = podDnsSettings(pod, cluster, host);
  assert.deepEqual(settings.nameservers, ['10.43.0.10', '1.1.1.1', '2.2.2.2']);
  assert.deepEqual(
    warnings.map((w) => w.reason),
    ['DNSConfigForming'],
  );
});

test('search domains beyond 32 are cut with a warning', () => {
  const searches = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
  const pod = {
    metadata: { name: 'a', namespace: 'shop' },
    spec: { dnsPolicy: 'None', dnsConfig: { searches } },
  };
  const { settings, warnings } = podDnsSettings(pod, cluster, host);
  assert.equal(settings.searches.length, 32);
  assert.equal(warnings[0]?.reason, 'DNSConfigForming');
});

test('without a cluster DNS address, ClusterFirst falls back to the host with MissingClusterDNS', () => {
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: {} };
  const { settings, warnings } = podDnsSettings(
    pod,
    { clusterDNS: [], clusterDomain: 'cluster.local' },
    host,
  );
  assert.deepEqual(settings.nameservers, host.nameservers);
  assert.equal(warnings[0]?.reason, 'MissingClusterDNS');
});

test('a node without a resolver file points host-policy pods at 127.0.0.1', () => {
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: { dnsPolicy: 'Default' } };
  assert.equal(render(pod, 'none'), 'search .\nnameserver 127.0.0.1\n');
});

test('parsing the host file: nameservers add up, the last search and options lines win', () => {
  const parsed = parseResolvConf(
    '# comment\nnameserver 10.0.0.1\nsearch a.example b.example.\nnameserver 10.0.0.2\n' +
      'options rotate\nsearch c.example.\noptions timeout:2 attempts:3\n',
  );
  assert.deepEqual(parsed, {
    nameservers: ['10.0.0.1', '10.0.0.2'],
    searches: ['c.example'],
    options: ['timeout:2', 'attempts:3'],
  });
});

test('writeResolvConf reads the host file and writes the pod file', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'orca-resolv-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const hostFile = path.join(dir, 'host-resolv.conf');
  await writeFile(hostFile, 'nameserver 9.9.9.9\nsearch corp.example\n');
  const podFile = path.join(dir, 'resolv.conf');
  const pod = { metadata: { name: 'a', namespace: 'shop' }, spec: { dnsPolicy: 'Default' } };
  const warnings = await writeResolvConf(podFile, pod, { ...cluster, hostResolvConf: hostFile });
  assert.deepEqual(warnings, []);
  assert.equal(await readFile(podFile, 'utf8'), 'search corp.example\nnameserver 9.9.9.9\n');
});
