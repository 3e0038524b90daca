// Pod networking with the real CNI plugins from /usr/lib/cni, as root. Each
// test makes its own bridge (orca-t<random>) on its own 10.2xx.x.0/24 and its
// own state dir, and tears all of it down afterwards, even when it fails.
// Traffic only goes to loopback and into namespaces the test made.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PodNetwork } from '../../src/network/index.ts';
import { silentLogger } from '../../src/util/log.ts';

const exec = promisify(execFile);
const cniBinDir = '/usr/lib/cni';
const skip =
  process.getuid?.() !== 0
    ? 'needs root to create network namespaces and bridges'
    : !['bridge', 'host-local', 'loopback', 'portmap', 'firewall'].every((p) =>
          existsSync(path.join(cniBinDir, p)),
        )
      ? 'needs containernetworking-plugins in /usr/lib/cni'
      : !existsSync('/usr/bin/busybox')
        ? 'needs busybox for ping'
        : false;

interface TestNet {
  network: PodNetwork;
  bridge: string;
  cidr: string;
  /** The first three octets with a trailing dot, e.g. "10.231.7.". */
  prefix: string;
  stateDir: string;
  netnsPrefix: string;
}

async function run(file: string, args: string[]): Promise<string> {
  return (await exec(file, args)).stdout;
}

async function succeeds(file: string, args: string[]): Promise<boolean> {
  return exec(file, args).then(
    () => true,
    () => false,
  );
}

/** A /24 under 10.200.0.0–10.255.255.0 that no route on this host uses yet. */
async function freeCidr(): Promise<string> {
  const routes = await run('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (;;) {
    const base = `10.${randomInt(200, 256)}.${randomInt(0, 256)}`;
    if (!routes.includes(`${base}.`)) return `${base}.0/24`;
  }
}

async function makeNet(t: { after: (fn: () => Promise<void>) => void }): Promise<TestNet> {
  const tag = randomBytes(3).toString('hex');
  const bridge = `orca-t${tag}`;
  const cidr = await freeCidr();
  const stateDir = await mkdtemp(path.join(tmpdir(), 'orca-net-'));
  const netnsPrefix = `orca-t${tag}-`;
  const network = new PodNetwork({
    bridgeName: bridge,
    podCIDR: cidr,
    cniBinDir,
    stateDir,
    clusterDNS: ['10.43.0.10'],
    clusterDomain: 'cluster.local',
    netnsPrefix,
    logger: silentLogger,
  });
  t.after(async () => {
    await network.teardownAll().catch(() => {});
    // Belt and braces when teardownAll itself failed: our namespaces and bridge by their unique names.
    const names = await run('ip', ['netns', 'list']).catch(() => '');
    for (const line of names.split('\n')) {
      const name = line.split(' ')[0];
      if (name.startsWith(netnsPrefix)) await exec('ip', ['netns', 'delete', name]).catch(() => {});
    }
    await exec('ip', ['link', 'delete', bridge]).catch(() => {});
    await rm(stateDir, { recursive: true, force: true });
  });
  return { network, bridge, cidr, prefix: cidr.replace(/0\/24$/, ''), stateDir, netnsPrefix };
}

function pod(name: string) {
  return { podUid: randomUUID(), namespace: 'default', name };
}

async function ping(netnsName: string, ip: string): Promise<boolean> {
  // A few tries: the first packet may wait on ARP while the bridge learns the new port.
  for (let i = 0; i < 3; i++) {
    if (await succeeds('ip', ['netns', 'exec', netnsName, 'busybox', 'ping', '-c1', '-W2', ip])) return true;
  }
  return false;
}

/** Every iptables and nft rule line that names an address in the test's range. */
async function rulesMentioning(prefix: string): Promise<string[]> {
  const pattern = new RegExp(`(^|[^\\d])${prefix.replace(/\./g, '\\.')}`);
  const text = `${await run('iptables-save', [])}\n${await run('nft', ['list', 'ruleset'])}`;
  return text.split('\n').filter((line) => pattern.test(line));
}

