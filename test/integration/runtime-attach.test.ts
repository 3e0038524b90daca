// Attaching to containers' own processes with real runc and conmon, through
// the attach relay built from its source for this test: separate output
// streams, stdin and its end, a resizable terminal, and detaching.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isNotFound, isStatusError } from '../../src/api/status.ts';
import { createOciRuntime, type Runtime } from '../../src/runtime/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { repoRoot } from '../helpers/orca.ts';
import { newPodUid, RuntimeFixture, runtimeSkip } from '../helpers/runtime-fixture.ts';
import { transcript } from '../helpers/transcript.ts';

const run = promisify(execFile);

async function buildRelay(f: RuntimeFixture): Promise<string> {
  const relay = join(f.dir, 'orca-attach-relay');
  await run('gcc', ['-O2', '-o', relay, join(repoRoot, 'src/runtime/oci/attach-relay.c')]);
  return relay;
}

async function runtimeWithRelay(f: RuntimeFixture): Promise<Runtime> {
  return createOciRuntime({
    ...f.runtimeOptions,
    attachRelayPath: await buildRelay(f),
    logger: silentLogger,
  });
}

test('attach joins a running container', { skip: runtimeSkip, timeout: 120_000 }, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = await runtimeWithRelay(f);
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'attach',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  const start = async (
    id: string,
    args: string[],
    io: { tty?: boolean; stdin?: boolean; stdinOnce?: boolean } = {},
  ) => {
    await rt.createContainer({
      id,
      sandboxId,
      name: id,
      rootfs: await f.rootfs(id),
      args,
      logPath: f.logPath(id),
      ...io,
    });
    await rt.startContainer(id);
  };

  await t.test('stdout and stderr apart, stdin passed on, its end closing stdin', async () => {
    // stdinOnce: the container's stdin closes when this first attachment ends its input.
    await start('echoer', ['sh', '-c', 'while read l; do echo "out:$l"; echo "err:$l" >&2; done; echo bye'], {
      stdin: true,
      stdinOnce: true,
    });
    const s = await rt.attach('echoer', { stdin: true });
    assert.ok(s.stdin && s.stderr && !s.tty);
    const out = transcript(s.stdout);
    const err = transcript(s.stderr);
    s.stdin.write('one\n');
    await out.waitUntil((text) => text.includes('out:one\n'));
    s.stdin.end('two\n');
    await s.ended;
    await Promise.all([out.ended, err.ended]);
    assert.equal(out.text, 'out:one\nout:two\nbye\n');
    assert.equal(err.text, 'err:one\nerr:two\n');
    assert.equal((await rt.containerStatus('echoer')).state.kind, 'exited');
  });

  await t.test('a terminal that follows resizes, ending when the shell exits', async () => {
    await start('shell', ['sh'], { tty: true, stdin: true });
    const s = await rt.attach('shell', { stdin: true });
    assert.ok(s.stdin && s.stderr === null && s.tty);
    const out = transcript(s.stdout);
    const sizesSeen = (text: string) => text.match(/^\d+ \d+\r$/gm)?.length ?? 0;
    for (const [rows, columns] of [
      [33, 77],
      [41, 123],
    ]) {
      await s.resize({ rows, columns });
      // conmon applies a resize beside relaying input, so ask again until the new size shows.
      for (let asked = 0; !out.text.includes(`${rows} ${columns}\r`); asked++) {
        assert.ok(asked < 100, `the size ${rows} ${columns} reaches the terminal`);
        const seen = sizesSeen(out.text);
        s.stdin.write('stty size\r');
        await out.waitUntil((text) => sizesSeen(text) > seen);
      }
    }
    s.stdin.write('exit 3\r');
    await s.ended;
    await out.ended;
    const state = (await rt.containerStatus('shell')).state;
    assert.equal(state.kind === 'exited' && state.exitCode, 3);
  });

  await t.test('output only; detaching leaves the container running', async () => {
    await start('ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.05; done']);
    const s = await rt.attach('ticker', { stdin: true });
    assert.equal(s.stdin, null, 'a container without stdin takes no input');
    const out = transcript(s.stdout);
    await out.waitUntil((text) => (text.match(/tick \d+\n/g) ?? []).length >= 3);
    await s.detach();
    await out.ended;
    assert.equal((await rt.containerStatus('ticker')).state.kind, 'running');
    // A second attachment sees what is written from then on.
    const again = await rt.attach('ticker');
    const more = transcript(again.stdout);
    await more.waitUntil((text) => /tick \d+\n/.test(text));
    await again.detach();
  });

  await t.test('refuses containers that are not running, and unknown ones', async () => {
    await assert.rejects(
      rt.attach('echoer'),
      (e) => isStatusError(e) && e.code === 400 && /not running/.test(e.message),
    );
    await assert.rejects(rt.attach('no-such-container'), isNotFound);
  });

  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});

test('stdin outlives an attachment unless the container is stdinOnce', {
  skip: runtimeSkip,
  timeout: 120_000,
}, async (t) => {
  const f = await RuntimeFixture.create(t);
  const rt = await runtimeWithRelay(f);
  const sandboxId = await rt.createSandbox({
    podUid: newPodUid(),
    name: 'stdin',
    namespace: 'default',
    network: { kind: 'pod', netnsPath: f.netns() },
  });
  const args = ['sh', '-c', 'while read l; do echo "got:$l"; done; echo "stdin closed"'];
  for (const id of ['kept', 'once']) {
    await rt.createContainer({
      id,
      sandboxId,
      name: id,
      rootfs: await f.rootfs(id),
      args,
      logPath: f.logPath(id),
      stdin: true,
      stdinOnce: id === 'once',
    });
    await rt.startContainer(id);
  }
  const say = async (id: string, line: string) => {
    const s = await rt.attach(id, { stdin: true });
    const out = transcript(s.stdout);
    s.stdin?.end(`${line}\n`);
    await out.waitUntil((text) => text.includes(`got:${line}\n`));
    await s.detach();
  };

  await say('kept', 'first');
  await say('kept', 'second');
  // Detaching right after the end of input still delivers all of it.
  const quick = await rt.attach('kept', { stdin: true });
  quick.stdin?.end('third\n');
  await quick.detach();
  for (let polls = 0; !(await readFile(f.logPath('kept'), 'utf8')).includes('got:third\n'); polls++) {
    assert.ok(polls < 200, 'input written before detaching reaches the container');
    await sleep(50);
  }
  assert.equal((await rt.containerStatus('kept')).state.kind, 'running');

  await say('once', 'only');
  // The first attachment's end closed its stdin: the loop ends and so does the container.
  for (let polls = 0; (await rt.containerStatus('once')).state.kind === 'running'; polls++) {
    assert.ok(polls < 200, 'the container ends once its stdin is closed');
    await sleep(50);
  }
  assert.match(await readFile(f.logPath('once'), 'utf8'), /stdout F stdin closed\n/);

  await rt.removeSandbox(sandboxId);
  assert.deepEqual(await f.leftovers(), []);
});
