// TEST HARNESS ONLY. The smallest HTTPS API kubectl needs around a stream
// command: version, legacy discovery of the core group, GET of a pod from a
// map the test fills, and pods/NAME/{log,exec,attach,portforward} handed to a
// StreamServer (upgrades through the server's 'upgrade' event, as the real
// apiserver will). Its own PKI, kubeconfig and kubectl cache in a temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../../src/api/object.ts';
import { errors, StatusError } from '../../src/api/status.ts';
import { ensurePki, kubeconfig } from '../../src/apiserver/tls.ts';
import { rejectUpgrade, type StreamKind, type StreamServer } from '../../src/streams/index.ts';

export interface KubectlRun {
  stdout: string;
  stderr: string;
  code: number;
}

export interface StreamTestApi {
  url: string;
  dir: string;
  kubeconfigPath: string;
  /** Pods by name in namespace "default". */
  pods: Map<string, KubeObject>;
  /** Runs kubectl to completion (never throws on a non-zero exit). */
  kubectl(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<KubectlRun>;
  /** kubectl's argv prefix for commands a test spawns itself. */
  kubectlArgs(args: string[]): string[];
  close(): Promise<void>;
}

const version = { major: '1', minor: '32', gitVersion: 'v1.32.0+orca', platform: 'linux/amd64' };

const subresources = ['log', 'exec', 'attach', 'portforward'];
const resourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'v1',
  resources: [
    {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    },
    ...subresources.map((s) => ({
      name: `pods/${s}`,
      singularName: '',
      namespaced: true,
      kind:
        s === 'log'
          ? 'Pod'
          : `Pod${s === 'portforward' ? 'PortForward' : s[0].toUpperCase() + s.slice(1)}Options`,
      verbs: s === 'log' ? ['get'] : ['create', 'get'],
    })),
  ],
};

const podPath = /^\/api\/v1\/namespaces\/default\/pods\/([^/]+)(?:\/(log|exec|attach|portforward))?$/;

export interface StreamTestApiOptions {
  /**
   * Answer WebSocket upgrades with 400, as an apiserver without WebSocket
   * streaming would: kubectl then retries over SPDY.
   */
  refuseWebSocket?: boolean;
}

export async function startStreamTestApi(
  streams: StreamServer,
  opts: StreamTestApiOptions = {},
): Promise<StreamTestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'orca-streams-'));
  const pki = await ensurePki(join(dir, 'pki'), '127.0.0.1');
  const pods = new Map<string, KubeObject>();

  const find = (url: URL): { pod: KubeObject; sub?: StreamKind } => {
    const m = podPath.exec(url.pathname);
    if (!m) throw new StatusError('NotFound', 'the server could not find the requested resource');
    const pod = pods.get(m[1]);
    if (!pod) throw errors.notFound({ resource: 'pods', name: m[1] });
    return { pod, sub: m[2] as StreamKind | undefined };
  };

  const server = createServer({ key: pki.serving.key, cert: pki.serving.cert }, (req, res) => {
    void answer(req, res).catch((err) => {
      const se = err instanceof StatusError ? err : errors.internal(String(err));
      if (res.headersSent) res.end();
      else res.writeHead(se.code, { 'Content-Type': 'application/json' }).end(JSON.stringify(se.status));
    });
  });

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const json = (body: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/version':
        return json(version);
      case '/api':
        return json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      case '/apis':
        return json({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      case '/api/v1':
        return json(resourceList);
    }
    const { pod, sub } = find(url);
    if (!sub) return json(pod);
    await streams.handle(sub, pod, req, res, url.searchParams);
  };

  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const url = new URL(req.url ?? '/', 'https://localhost');
    try {
      const { pod, sub } = find(url);
      if (!sub) throw errors.badRequest('not a stream');
      if (opts.refuseWebSocket && req.headers.upgrade?.toLowerCase() === 'websocket') {
        throw errors.badRequest('WebSocket streaming is switched off in this test');
      }
      void streams.handleUpgrade(sub, pod, req, socket, head, url.searchParams);
    } catch (err) {
      rejectUpgrade(socket, err);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigPath = join(dir, 'kubeconfig.yaml');
  writeFileSync(kubeconfigPath, kubeconfig(url, pki, pki.admin));
  const kubectlArgs = (args: string[]) => [
    '--kubeconfig',
    kubeconfigPath,
    '--cache-dir',
    join(dir, 'kube-cache'),
    ...args,
  ];

  return {
    url,
    dir,
    kubeconfigPath,
    pods,
    kubectlArgs,
    kubectl(args, opts = {}) {
      return new Promise((resolve) => {
        const child = spawn('/usr/bin/kubectl', kubectlArgs(args), { stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ stdout, stderr, code: code ?? -1 });
        });
        child.stdin.on('error', () => {});
        child.stdin.end(opts.input ?? '');
      });
    },
    async close() {
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pod as the API would show it: scheduled, Running, its containers running. */
export function runningPod(name: string, containers: string[], extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: new Date().toISOString(),
    },
    spec: { nodeName: 'node-1', containers: containers.map((c) => ({ name: c, image: 'busybox' })) },
    status: {
      phase: 'Running',
      containerStatuses: containers.map((c) => ({
        name: c,
        ready: true,
        restartCount: 0,
        image: 'busybox',
        imageID: '',
        containerID: `containerd://${c}`,
        state: { running: { startedAt: new Date().toISOString() } },
      })),
    },
    ...extra,
  };
}
