// Container lifecycles with real runc and conmon: CRI logs, exit codes, stop
// with a grace period, terminals, and creations that fail or never start.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { isAlreadyExists, isNotFound } from '../../src/api/status.ts';
import {
  eventually,
  newPodUid,
  RuntimeFixture,
  runtimeSkip,
  untilExited,
} from '../helpers/runtime-fixture.ts';

test('logs are CRI-formatted and exit codes are recorded', { skip: runtimeSkip }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'jobs',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  await rt.createContainer({
    id: 'fails',
    sandboxId,
    name: 'fails',
    rootfs: await f.rootfs('fails'),
    args: ['sh', '-c', 'echo out; echo err >&2; printf partial; exit 3'],
    logPath: f.logPath('fails'),
  });
  await rt.createContainer({
    id: 'works',
    sandboxId,
    name: 'works',
    rootfs: await f.rootfs('works'),
    args: ['true'],
    logPath: f.logPath('works'),
  });
  assert.equal((await rt.containerStatus('fails')).state.kind, 'created');
  await rt.startContainer('fails');
  await rt.startContainer('works');

  const failed = await untilExited(rt, 'fails');
  assert.equal(failed.exitCode, 3);
  assert.equal(failed.reason, 'Error');
  assert.ok(failed.startedAt && failed.startedAt <= failed.finishedAt);
  const ok = await untilExited(rt, 'works');
  assert.equal(ok.exitCode, 0);
  assert.equal(ok.reason, 'Completed');

  const lines = (await readFile(f.logPath('fails'), 'utf8')).trimEnd().split('\n');
  const cri = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) (F|P) (.*)$/;
  for (const line of lines) assert.match(line, cri);
  const entries = lines.map((l) => cri.exec(l)!.slice(2).join(' '));
  assert.deepEqual(entries.sort(), ['stderr F err', 'stdout F out', 'stdout P partial']);

  await rt.removeContainer('fails', { removeLogs: true });
  await assert.rejects(stat(f.logPath('fails')), { code: 'ENOENT' });
  await assert.rejects(rt.containerStatus('fails'), isNotFound);
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

test('a created container starts once; a second start and a start after its init died are refused', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'starts',
    namespace: 'default',
    network: { kind: 'host' },
  });
  const container = (id: string) => ({
    id,
    sandboxId,
    name: id,
    rootfs: '',
    args: ['sh', '-c', 'echo started; sleep 60'],
    logPath: f.logPath(id),
  });
  await rt.createContainer({ ...container('once'), rootfs: await f.rootfs('once') });
  await rt.startContainer('once');
  assert.equal((await rt.containerStatus('once')).state.kind, 'running');
  await eventually(
    async () => (/stdout F started/.test(await readFile(f.logPath('once'), 'utf8')) ? true : undefined),
    'its output',
  );
  await assert.rejects(rt.startContainer('once'), /already running|cannot start/);

  await rt.createContainer({ ...container('orphaned'), rootfs: await f.rootfs('orphaned') });
  const { pid } = JSON.parse(
    execFileSync('runc', ['--root', f.runtimeOptions.runtimeRoot, 'state', 'orphaned'], { encoding: 'utf8' }),
  ) as { pid: number };
  process.kill(pid, 'SIGKILL');
  await assert.rejects(rt.startContainer('orphaned'), /already dead|not running|stopped/);
  assert.equal(await readFile(f.logPath('orphaned'), 'utf8').catch(() => ''), '', 'its program never ran');

  await rt.removeContainer('once');
  await rt.removeContainer('orphaned');
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

test('stop sends SIGTERM and kills after the grace period', { skip: runtimeSkip }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'stoppers',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  const scripts = {
    stubborn: 'trap "" TERM; echo ready; while true; do sleep 1; done',
    polite: 'trap "echo bye; exit 0" TERM; echo ready; sleep 3600 & wait',
  };
  for (const [id, script] of Object.entries(scripts)) {
    await rt.createContainer({
      id,
      sandboxId,
      name: id,
      rootfs: await f.rootfs(id),
      args: ['sh', '-c', script],
      logPath: f.logPath(id),
    });
    await rt.startContainer(id);
    // The trap must be set before the signal comes.
    await eventually(
      async () =>
        (await readFile(f.logPath(id), 'utf8').catch(() => '')).includes('ready') ? true : undefined,
      `${id} ready`,
    );
  }

  await rt.stopContainer('stubborn', 1);
  const stubborn = await rt.containerStatus('stubborn');
  assert.equal(stubborn.state.kind, 'exited');
  assert.equal(
    (stubborn.state as { exitCode: number }).exitCode,
    137,
    'SIGTERM ignored, so SIGKILL ended it',
  );

  await rt.stopContainer('polite', 30);
  const polite = await rt.containerStatus('polite');
  assert.deepEqual([polite.state.kind, (polite.state as { exitCode: number }).exitCode], ['exited', 0]);
  assert.match(await readFile(f.logPath('polite'), 'utf8'), /stdout F bye/);

  await rt.stopContainer('polite', 30); // stopping again is a no-op
  await rt.stopSandbox(sandboxId);
  assert.equal((await rt.sandboxStatus(sandboxId)).state.kind, 'notReady');
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

test('a terminal container logs its terminal; failed and never-started containers leave nothing', {
  skip: runtimeSkip,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'odd',
    namespace: 'default',
    network: { kind: 'host' },
  });

  await rt.createContainer({
    id: 'tty',
    sandboxId,
    name: 'tty',
    rootfs: await f.rootfs('tty'),
    args: ['sh', '-c', '[ -t 1 ] && echo on a terminal'],
    tty: true,
    logPath: f.logPath('tty'),
  });
  await rt.startContainer('tty');
  assert.equal((await untilExited(rt, 'tty')).exitCode, 0);
  assert.match(await readFile(f.logPath('tty'), 'utf8'), / stdout F on a terminal\r?\n/);

  await assert.rejects(
    rt.createContainer({
      id: 'broken',
      sandboxId,
      name: 'broken',
      rootfs: `${f.dir}/no-such-rootfs`,
      args: ['true'],
      logPath: f.logPath('broken'),
    }),
    /creating container/,
  );
  await assert.rejects(rt.containerStatus('broken'), isNotFound);

  const never = {
    id: 'never',
    sandboxId,
    name: 'never',
    rootfs: await f.rootfs('never'),
    args: ['true'],
    logPath: f.logPath('never'),
  };
  await rt.createContainer(never);
  await assert.rejects(rt.createContainer(never), isAlreadyExists);
  assert.equal((await rt.containerStatus('never')).state.kind, 'created');
  await rt.removeContainer('never');
  assert.deepEqual(
    (await rt.listContainers()).map((c) => c.id),
    ['tty'],
  );

  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});
