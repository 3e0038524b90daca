// What a container's config turns into with real runc: user, env, cwd,
// capabilities, read-only and masked paths, volumes, cgroup limits, OOM kills.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { newPodUid, RuntimeFixture, runIn, runtimeSkip, untilExited } from '../helpers/runtime-fixture.ts';

test('security context, mounts and resources reach the container', { skip: runtimeSkip }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const podUid = newPodUid();
  const sandboxId = await rt.createSandbox({
    podUid,
    name: 'secure',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  const data = await f.rootfs('data-volume'); // any host directory will do as a volume
  await rt.createContainer({
    id: 'locked',
    sandboxId,
    name: 'locked',
    rootfs: await f.rootfs('locked'),
    args: ['sleep', '3600'],
    env: ['GREETING=hello'],
    cwd: '/data',
    user: { uid: 1000, gid: 1000 },
    readOnlyRootfs: true,
    capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    mounts: [
      { kind: 'bind', source: data, destination: '/data', readOnly: true },
      { kind: 'tmpfs', destination: '/scratch', sizeBytes: 1 << 20 },
    ],
    resources: { cpuShares: 512, cpuQuota: 50000, memoryLimitBytes: 64 << 20 },
    logPath: f.logPath('locked'),
  });
  await rt.startContainer('locked');
  const sh = async (script: string) => runIn(rt, 'locked', ['sh', '-c', script]);

  assert.equal((await sh('id -u; id -g; pwd; echo $GREETING')).stdout, '1000\n1000\n/data\nhello\n');
  // A non-root process has no effective capabilities; the bounding set shows what it may gain.
  assert.match((await sh('grep CapBnd /proc/self/status')).stdout, /CapBnd:\s+0000000000000400/);
  assert.notEqual((await sh('touch /data/x')).exitCode, 0, 'read-only bind mount');
  assert.notEqual((await sh('touch /rootfs-file')).exitCode, 0, 'read-only root filesystem');
  assert.equal((await sh('touch /scratch/x')).exitCode, 0, 'tmpfs is writable');
  assert.match(
    (await sh('cat /proc/self/mountinfo')).stdout,
    / \/proc\/timer_list /,
    '/proc/timer_list is masked',
  );
  assert.match(
    (await sh('grep " /proc/sys " /proc/self/mountinfo')).stdout,
    / ro[, ]/,
    '/proc/sys is read-only',
  );

  const cgroup = `${f.cgroupParent}/${podUid}/locked`;
  assert.equal((await readFile(`/sys/fs/cgroup/cpu${cgroup}/cpu.shares`, 'utf8')).trim(), '512');
  assert.equal((await readFile(`/sys/fs/cgroup/cpu${cgroup}/cpu.cfs_quota_us`, 'utf8')).trim(), '50000');
  assert.equal(
    (await readFile(`/sys/fs/cgroup/memory${cgroup}/memory.limit_in_bytes`, 'utf8')).trim(),
    String(64 << 20),
  );

  await rt.createContainer({
    id: 'hog',
    sandboxId,
    name: 'hog',
    rootfs: await f.rootfs('hog'),
    // dd fills a 64 MiB buffer: more than the limit allows.
    args: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'],
    resources: { memoryLimitBytes: 16 << 20 },
    logPath: f.logPath('hog'),
  });
  await rt.startContainer('hog');
  const hog = await untilExited(rt, 'hog');
  assert.equal(hog.reason, 'OOMKilled');
  assert.equal(hog.exitCode, 137);

  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});
