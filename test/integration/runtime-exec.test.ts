// Exec into running containers with real runc: exit codes, separate streams,
// stdin, and a terminal that can be resized.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectExec } from '../../src/runtime/index.ts';
import { newPodUid, RuntimeFixture, runtimeSkip } from '../helpers/runtime-fixture.ts';
import { transcript } from '../helpers/transcript.ts';

test('exec runs commands in a running container', { skip: runtimeSkip }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = f.runtime;
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'exec',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  await rt.createContainer({
    id: 'target',
    sandboxId,
    name: 'target',
    rootfs: await f.rootfs('target'),
    args: ['sleep', '3600'],
    env: ['FROM_SPEC=yes'],
    logPath: f.logPath('target'),
  });
  await rt.startContainer('target');

  await t.test('exit code and separate output streams', async () => {
    const r = await collectExec(
      await rt.exec('target', { cmd: ['sh', '-c', 'echo out; echo oops >&2; echo $FROM_SPEC; exit 4'] }),
    );
    assert.deepEqual(r, { exitCode: 4, stdout: 'out\nyes\n', stderr: 'oops\n' });
  });

  await t.test('stdin is streamed and EOF ends it', async () => {
    const session = await rt.exec('target', { cmd: ['sh', '-c', 'tr a-z A-Z; echo done'], stdin: true });
    assert.ok(session.stdin);
    session.stdin.end('hello\nworld\n');
    assert.deepEqual(await collectExec(session), { exitCode: 0, stdout: 'HELLO\nWORLD\ndone\n', stderr: '' });
  });

  await t.test('a terminal with its size, resizable while running', async () => {
    // Reports its size for every line it reads, until told to quit.
    const script =
      'stty size; while read line; do [ "$line" = quit ] && break; stty size; done; [ -t 0 ] && exit 9';
    const session = await rt.exec('target', {
      cmd: ['sh', '-c', script],
      tty: true,
      stdin: true,
      size: { rows: 30, columns: 100 },
    });
    assert.ok(session.stdin && session.stderr === null);
    const out = transcript(session.stdout);
    const sizesSeen = (text: string) => text.match(/^\d+ \d+\r$/gm) ?? [];
    await out.waitUntil((text) => sizesSeen(text).length === 1);
    assert.deepEqual(sizesSeen(out.text), ['30 100\r'], 'the terminal has its size from the start');

    await session.resize({ rows: 50, columns: 120 });
    // runc applies a resize beside copying input, so ask again until the new size shows.
    for (let asked = 1; !out.text.includes('50 120'); asked++) {
      assert.ok(asked < 100, 'the new size reaches the terminal');
      session.stdin.write('\r');
      await out.waitUntil((text) => sizesSeen(text).length > asked);
    }
    session.stdin.write('quit\r');
    assert.equal(await session.exitCode, 9, 'stdin is a terminal');
    await out.ended;
  });

  await t.test('aborting kills the process', async () => {
    const abort = new AbortController();
    const session = await rt.exec('target', { cmd: ['sleep', '3601'], signal: abort.signal });
    abort.abort();
    assert.equal((await collectExec(session)).exitCode, 137);
  });

  await rt.stopContainer('target', 0);
  await assert.rejects(rt.exec('target', { cmd: ['true'] }), /not running/);
  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});
