// The real kubectl's logs against the stream server, reading CRI log files
// the test writes: tail, since, timestamps, limit-bytes, follow through
// appends and a rotation until the container ends, and the errors kubectl shows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStreamServer } from '../../src/streams/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { api as apiRequest, credentialsFrom } from '../helpers/api.ts';
import { type LocalPod, localPodStreams } from '../helpers/local-pod-streams.ts';
import { runningPod, type StreamTestApi, startStreamTestApi } from '../helpers/stream-test-api.ts';

/** A CRI record with a timestamp `agoMs` in the past (nanosecond precision, as runtimes write). */
function record(agoMs: number, text: string, stream = 'stdout', tag = 'F'): string {
  return `${new Date(Date.now() - agoMs).toISOString().replace('Z', '123456Z')} ${stream} ${tag} ${text}\n`;
}

describe('kubectl logs', () => {
  let dir: string;
  let pod: LocalPod;
  let api: StreamTestApi;
  let exitFollowed!: () => void;
  const followedPath = () => join(dir, 'followed', '0.log');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orca-logs-it-'));
    const staticLog = join(dir, 'static.log');
    writeFileSync(
      staticLog,
      record(2 * 3600_000, 'two hours ago') +
        record(90_000, 'a minute and a half ago') +
        record(60_000, 'one minute ', 'stderr', 'P') +
        record(60_000, 'ago, split by the runtime', 'stderr') +
        record(30_000, 'half a minute ago'),
    );
    const previousLog = join(dir, 'previous.log');
    writeFileSync(previousLog, record(600_000, 'the crashed instance said goodbye'));
    mkdirSync(join(dir, 'followed'));
    writeFileSync(followedPath(), record(1000, 'before following'));
    const followedExited = new Promise<void>((resolve) => {
      exitFollowed = resolve;
    });
    pod = localPodStreams({
      containers: {
        app: {
          running: true,
          log: { path: staticLog, exited: new Promise(() => {}) },
          previousLog: { path: previousLog, exited: Promise.resolve() },
        },
        tailer: { running: true, log: { path: followedPath(), exited: followedExited } },
      },
    });
    const server = createStreamServer({ resolve: async () => pod, log: silentLogger, followPollMs: 200 });
    api = await startStreamTestApi(server);
    const web = runningPod('web', ['app', 'tailer']);
    web.metadata.annotations = { 'kubectl.kubernetes.io/default-container': 'app' };
    web.status.containerStatuses[0].lastState = {
      terminated: { containerID: 'containerd://old', exitCode: 1 },
    };
    api.pods.set('web', web);
    const starting = runningPod('starting', ['app']);
    starting.status.containerStatuses[0].state = { waiting: { reason: 'ContainerCreating' } };
    api.pods.set('starting', starting);
  });

  after(async () => {
    exitFollowed?.();
    await pod?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logs = async (...args: string[]) => {
    const r = await api.kubectl(['logs', 'web', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  it('prints the whole log, partial records joined', async () => {
    assert.equal(
      await logs(),
      'two hours ago\na minute and a half ago\none minute ago, split by the runtime\nhalf a minute ago\n',
    );
  });

  it('applies --tail, --since, --since-time, --timestamps and --limit-bytes', async () => {
    assert.equal(await logs('--tail=2'), 'one minute ago, split by the runtime\nhalf a minute ago\n');
    assert.equal(await logs('--tail=0'), '');
    assert.equal(await logs('--since=75s'), 'one minute ago, split by the runtime\nhalf a minute ago\n');
    const sinceTime = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    assert.equal((await logs(`--since-time=${sinceTime}`)).split('\n')[0], 'a minute and a half ago');
    const stamped = await logs('--timestamps', '--tail=1');
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}123456Z half a minute ago\n$/);
    assert.equal(await logs('--limit-bytes=20'), 'two hours ago\na minu');
  });

  it('shows the previous instance', async () => {
    assert.equal(await logs('--previous'), 'the crashed instance said goodbye\n');
  });

  it('explains why there is no log', async () => {
    const waiting = await api.kubectl(['logs', 'starting']);
    assert.equal(waiting.code, 1);
    assert.match(
      waiting.stderr,
      /Error from server \(BadRequest\): container "app" in pod "starting" is waiting to start: ContainerCreating/,
    );
    const previous = await api.kubectl(['logs', 'web', '-c', 'tailer', '--previous']);
    assert.match(
      previous.stderr,
      /Error from server \(BadRequest\): previous terminated container "tailer" in pod "web" not found/,
    );
    const unknown = await api.kubectl(['logs', 'web', '-c', 'nope']);
    assert.match(unknown.stderr, /container nope is not valid for pod web/);

    // kubectl picks a container itself; the API's own answer for a pod with several:
    const creds = credentialsFrom(api.kubeconfigPath);
    const raw = await apiRequest(creds, 'GET', '/api/v1/namespaces/default/pods/web/log');
    assert.equal(raw.status, 400);
    assert.equal(
      raw.json().message,
      'a container name must be specified for pod web, choose one of: [app tailer]',
    );
    const invalid = await apiRequest(
      creds,
      'GET',
      '/api/v1/namespaces/default/pods/web/log?container=app&tailLines=-1',
    );
    assert.equal(invalid.status, 422);
    assert.equal(invalid.json().reason, 'Invalid');
  });

  it('follows appends and a rotation, and ends when the container does', async () => {
    const child = spawn(
      '/usr/bin/kubectl',
      api.kubectlArgs(['logs', '-f', 'web', '-c', 'tailer', '--tail=1']),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const seen = async (text: string) => {
      const deadline = Date.now() + 20_000;
      while (!out.includes(text)) {
        if (Date.now() > deadline)
          throw new Error(`never saw ${JSON.stringify(text)}; got ${JSON.stringify(out)} ${err}`);
        await sleep(20);
      }
    };
    try {
      await seen('before following');
      appendFileSync(followedPath(), record(0, 'appended while following'));
      await seen('appended while following');
      // Rotation: the file is renamed away, the writer keeps writing to it for a
      // moment, then switches to a new file at the same path.
      renameSync(followedPath(), `${followedPath()}.1`);
      appendFileSync(`${followedPath()}.1`, record(0, 'late line in the rotated file'));
      writeFileSync(followedPath(), '');
      appendFileSync(followedPath(), record(0, 'first line of the new file'));
      await seen('first line of the new file');
      appendFileSync(followedPath(), record(0, 'last words'));
      exitFollowed();
      assert.equal(await exited, 0, err);
      assert.equal(
        out,
        'before following\nappended while following\nlate line in the rotated file\nfirst line of the new file\nlast words\n',
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});
