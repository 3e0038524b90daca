// Pods with real runc, conmon and catatonit: which namespaces a pod's
// containers share, and that removing a pod leaves nothing behind.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { newPodUid, RuntimeFixture, runIn, runningPid, runtimeSkip } from '../helpers/runtime-fixture.ts';

const nsInode = async (pid: number | 'self', ns: string) => (await stat(`/proc/${pid}/ns/${ns}`)).ino;

test('containers of a pod share its network, IPC and UTS namespaces and /dev/shm, not their mounts', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const netnsPath = f.netns();
  const sandboxBegin = performance.now();
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'web-0',
    namespace: 'default',
    network: { kind: 'pod', netnsPath },
    labels: { app: 'web' },
  });
  t.diagnostic(`sandbox: create→ready ${(performance.now() - sandboxBegin).toFixed(1)} ms`);
  const sandbox = await rt.sandboxStatus(sandboxId);
  assert.equal(sandbox.state.kind, 'ready');
  const infraPid = (sandbox.state as { pid: number }).pid;

  const pids: number[] = [];
  for (const name of ['app', 'sidecar']) {
    const rootfs = await f.rootfs(name);
    const begin = performance.now();
    await rt.createContainer({
      id: name,
      sandboxId,
      name,
      rootfs,
      args: ['sleep', '3600'],
      logPath: f.logPath(name),
      labels: { container: name },
    });
    await rt.startContainer(name);
    const pid = runningPid((await rt.containerStatus(name)).state);
    t.diagnostic(`${name}: create→running ${(performance.now() - begin).toFixed(1)} ms`);
    pids.push(pid);
  }

  const netnsInode = (await stat(netnsPath)).ino;
  for (const pid of [infraPid, ...pids]) assert.equal(await nsInode(pid, 'net'), netnsInode);
  for (const ns of ['ipc', 'uts']) {
    for (const pid of pids) assert.equal(await nsInode(pid, ns), await nsInode(infraPid, ns), ns);
  }
  assert.notEqual(await nsInode(pids[0], 'mnt'), await nsInode(pids[1], 'mnt'));
  assert.notEqual(
    await nsInode(pids[0], 'pid'),
    await nsInode(pids[1], 'pid'),
    'PID namespaces are per container',
  );

  assert.equal((await runIn(rt, 'app', ['hostname'])).stdout, 'web-0\n');
  assert.equal((await runIn(rt, 'sidecar', ['cat', '/etc/hostname'])).stdout, 'web-0\n');
  assert.equal((await runIn(rt, 'app', ['sh', '-c', 'echo shared > /dev/shm/note'])).exitCode, 0);
  assert.equal((await runIn(rt, 'sidecar', ['cat', '/dev/shm/note'])).stdout, 'shared\n');

  const listed = await rt.listContainers({ sandboxId });
  assert.deepEqual(listed.map((c) => c.id).sort(), ['app', 'sidecar']);
  assert.deepEqual(
    (await rt.listContainers({ labels: { container: 'app' } })).map((c) => c.id),
    ['app'],
  );
  assert.deepEqual(
    (await rt.listSandboxes({ labels: { app: 'web' } })).map((s) => s.id),
    [sandboxId],
  );

  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await rt.listSandboxes(), []);
  assert.deepEqual(await rt.listContainers(), []);
  assert.deepEqual(await f.leftovers(), []);
  await rt.removeSandbox(sandboxId); // removing again is a no-op
});

test('a pod on the host network shares the node network and hostname', { skip: runtimeSkip }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'host-pod',
    namespace: 'kube-system',
    network: { kind: 'host' },
  });
  await rt.createContainer({
    id: 'c',
    sandboxId,
    name: 'c',
    rootfs: await f.rootfs('c'),
    args: ['sleep', '3600'],
    logPath: f.logPath('c'),
  });
  await rt.startContainer('c');
  const pid = runningPid((await rt.containerStatus('c')).state);
  assert.equal(await nsInode(pid, 'net'), await nsInode('self', 'net'));
  assert.equal((await runIn(rt, 'c', ['hostname'])).stdout, `${hostname()}\n`);
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

test('a pod sharing its process namespace sees all its processes under catatonit', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'shared-pid',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
    pidMode: 'pod',
  });
  const infraPid = ((await rt.sandboxStatus(sandboxId)).state as { pid: number }).pid;
  for (const [id, seconds] of [
    ['first', '3601'],
    ['second', '3602'],
  ]) {
    await rt.createContainer({
      id,
      sandboxId,
      name: id,
      rootfs: await f.rootfs(id),
      args: ['sleep', seconds],
      logPath: f.logPath(id),
    });
    await rt.startContainer(id);
  }
  const pid = runningPid((await rt.containerStatus('first')).state);
  assert.equal(await nsInode(pid, 'pid'), await nsInode(infraPid, 'pid'));
  const ps = (await runIn(rt, 'second', ['ps', '-o', 'pid,args'])).stdout;
  assert.match(ps, /^\s*1 \/catatonit -P$/m);
  assert.match(ps, /sleep 3601/);
  assert.match(ps, /sleep 3602/);
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});