/**
 * Starts a TCP server inside the namespace that answers every connection with
 * `reply`, or with the address the connection came from when `reply` is null.
 */
async function serveInNetns(
  t: { after: (fn: () => void) => void },
  netnsName: string,
  port: number,
  reply: string | null,
): Promise<void> {
  const answer = reply === null ? 's.remoteAddress' : JSON.stringify(reply);
  const script = `require('net').createServer((s) => s.end(${answer})).listen(${port}, '0.0.0.0', () => console.log('listening'))`;
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netnsName, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('listening')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server in ${netnsName} exited with ${code}`)));
    child.on('error', reject);
  });
}

/** What a TCP server answers a client inside the namespace. */
async function fetchTcpFrom(netnsName: string, host: string, port: number): Promise<string> {
  const script = `require('net').connect(${port}, ${JSON.stringify(host)}).pipe(process.stdout)`;
  return run('ip', ['netns', 'exec', netnsName, process.execPath, '-e', script]);
}

function fetchTcp(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from ${host}:${port}`)));
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

test('two pods get addresses on eth0, loopback up, the bridge as gateway, and reach each other', {
  skip,
}, async (t) => {
  const { network, bridge, cidr, prefix } = await makeNet(t);
  const a = await network.setUp(pod('a'));
  const b = await network.setUp(pod('b'));

  assert.notEqual(a.ip, b.ip);
  for (const p of [a, b]) {
    assert.ok(p.ip.startsWith(prefix), `${p.ip} is in ${cidr}`);
    assert.equal(p.gateway, `${prefix}1`);
    assert.equal(p.netnsPath, `/run/netns/${p.netnsName}`);
    const eth0 = await run('ip', [
      'netns',
      'exec',
      p.netnsName,
      'ip',
      '-4',
      '-o',
      'addr',
      'show',
      'dev',
      'eth0',
    ]);
    assert.match(eth0, new RegExp(`inet ${p.ip.replace(/\./g, '\\.')}/24`));
    const lo = await run('ip', ['netns', 'exec', p.netnsName, 'ip', '-o', 'link', 'show', 'dev', 'lo']);
    assert.match(lo, /<[^>]*\bUP\b[^>]*>/);
    const routes = await run('ip', ['netns', 'exec', p.netnsName, 'ip', '-4', 'route', 'show', 'default']);
    assert.match(routes, new RegExp(`default via ${prefix.replace(/\./g, '\\.')}1 dev eth0`));
    assert.ok(p.hostInterface, 'the host end of the veth is reported');
    const master = await run('ip', ['-o', 'link', 'show', 'dev', p.hostInterface]);
    assert.match(master, new RegExp(`master ${bridge}\\b`));
  }
  const bridgeAddr = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', bridge]);
  assert.match(bridgeAddr, new RegExp(`inet ${prefix.replace(/\./g, '\\.')}1/24`));

  assert.ok(await ping(a.netnsName, b.ip), 'a reaches b');
  assert.ok(await ping(b.netnsName, a.ip), 'b reaches a');
  assert.ok(await ping(a.netnsName, a.gateway), 'a reaches its gateway');
  assert.ok(await ping(a.netnsName, '127.0.0.1'), 'loopback answers inside the pod');
});

