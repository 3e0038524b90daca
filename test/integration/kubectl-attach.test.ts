// kubectl attach with the real kubectl against real pods: piped input to a
// container reading stdin, a terminal under tmux that follows the window size,
// output until the container ends, and the errors kubectl shows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Cluster, startCluster, testImage } from '../helpers/cluster.ts';
import { openTerminal } from '../helpers/tmux-terminal.ts';

/** Polls `check` until it returns a value (events we wait for, not timings we assert). */
async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** A container that says it is waiting until /tmp/go exists, then says goodbye on both streams and ends. */
const waiter = `while [ ! -e /tmp/go ]; do echo waiting; sleep 0.2; done; echo bye; echo bye-err >&2`;

describe('kubectl attach', () => {
  let c: Cluster;
  const kubectlArgs = (args: string[]) => [
    '--kubeconfig',
    c.kubeconfig,
    '--cache-dir',
    join(c.dir, 'kube-cache'),
    ...args,
  ];

  before(async () => {
    c = await startCluster();
    const pod = (name: string, container: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
${container}`;
    await c.kubectl(['apply', '-f', '-'], {
      input: [
        pod(
          'echoer',
          `  - name: echo
    image: ${testImage}
    stdin: true
    stdinOnce: true
    command: ["sh", "-c", 'while read l; do echo "out:$l"; echo "err:$l" >&2; done; echo done']`,
        ),
        pod(
          'shell',
          `  - name: sh
    image: ${testImage}
    stdin: true
    tty: true
    command: ["sh"]`,
        ),
        pod('waiter', `  - name: w\n    image: ${testImage}\n    command: ["sh", "-c", '${waiter}']`),
        pod('deaf', `  - name: w\n    image: ${testImage}\n    command: ["sh", "-c", '${waiter}']`),
        pod(
          'mixed',
          `  - name: quick
    image: ${testImage}
    command: ["true"]
  - name: slow
    image: ${testImage}
    command: ["sleep", "3600"]`,
        ),
      ].join('\n---\n'),
    });
    await c.kubectl([
      'wait',
      'pod/echoer',
      'pod/shell',
      'pod/waiter',
      'pod/deaf',
      '--for=condition=Ready',
      '--timeout=90s',
    ]);
  });
  after(async () => {
    await c?.stopCluster();
  });

  it('passes piped input to a stdin container and keeps its stdout and stderr apart', async () => {
    const r = await c.kubectl(['attach', '-i', 'echoer', '-c', 'echo'], { input: 'one\ntwo\n' });
    assert.equal(r.code, 0, r.stderr);
    // stdinOnce: the end of input closes the container's stdin, and the output goes on until it ends.
    assert.equal(r.stdout, 'out:one\nout:two\ndone\n');
    assert.match(r.stderr, /err:one\nerr:two\n/);
    assert.doesNotMatch(r.stderr, /out:/);
  });

  it('gives a working terminal that follows the window size (tmux), ending when the shell exits', async (t) => {
    const term = await openTerminal(c.dir, 'attach', [
      '/usr/bin/kubectl',
      ...kubectlArgs(['attach', '-it', 'shell', '-c', 'sh']),
    ]);
    t.after(() => term.close());
    // The shell printed its prompt before we attached: Enter brings a new one, as kubectl suggests.
    await term.waitFor('the shell prompt', (s) => (s.includes('#') ? true : undefined), '');
    await term.resizeAndCheck(100, 40);
    await term.resizeAndCheck(120, 30);
    await term.type('echo typed-$((40+2))');
    await term.waitFor('typed input to run', (s) => (s.includes('typed-42') ? true : undefined));
    await term.type('exit 5');
    // An attachment has no exit code of its own: kubectl ends well once the container is gone.
    assert.equal(await term.exitStatus(), '0');
    const exitCode = await until('the container to be seen ending', async () => {
      const r = await c.kubectl([
        'get',
        'pod',
        'shell',
        '-o',
        'jsonpath={.status.containerStatuses[0].state.terminated.exitCode}',
      ]);
      return r.stdout || undefined;
    });
    assert.equal(exitCode, '5');
  });

  it('streams output until the container ends', async () => {
    const child = spawn('/usr/bin/kubectl', kubectlArgs(['attach', 'waiter', '-c', 'w']), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = once(child, 'exit');
      await until('output through the attachment', async () =>
        stdout.includes('waiting\n') ? true : undefined,
      );
      await c.kubectl(['exec', 'waiter', '-c', 'w', '--', 'touch', '/tmp/go']);
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.match(stdout, /waiting\n(waiting\n)*bye\n$/);
      assert.match(stderr, /bye-err\n/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('drops input for a container without stdin, as upstream does, and streams its output', async () => {
    const child = spawn('/usr/bin/kubectl', kubectlArgs(['attach', '-i', 'deaf', '-c', 'w']), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const exited = once(child, 'exit');
      child.stdin.end('nobody reads this\n');
      await until('output through the attachment', async () =>
        stdout.includes('waiting\n') ? true : undefined,
      );
      await c.kubectl(['exec', 'deaf', '-c', 'w', '--', 'touch', '/tmp/go']);
      const [code] = await exited;
      assert.equal(code, 0);
      assert.match(stdout, /bye\n$/);
      assert.doesNotMatch(stdout, /nobody reads this/);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('answers a missing or ended container with a clear error', async () => {
    const missing = await c.kubectl(['attach', 'mixed', '-c', 'nope'], { allowFail: true });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /container nope not found|container not found \("nope"\)|not valid for pod/);

    await until('the quick container to end', async () => {
      const r = await c.kubectl([
        'get',
        'pod',
        'mixed',
        '-o',
        'jsonpath={.status.containerStatuses[?(@.name=="quick")].state.terminated.reason}',
      ]);
      return r.stdout || undefined;
    });
    const ended = await c.kubectl(['attach', 'mixed', '-c', 'quick'], { allowFail: true });
    assert.notEqual(ended.code, 0);
    assert.match(ended.stderr, /container not found \("quick"\)/);

    // echoer ran to its end in the first test.
    await until('echoer to complete', async () => {
      const r = await c.kubectl(['get', 'pod', 'echoer', '-o', 'jsonpath={.status.phase}']);
      return r.stdout === 'Succeeded' ? true : undefined;
    });
    const done = await c.kubectl(['attach', 'echoer'], { allowFail: true });
    assert.notEqual(done.code, 0);
    assert.match(done.stderr, /cannot attach a container in a completed pod; current phase is Succeeded/);
  });
});
