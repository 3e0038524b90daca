// The real kubectl's exec and attach against the stream server: WebSocket
// first, SPDY when the WebSocket upgrade is refused, a terminal under tmux,
// and the errors kubectl shows. The "containers" are local processes (test
// harness), so no root and no runtime are needed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createStreamServer } from '../../src/streams/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { credentialsFrom } from '../helpers/api.ts';
import { type LocalPod, localPodStreams } from '../helpers/local-pod-streams.ts';
import { runningPod, type StreamTestApi, startStreamTestApi } from '../helpers/stream-test-api.ts';
import { openTerminal } from '../helpers/tmux-terminal.ts';

describe('kubectl exec and attach', () => {
  let pod: LocalPod;
  let ws: StreamTestApi;
  let spdy: StreamTestApi;

  before(async () => {
    pod = localPodStreams({
      containers: {
        main: { running: true, mainCommand: ['sh', '-c', 'read line; echo "got $line"'] },
        stopped: { running: false },
      },
    });
    const server = createStreamServer({ resolve: async () => pod, log: silentLogger });
    ws = await startStreamTestApi(server);
    spdy = await startStreamTestApi(server, { refuseWebSocket: true });
    for (const api of [ws, spdy]) {
      const web = runningPod('web', ['main']);
      web.spec.containers[0].stdin = true;
      api.pods.set('web', web);
      api.pods.set('multi', runningPod('multi', ['main', 'stopped']));
      const pending = runningPod('pending', ['main']);
      delete pending.spec.nodeName;
      pending.status = { phase: 'Pending' };
      api.pods.set('pending', pending);
      const done = runningPod('done', ['main']);
      done.status.phase = 'Succeeded';
      api.pods.set('done', done);
    }
  });

  after(async () => {
    await pod?.close();
    await ws?.close();
    await spdy?.close();
  });

  for (const [name, api] of [
    ['WebSocket', () => ws],
    ['SPDY fallback', () => spdy],
  ] as const) {
    describe(name, () => {
      it('keeps stdout and stderr apart and exits with the command exit code', async () => {
        const r = await api().kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
        assert.equal(r.code, 3);
        assert.equal(r.stdout, 'out\n');
        assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
      });

      it('passes piped stdin through, with its end', async () => {
        const input = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
        const r = await api().kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo "[eof]"'], {
          input,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${input}[eof]\n`);
      });

      it('reports a missing command as exit code 127', async () => {
        const r = await api().kubectl(['exec', 'web', '--', 'no-such-command-here']);
        assert.equal(r.code, 127);
        assert.match(r.stderr, /command terminated with exit code 127/);
      });

      it('attaches to the container process', async () => {
        const r = await api().kubectl(['attach', '-i', 'web', '-c', 'main'], { input: 'hello\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /got hello/);
      });

      it('shows why a command cannot start', async () => {
        const unknown = await api().kubectl(['exec', 'multi', '-c', 'nope', '--', 'true']);
        assert.equal(unknown.code, 1);
        assert.match(
          unknown.stderr,
          /Error from server \(BadRequest\): container nope is not valid for pod multi/,
        );

        const stopped = await api().kubectl(['exec', 'multi', '-c', 'stopped', '--', 'true']);
        assert.equal(stopped.code, 1);
        assert.match(stopped.stderr, /unable to upgrade connection: container not found \("stopped"\)/);

        const pending = await api().kubectl(['exec', 'pending', '--', 'true']);
        assert.equal(pending.code, 1);
        assert.match(
          pending.stderr,
          /Error from server \(BadRequest\): pod pending does not have a host assigned/,
        );

        const done = await api().kubectl(['exec', 'done', '--', 'true']);
        assert.equal(done.code, 1);
        assert.match(
          done.stderr,
          /cannot exec into a container in a completed pod; current phase is Succeeded/,
        );

        const missing = await api().kubectl(['exec', 'ghost', '--', 'true']);
        assert.match(missing.stderr, /Error from server \(NotFound\): pods "ghost" not found/);
      });
    });
  }

  it('speaks v4.channel.k8s.io to clients that offer only that', async () => {
    const c = credentialsFrom(ws.kubeconfigPath);
    const url = new URL('/api/v1/namespaces/default/pods/web/exec', c.url.replace('https', 'wss'));
    for (const [k, v] of [
      ['command', 'sh'],
      ['command', '-c'],
      ['command', 'read x; echo "got $x"; echo oops >&2; exit 7'],
      ['stdin', 'true'],
      ['stdout', 'true'],
      ['stderr', 'true'],
    ]) {
      url.searchParams.append(k, v);
    }
    const client = new WebSocket(url, ['v4.channel.k8s.io'], { ca: c.ca, cert: c.cert, key: c.key });
    const got = new Map<number, string>();
    client.on('message', (m: Buffer) => got.set(m[0], (got.get(m[0]) ?? '') + m.subarray(1).toString()));
    await once(client, 'open');
    assert.equal(client.protocol, 'v4.channel.k8s.io');
    client.send(Buffer.from('\x00hello\n', 'latin1'));
    await once(client, 'close');
    assert.equal(got.get(1), 'got hello\n');
    assert.equal(got.get(2), 'oops\n');
    const status = JSON.parse(got.get(3) ?? '{}');
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '7' }]);
  });

  for (const [name, api] of [
    ['WebSocket', () => ws],
    ['SPDY fallback', () => spdy],
  ] as const) {
    it(`runs an interactive shell on a terminal that follows the window size (tmux, ${name})`, async (t) => {
      const term = await openTerminal(api().dir, `exec-${name.split(' ')[0]}`, [
        '/usr/bin/kubectl',
        ...api().kubectlArgs(['exec', '-it', 'web', '--', 'sh']),
      ]);
      t.after(() => term.close());
      await term.waitFor('the shell prompt', (s) => (s.includes('$') ? true : undefined));
      // The shell's terminal has the pane's size, and follows it when the window changes.
      await term.resizeAndCheck(100, 40);
      await term.resizeAndCheck(120, 30);
      await term.type('echo typed-$((40+2)); exit 5');
      const code = await term.exitStatus();
      assert.equal(code, '5');
    });
  }
});