test('traffic leaving the pod range reaches other hosts from the node address, pod to pod keeps its own', {
  skip,
}, async (t) => {
  const { network, netnsPrefix } = await makeNet(t);
  // Another host: a namespace of the test's own, behind a veth on an unused /24.
  const outside = `${netnsPrefix}out`;
  const hostEnd = `${netnsPrefix.slice(0, 11)}o`;
  const outsideNet = (await freeCidr()).replace(/0\/24$/, '');
  t.after(async () => {
    await exec('ip', ['netns', 'delete', outside]).catch(() => {});
    await exec('ip', ['link', 'delete', hostEnd]).catch(() => {});
  });
  await run('ip', ['netns', 'add', outside]);
  await run('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside]);
  await run('ip', ['addr', 'add', `${outsideNet}1/24`, 'dev', hostEnd]);
  await run('ip', ['link', 'set', hostEnd, 'up']);
  await run('ip', ['-n', outside, 'addr', 'add', `${outsideNet}2/24`, 'dev', 'eth0']);
  await run('ip', ['-n', outside, 'link', 'set', 'eth0', 'up']);
  await serveInNetns(t, outside, 8080, null);

  const a = await network.setUp(pod('a'));
  const b = await network.setUp(pod('b'));
  await serveInNetns(t, b.netnsName, 8080, null);
  assert.equal(await fetchTcpFrom(a.netnsName, `${outsideNet}2`, 8080), `${outsideNet}1`, 'masqueraded');
  assert.equal(await fetchTcpFrom(a.netnsName, b.ip, 8080), a.ip, 'not masqueraded inside the range');
});

test('a hostPort reaches the pod from the node, on loopback and on the bridge address', {
  skip,
}, async (t) => {
  const { network } = await makeNet(t);
  const containerPort = 8080;
  const hostPort = randomInt(20000, 30000);
  const request = { ...pod('web'), hostPorts: [{ containerPort, hostPort, protocol: 'TCP' as const }] };
  const p = await network.setUp(request);
  await serveInNetns(t, p.netnsName, containerPort, 'hello from the pod');

  assert.equal(await fetchTcp('127.0.0.1', hostPort), 'hello from the pod');
  assert.equal(await fetchTcp(p.gateway, hostPort), 'hello from the pod');

  await network.tearDown(request.podUid);
  const leftovers = (await run('iptables-save', ['-t', 'nat']))
    .split('\n')
    .filter((l) => l.includes(`${hostPort}`));
  assert.deepEqual(leftovers, [], 'portmap rules are gone after tearDown');
});

test('tearDown removes the namespace, the veth and the lease, and can run twice', { skip }, async (t) => {
  const { network, stateDir, bridge } = await makeNet(t);
  const request = pod('gone');
  const p = await network.setUp(request);
  const lease = path.join(stateDir, 'ipam', bridge, p.ip);
  await access(lease);

  await network.tearDown(request.podUid);
  assert.equal(existsSync(p.netnsPath), false, 'namespace removed');
  assert.equal(
    await succeeds('ip', ['link', 'show', 'dev', p.hostInterface ?? 'missing']),
    false,
    'veth removed',
  );
  assert.equal(existsSync(lease), false, 'lease released');
  assert.deepEqual(await rulesMentioning(p.ip), [], 'no rules for the pod address remain');
  assert.deepEqual(await network.status(request.podUid), { state: 'absent', podUid: request.podUid });

  await network.tearDown(request.podUid);
  assert.ok(existsSync(path.join('/sys/class/net', bridge)), 'the bridge stays for other pods');
});

test('tearDown after the namespace vanished still releases the address and its rules', {
  skip,
}, async (t) => {
  const { network, stateDir, bridge } = await makeNet(t);
  const request = { ...pod('orphan'), hostPorts: [{ containerPort: 80, hostPort: randomInt(30000, 40000) }] };
  const p = await network.setUp(request);
  await run('ip', ['netns', 'delete', p.netnsName]);
  assert.equal((await network.status(request.podUid)).state, 'netnsMissing');

  await network.tearDown(request.podUid);
  assert.equal(existsSync(path.join(stateDir, 'ipam', bridge, p.ip)), false, 'lease released');
  assert.deepEqual(await rulesMentioning(p.ip), [], 'masquerade, firewall and portmap rules are gone');
  assert.equal(
    await succeeds('ip', ['link', 'show', 'dev', p.hostInterface ?? 'missing']),
    false,
    'veth removed',
  );
});

test('a recreated pod gets a new address', { skip }, async (t) => {
  const { network } = await makeNet(t);
  const first = pod('web');
  const before = await network.setUp(first);
  await network.tearDown(first.podUid);

  const again = await network.setUp(pod('web'));
  assert.notEqual(again.ip, before.ip, 'host-local hands out addresses round-robin');
  const sameUid = await network.setUp(first);
  assert.notEqual(sameUid.ip, before.ip);
  assert.notEqual(sameUid.ip, again.ip);
});

test('setUp is idempotent and a restarted agent reads addresses back without CNI', { skip }, async (t) => {
  const { network, bridge, cidr, stateDir, netnsPrefix } = await makeNet(t);
  const request = pod('kept');
  const p = await network.setUp(request);
  assert.deepEqual(await network.setUp(request), p, 'a second setUp returns the same attachment');

  const restarted = new PodNetwork({
    bridgeName: bridge,
    podCIDR: cidr,
    cniBinDir,
    stateDir,
    clusterDNS: ['10.43.0.10'],
    clusterDomain: 'cluster.local',
    netnsPrefix,
    logger: silentLogger,
  });
  const status = await restarted.status(request.podUid);
  assert.equal(status.state, 'ready');
  assert.equal(status.state === 'ready' && status.ip, p.ip);
  assert.equal(status.state === 'ready' && status.netnsPath, p.netnsPath);
  await restarted.check(request.podUid);
  assert.deepEqual(
    (await restarted.list()).map((s) => s.podUid),
    [request.podUid],
  );
});

test('teardownAll removes every pod, the bridge and all rules naming the range', { skip }, async (t) => {
  const { network, bridge, prefix, stateDir } = await makeNet(t);
  const pods = [
    await network.setUp(pod('one')),
    await network.setUp({
      ...pod('two'),
      hostPorts: [{ containerPort: 80, hostPort: randomInt(40000, 50000) }],
    }),
  ];
  assert.ok((await rulesMentioning(prefix)).length > 0);

  await network.teardownAll();
  assert.equal(existsSync(path.join('/sys/class/net', bridge)), false, 'bridge removed');
  for (const p of pods) assert.equal(existsSync(p.netnsPath), false, `${p.netnsName} removed`);
  assert.deepEqual(await rulesMentioning(prefix), []);
  assert.equal(existsSync(path.join(stateDir, 'ipam')), false, 'leases removed');
  assert.deepEqual(await network.list(), []);
});

test('a setUp interrupted before its result was recorded is undone by the next setUp', {
  skip,
}, async (t) => {
  const { network, stateDir } = await makeNet(t);
  const request = { ...pod('crashy'), hostPorts: [{ containerPort: 80, hostPort: randomInt(50000, 60000) }] };
  const first = await network.setUp(request);
  // What an agent killed between CNI ADD and writing the result leaves: the record without its result.
  const recordFile = path.join(stateDir, 'pods', `${request.podUid}.json`);
  const record = JSON.parse(await readFile(recordFile, 'utf8'));
  await writeFile(
    recordFile,
    JSON.stringify({ ...record, state: 'adding', result: undefined, ip: undefined }),
  );
  assert.equal((await network.status(request.podUid)).state, 'incomplete');

  const second = await network.setUp(request);
  assert.notEqual(second.ip, first.ip);
  assert.deepEqual(await rulesMentioning(first.ip), [], 'the first attempt left no rules behind');
  assert.equal(await succeeds('ip', ['link', 'show', 'dev', first.hostInterface ?? 'missing']), false);
  assert.equal((await network.status(request.podUid)).state, 'ready');
});

test('pods set up at the same time get distinct addresses', { skip }, async (t) => {
  const { network } = await makeNet(t);
  const attached = await Promise.all(Array.from({ length: 6 }, (_, i) => network.setUp(pod(`p${i}`))));
  assert.equal(new Set(attached.map((p) => p.ip)).size, attached.length);
  await Promise.all((await network.list()).map((s) => network.tearDown(s.podUid)));
  assert.deepEqual(await network.list(), []);
});
