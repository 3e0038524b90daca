// kubectl logs/exec/port-forward/cp for a pod on a node that joined with
// `orca agent`: the server proxies each request over TLS to that agent's
// stream endpoint. Also: the endpoint refuses every client but the API
// server, its certificate chains to the cluster CA and names the node's
// address, and a node whose agent cannot be reached gets a 503, not a hang.
//
// The joined node runs on this machine with its own data dir, bridge, pod
// range and a loopback address of its own as node IP, so the proxied traffic
// stays on loopback.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { kubeletServingPath } from '../../src/apiserver/kubelet-serving.ts';
import { createCertificateRequest } from '../../src/apiserver/tls.ts';
import { PodNetwork } from '../../src/network/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { api, credentialsFrom } from '../helpers/api.ts';
import { type Cluster, leftovers, startCluster, testImage } from '../helpers/cluster.ts';
import { orcaBin, repoRoot } from '../helpers/orca.ts';

const run = promisify(execFile);

interface Answer {
  status: number;
  body: string;
}

/** A GET straight to the agent's stream endpoint, with `cert` as client credential (or none). */
function getFromAgent(
  host: string,
  port: number,
  path: string,
  ca: string,
  cert?: { cert: string; key: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, ca, ...cert, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('pod streams of a pod on a joined node', () => {
  let c: Cluster | undefined;
  let agent: ChildProcess | undefined;
  let agentOutput = '';
  let podCIDR = '';
  const dir = mkdtempSync(join(tmpdir(), 'orca-remote-streams-'));
  const agentData = join(dir, 'data');
  const bridge = `orca-r${randomBytes(3).toString('hex')}`;
  const node = `remote-${bridge.slice(6)}`;
  // A loopback address of the test's own: the joined node's IP, where its endpoint listens.
  const nodeIP = `127.${10 + (randomBytes(1)[0] % 240)}.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 250)}`;
  const pod = 'far';
  let ca = '';
  let endpointPort = 0;

  /** Established TCP connections to the agent's stream endpoint (the server's, while it proxies). */
  const connectionsToAgent = async () => {
    const { stdout } = await run('ss', ['-Htn', 'state', 'established', 'dst', `${nodeIP}:${endpointPort}`]);
    return stdout.split('\n').filter((l) => l.trim()).length;
  };
  const kubectlBase = () => ['--kubeconfig', c!.kubeconfig, '--cache-dir', join(dir, 'kube-cache')];
  const kubectl = (args: string[], opts?: { input?: string; allowFail?: boolean }) => c!.kubectl(args, opts);

  /** Starts the joined node's agent on a free port; resolves once the node is Ready and reports that port. */
  async function startAgent(): Promise<void> {
    const outputBefore = agentOutput.length;
    const started = spawn(
      orcaBin,
      [
        'agent',
        '--server',
        c!.url,
        '--token-file',
        join(c!.dataDir, 'server', 'token'),
        '--data-dir',
        agentData,
        '--node-name',
        node,
        '--node-ip',
        nodeIP,
        '--bridge-name',
        bridge,
        '--kubelet-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    agent = started;
    started.stdout!.on('data', (d) => (agentOutput += d));
    started.stderr!.on('data', (d) => (agentOutput += d));
    const listening = () =>
      /serving pod streams.*?"address":"[\d.]+:(\d+)"/.exec(agentOutput.slice(outputBefore));
    for (let i = 0; i < 300 && !listening() && started.exitCode === null; i++) await sleep(100);
    const m = listening();
    if (!m) throw new Error(`the agent did not start serving:\n${agentOutput}`);
    const port = Number(m[1]);
    const reported = async () =>
      Number(
        (
          await kubectl(
            ['get', 'node', node, '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}'],
            {
              allowFail: true,
            },
          )
        ).stdout,
      );
    for (let i = 0; i < 300 && (await reported()) !== port; i++) await sleep(100);
    await kubectl(['wait', `node/${node}`, '--for=condition=Ready', '--timeout=60s']).catch((e) => {
      throw new Error(`${e}\nagent output:\n${agentOutput}`);
    });
    endpointPort = port;
  }

  const agentRunning = () => agent !== undefined && agent.exitCode === null && agent.signalCode === null;

  /** Stops the agent (its pods' containers keep running under conmon); SIGKILL if SIGTERM is not enough. */
  async function stopAgent(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const running = agent;
    if (!running || !agentRunning()) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }

  before(async () => {
    c = await startCluster();
    ca = readFileSync(join(c.dataDir, 'server', 'tls', 'ca.crt'), 'utf8');
    const tar = join(dir, 'img.tar');
    await run('bash', [join(repoRoot, 'scripts', 'build-test-image.sh'), tar, testImage]);
    await run(orcaBin, ['images', 'import', '--data-dir', agentData, tar]);
    await startAgent();
    podCIDR = (await kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).stdout;
    // "talker" prints "started", then whatever lands in /tmp/say; "web" serves a file over HTTP.
    await kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Pod
metadata:
  name: ${pod}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: talker
    image: ${testImage}
    command: ["sh", "-c", "echo started; while true; do if [ -f /tmp/say ]; then cat /tmp/say; rm -f /tmp/say; fi; sleep 0.1; done"]
  - name: web
    image: ${testImage}
    command: ["sh", "-c", "mkdir -p /www && echo served from ${node} > /www/hello.txt && exec httpd -f -p 8080 -h /www"]
`,
    });
    await kubectl(['wait', `pod/${pod}`, '--for=condition=Ready', '--timeout=60s']).catch((e) => {
      throw new Error(`${e}\nagent output:\n${agentOutput}`);
    });
  });

  after(async () => {
    try {
      if (c) {
        if (!podCIDR) {
          podCIDR = (
            await kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'], { allowFail: true })
          ).stdout;
        }
        // Only the agent tears its pod down: one a failed test left stopped is started again for that.
        if (agent && !agentRunning()) await startAgent().catch(() => undefined);
        // A graceful delete: the agent removes the pod object only once it has torn the pod down.
        await kubectl(['delete', 'pod', pod, '--wait=true', '--timeout=60s'], { allowFail: true });
        await kubectl(['delete', 'pod', 'stranded', 'homeless', '--force', '--grace-period=0'], {
          allowFail: true,
        });
        await kubectl(['delete', 'node', 'unreachable-node'], { allowFail: true });
      }
      await stopAgent();
      if (podCIDR) {
        await new PodNetwork({
          bridgeName: bridge,
          podCIDR,
          stateDir: join(agentData, 'network'),
          clusterDNS: ['10.43.0.10'],
          clusterDomain: 'cluster.local',
          logger: silentLogger,
        })
          .teardownAll()
          .catch(() => undefined);
      }
      assert.deepEqual(await leftovers({ dataDir: agentData, bridge }), []);
    } finally {
      try {
        rmSync(dir, { recursive: true, force: true });
      } finally {
        if (c) {
          await c.stopCluster();
          assert.deepEqual(await leftovers(c), []);
        }
      }
    }
  });

  it('runs the pod on the joined node, which reports its stream endpoint', async () => {
    const where = await kubectl(['get', 'pod', pod, '-o', 'jsonpath={.spec.nodeName} {.status.hostIP}']);
    assert.equal(where.stdout, `${node} ${nodeIP}`);
    assert.ok(endpointPort > 0 && endpointPort < 65536, `port ${endpointPort}`);
  });

  it('shows and follows logs', async () => {
    assert.equal((await kubectl(['logs', pod, '-c', 'talker'])).stdout, 'started\n');
    const follower = spawn('/usr/bin/kubectl', [...kubectlBase(), 'logs', '-f', pod, '-c', 'talker'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let got = '';
    follower.stdout.on('data', (d) => (got += d));
    follower.stderr.on('data', (d) => (got += d));
    try {
      for (let i = 0; i < 100 && !got.includes('started'); i++) await sleep(100);
      assert.equal(got, 'started\n');
      // Written after kubectl started following: it must arrive on the open stream.
      await kubectl([
        'exec',
        pod,
        '-c',
        'talker',
        '--',
        'sh',
        '-c',
        'echo said later > /tmp/say.part && mv /tmp/say.part /tmp/say',
      ]);
      for (let i = 0; i < 100 && !got.includes('said later'); i++) await sleep(100);
      assert.equal(got, 'started\nsaid later\n');
      assert.equal(follower.exitCode, null, 'kubectl logs -f is still following');
      assert.ok(
        (await connectionsToAgent()) > 0,
        'the server holds a connection to the agent while following',
      );
    } finally {
      follower.kill();
      await once(follower, 'close');
    }
    // kubectl went away: the server lets go of the agent's stream too.
    for (let i = 0; i < 100 && (await connectionsToAgent()) > 0; i++) await sleep(100);
    assert.equal(await connectionsToAgent(), 0);
  });

  it('answers log errors with the Status the agent gives', async () => {
    const r = await kubectl(['logs', pod, '-c', 'talker', '--previous'], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /previous terminated container "talker" in pod "far" not found/);
  });

  it('returns the exit code of exec and passes stdin and stdout', async () => {
    const r = await kubectl(['exec', pod, '-c', 'talker', '--', 'sh', '-c', 'echo out; exit 3'], {
      allowFail: true,
    });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    const cat = await kubectl(['exec', '-i', pod, '-c', 'talker', '--', 'cat'], { input: 'piped in\n' });
    assert.equal(cat.stdout, 'piped in\n');
  });

  /** kubectl port-forward to the pod's port 8080, fetching a file through it three times. */
  async function fetchThroughPortForward(env: NodeJS.ProcessEnv = {}): Promise<void> {
    const pf = spawn('/usr/bin/kubectl', [...kubectlBase(), 'port-forward', `pod/${pod}`, ':8080'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    pf.stdout.on('data', (d) => (out += d));
    pf.stderr.on('data', (d) => (out += d));
    try {
      let port = 0;
      for (let i = 0; i < 200 && !port; i++) {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
        if (m) port = Number(m[1]);
        else await sleep(50);
      }
      assert.ok(port, `kubectl port-forward did not start:\n${out}`);
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/hello.txt`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), `served from ${node}\n`);
      }
    } finally {
      pf.kill();
      await once(pf, 'close');
    }
  }

  it('port-forwards to a server in the pod', async () => {
    await fetchThroughPortForward();
  });

  it("works over SPDY too, kubectl's older protocol", async () => {
    const spdy = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const p = spawn(
        '/usr/bin/kubectl',
        [...kubectlBase(), 'exec', '-i', pod, '-c', 'talker', '--', 'sh', '-c', 'cat; exit 4'],
        { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...spdy } },
      );
      let stdout = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.on('close', (code) => resolve({ code, stdout }));
      p.stdin.end('over spdy\n');
    });
    assert.equal(r.code, 4);
    assert.equal(r.stdout, 'over spdy\n');
    await fetchThroughPortForward(spdy);
  });

  it('copies a file into the pod with kubectl cp', async () => {
    const file = join(dir, 'payload.txt');
    const content = `${randomBytes(2048).toString('hex')}\n`;
    writeFileSync(file, content);
    await kubectl(['cp', file, `${pod}:/tmp/payload.txt`, '-c', 'talker']);
    const back = await kubectl(['exec', pod, '-c', 'talker', '--', 'cat', '/tmp/payload.txt']);
    assert.equal(back.stdout, content);
  });

  /** The certificate the agent's endpoint serves with. */
  async function servingCertificate(): Promise<X509Certificate> {
    const socket = connect({ host: nodeIP, port: endpointPort, ca });
    try {
      await once(socket, 'secureConnect');
      return socket.getPeerX509Certificate()!;
    } finally {
      socket.destroy();
    }
  }

  it("serves with a certificate of the cluster CA that names the node's address", async () => {
    const cert = await servingCertificate();
    const caCert = new X509Certificate(ca);
    assert.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'signed by the cluster CA');
    assert.equal(cert.checkIP(nodeIP), nodeIP);
    assert.match(cert.subject, new RegExp(`CN=system:node:${node}`));
    assert.equal(statSync(join(agentData, 'agent', 'tls', 'serving-kubelet.key')).mode & 0o777, 0o600);
  });

  it('keeps its serving credential across a restart, and the server finds its new port', async () => {
    const before = (await servingCertificate()).fingerprint256;
    // Killed, as in a crash: its pods keep running and the next agent adopts them.
    await stopAgent('SIGKILL');
    await startAgent();
    assert.equal((await servingCertificate()).fingerprint256, before);
    const r = await kubectl(['exec', pod, '-c', 'talker', '--', 'echo', 'still here']);
    assert.equal(r.stdout, 'still here\n');
  });

  it('refuses every client but the API server', async () => {
    const path = `/api/v1/namespaces/default/pods/${pod}/log?container=talker`;
    const none = await getFromAgent(nodeIP, endpointPort, path, ca);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).reason, 'Unauthorized');
    const admin = await getFromAgent(nodeIP, endpointPort, path, ca, credentialsFrom(c!.kubeconfig));
    assert.equal(admin.status, 403);
    const status = JSON.parse(admin.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Forbidden');
    const tls = join(c!.dataDir, 'server', 'tls');
    const apiserver = {
      cert: readFileSync(join(tls, 'kubelet-client.crt'), 'utf8'),
      key: readFileSync(join(tls, 'kubelet-client.key'), 'utf8'),
    };
    const ok = await getFromAgent(nodeIP, endpointPort, path, ca, apiserver);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.split('\n')[0], 'started');
  });

  it('signs node serving certificates for group system:nodes only', async () => {
    const admin = credentialsFrom(c!.kubeconfig);
    const token = readFileSync(join(c!.dataDir, 'server', 'token'), 'utf8').trim();
    const post = (csr: string, asNode: boolean) =>
      api(
        admin,
        'POST',
        kubeletServingPath,
        csr,
        { 'Content-Type': 'application/pkcs10', ...(asNode ? { Authorization: `Bearer ${token}` } : {}) },
        { anonymous: asNode },
      );
    const names = { dns: [node], ips: [nodeIP] };
    const { csr } = await createCertificateRequest(
      { commonName: `system:node:${node}`, organizations: ['system:nodes'] },
      names,
    );
    const byAdmin = await post(csr, false);
    assert.equal(byAdmin.status, 403);
    assert.equal(byAdmin.json().reason, 'Forbidden');
    const byNode = await post(csr, true);
    assert.equal(byNode.status, 200, byNode.text);
    const cert = new X509Certificate(byNode.text);
    assert.ok(cert.verify(new X509Certificate(ca).publicKey));
    assert.equal(cert.checkIP(nodeIP), nodeIP);
    const notANode = await createCertificateRequest(
      { commonName: 'admin', organizations: ['system:masters'] },
      names,
    );
    const refused = await post(notANode.csr, true);
    assert.equal(refused.status, 400);
    assert.match(refused.json().message, /system:node:/);
  });

  it("answers 503 for a node whose agent cannot be reached, or that doesn't exist", async () => {
    // Nothing listens on this address and port: a refused dial, at once.
    await kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Node
metadata:
  name: unreachable-node
---
apiVersion: v1
kind: Pod
metadata:
  name: stranded
spec:
  nodeName: unreachable-node
  containers: [{ name: c, image: ${testImage} }]
---
apiVersion: v1
kind: Pod
metadata:
  name: homeless
spec:
  nodeName: no-such-node
  containers: [{ name: c, image: ${testImage} }]
`,
    });
    await kubectl([
      'patch',
      'node',
      'unreachable-node',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          addresses: [{ type: 'InternalIP', address: nodeIP }],
          daemonEndpoints: { kubeletEndpoint: { Port: 1 } },
        },
      }),
    ]);
    const logs = await kubectl(['logs', 'stranded'], { allowFail: true });
    assert.notEqual(logs.code, 0);
    assert.match(logs.stderr, /ServiceUnavailable|error dialing backend/);
    assert.match(logs.stderr, /error dialing backend/);
    const exec = await kubectl(['exec', 'stranded', '--', 'true'], { allowFail: true });
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, /error dialing backend/);
    const homeless = await kubectl(['logs', 'homeless'], { allowFail: true });
    assert.notEqual(homeless.code, 0);
    assert.match(homeless.stderr, /node "no-such-node", which does not exist/);
  });
});
