// The real kubectl's port-forward against the stream server: several parallel
// connections carrying 100 MB to an echo server "in the pod" (a loopback TCP
// server, test harness) and back, checked by sha256 — over kubectl's
// WebSocket tunnel and over plain SPDY — and the error for a closed port.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import type { WebSocket } from 'ws';
import { createStreamServer } from '../../src/streams/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { type LocalPod, localPodStreams } from '../helpers/local-pod-streams.ts';
import { runningPod, type StreamTestApi, startStreamTestApi } from '../helpers/stream-test-api.ts';

interface Forwarder {
  port: number;
  output(): string;
  stop(): Promise<void>;
}

async function portForward(api: StreamTestApi, remote: number): Promise<Forwarder> {
  const child: ChildProcess = spawn(
    '/usr/bin/kubectl',
    api.kubectlArgs(['port-forward', 'pod/web', `:${remote}`]),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'close');
    }
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${remote}`).exec(out);
    if (m) return { port: Number(m[1]), output: () => out, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`kubectl port-forward did not start:\n${out}`);
    }
    await sleep(20);
  }
}

/** Sends `bytes` of random data on one connection and hashes what comes back; resolves when the echo ends. */
function echoRound(
  port: number,
  bytes: number,
): Promise<{ sent: string; received: string; receivedBytes: number }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const sent = createHash('sha256');
    const received = createHash('sha256');
    let receivedBytes = 0;
    s.on('data', (d: Buffer) => {
      received.update(d);
      receivedBytes += d.length;
    });
    s.on('end', () => {
      s.end();
      resolve({ sent: sent.digest('hex'), received: received.digest('hex'), receivedBytes });
    });
    s.on('error', reject);
    s.on('connect', async () => {
      const block = randomBytes(1 << 20);
      for (let left = bytes; left > 0; ) {
        const piece = block.subarray(0, Math.min(block.length, left));
        left -= piece.length;
        sent.update(piece);
        if (!s.write(piece)) await once(s, 'drain');
      }
      s.end();
    });
  });
}

describe('kubectl port-forward', () => {
  let echo: Server;
  let pod: LocalPod;
  let ws: StreamTestApi;
  let spdy: StreamTestApi;

  before(async () => {
    echo = createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => s.destroy());
      s.pipe(s);
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const echoPort = (echo.address() as { port: number }).port;
    pod = localPodStreams({ containers: { main: { running: true } }, ports: { 80: echoPort } });
    const server = createStreamServer({ resolve: async () => pod, log: silentLogger });
    ws = await startStreamTestApi(server);
    spdy = await startStreamTestApi(server, { refuseWebSocket: true });
    for (const api of [ws, spdy]) api.pods.set('web', runningPod('web', ['main']));
  });

  after(async () => {
    await pod?.close();
    await ws?.close();
    await spdy?.close();
    echo?.close();
  });

  for (const [name, api, perConnection] of [
    ['over the WebSocket tunnel', () => ws, 25 << 20],
    ['over plain SPDY', () => spdy, 5 << 20],
  ] as const) {
    it(`carries parallel connections intact ${name}`, async (t) => {
      const fwd = await portForward(api(), 80);
      t.after(() => fwd.stop());
      const connections = 4;
      const started = performance.now();
      const rounds = await Promise.all(
        Array.from({ length: connections }, () => echoRound(fwd.port, perConnection)),
      );
      const seconds = (performance.now() - started) / 1000;
      for (const r of rounds) {
        assert.equal(r.receivedBytes, perConnection);
        assert.equal(r.received, r.sent);
      }
      const mb = (connections * perConnection) / 1e6;
      t.diagnostic(
        `${mb.toFixed(0)} MB each way in ${seconds.toFixed(2)} s: ${(mb / seconds).toFixed(0)} MB/s each way`,
      );
    });
  }

  it('serves the channel protocol @kubernetes/client-node speaks', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(ws.kubeconfigPath);
    const output = new PassThrough();
    const errors = new PassThrough();
    const input = new PassThrough();
    let got = '';
    let errorText = '';
    output.on('data', (d) => (got += d));
    errors.on('data', (d) => (errorText += d));
    const socket = (await new PortForward(kc).portForward(
      'default',
      'web',
      [80],
      output,
      errors,
      input,
    )) as WebSocket;
    try {
      input.write('hello through the channels\n');
      const deadline = Date.now() + 20_000;
      while (!got.includes('\n') && Date.now() < deadline) await sleep(20);
      assert.equal(got, 'hello through the channels\n');
      assert.equal(errorText, '');
    } finally {
      socket.close();
    }

    const refused = (await new PortForward(kc).portForward(
      'default',
      'web',
      [81],
      output,
      errors,
      new PassThrough(),
    )) as WebSocket;
    if (refused.readyState !== refused.CLOSED) await once(refused, 'close');
    assert.equal(
      errorText,
      'error forwarding port 81 to pod web_default, uid uid-web: dial tcp4 127.0.0.1:81: connect: connection refused',
    );
  });

  it('reports a port nothing listens on', async (t) => {
    const fwd = await portForward(ws, 81);
    t.after(() => fwd.stop());
    const s = connect({ port: fwd.port, host: '127.0.0.1' });
    s.on('error', () => {});
    s.resume();
    await once(s, 'close');
    const deadline = Date.now() + 20_000;
    while (!fwd.output().includes('error forwarding port 81')) {
      if (Date.now() > deadline) throw new Error(`no error shown:\n${fwd.output()}`);
      await sleep(20);
    }
    assert.match(
      fwd.output(),
      /error forwarding port 81 to pod web_default, uid uid-web: dial tcp4 127\.0\.0\.1:81: connect: connection refused/,
    );
  });
});
