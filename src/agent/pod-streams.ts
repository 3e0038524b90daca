// What the stream protocols need from this node for one pod: exec into a
// container through the runtime, its CRI log files, and TCP connections to
// the pod's ports for port-forward.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import type { Runtime, ExecSession as RuntimeExec, TerminalSize } from '../runtime/types.ts';
import type { ContainerStreams, ExecSession, PodStreams } from '../streams/index.ts';
import { labels } from './labels.ts';

const exitPollMs = 250;

export interface PodStreamsDeps {
  runtime: Runtime;
  nodeIP: string;
}

function notFound(name: string): Error {
  return new Error(`container not found ("${name}")`);
}

/**
 * Adapts a runtime exec to what users expect of `kubectl exec`:
 * - runc answers a command it cannot start with exit status 255 and a message;
 *   upstream reports 127 (not found) or 126 (not executable), so those are mapped;
 * - the first terminal size arrives while runc is still starting and may be
 *   lost, so the latest size is applied again once it is surely listening.
 */
function execSession(s: RuntimeExec): ExecSession {
  let tail = '';
  let stderr = s.stderr;
  if (s.stderr) {
    const copy = new PassThrough();
    s.stderr.on('data', (d: Buffer) => {
      tail = (tail + d.toString('utf8')).slice(-2048);
    });
    s.stderr.pipe(copy);
    stderr = copy;
  }
  const started = Date.now();
  let latest: TerminalSize | undefined;
  const exitCode = s.exitCode.then((code) => {
    if (code !== 255) return code;
    if (/executable file not found|no such file or directory/.test(tail)) return 127;
    if (/permission denied/.test(tail)) return 126;
    return code;
  });
  return {
    stdin: s.stdin,
    stdout: s.stdout,
    stderr,
    exitCode,
    async resize(size) {
      latest = size;
      await s.resize(size).catch(() => undefined);
      if (Date.now() - started < 2000) {
        setTimeout(() => {
          if (latest) s.resize(latest).catch(() => undefined);
        }, 300);
      }
    },
    kill: () => s.kill(),
  };
}

export function podStreams(deps: PodStreamsDeps, pod: KubeObject): PodStreams {
  const uid = pod.metadata.uid!;
  const names = new Set<string>([
    ...(pod.spec?.initContainers ?? []).map((c: { name: string }) => c.name),
    ...(pod.spec?.containers ?? []).map((c: { name: string }) => c.name),
  ]);
  const instances = async (name: string) =>
    (await deps.runtime.listContainers({ labels: { [labels.podUid]: uid, [labels.container]: name } })).sort(
      (a, b) => a.attempt - b.attempt,
    );
  const running = async (name: string) => {
    const cur = (await instances(name)).at(-1);
    if (!cur || cur.state.kind !== 'running') throw notFound(name);
    return cur;
  };
  const container = (name: string): ContainerStreams => ({
    async exec(o) {
      const c = await running(name);
      return execSession(await deps.runtime.exec(c.id, { cmd: o.command, tty: o.tty, stdin: o.stdin }));
    },
    async attach() {
      // conmon's attach socket is SOCK_SEQPACKET, which Node cannot open.
      throw new Error(
        `attach is not supported by this node's runtime yet; use kubectl exec -it ${pod.metadata.name} -c ${name} -- sh`,
      );
    },
    async log({ previous }) {
      const list = await instances(name);
      // The latest instance is the current one, running or not; --previous is the one before it (the agent keeps both).
      const inst = previous ? list.at(-2) : list.at(-1);
      if (!inst) {
        if (previous)
          throw new Error(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`);
        throw notFound(name);
      }
      const exited = new Promise<void>((resolve) => {
        const check = async () => {
          try {
            const st = await deps.runtime.containerStatus(inst.id);
            if (st.state.kind === 'exited' || st.state.kind === 'unknown') return resolve();
          } catch {
            return resolve();
          }
          setTimeout(check, exitPollMs);
        };
        void check();
      });
      return { path: inst.logPath, exited };
    },
  });
  return {
    container: (name) => (names.has(name) ? container(name) : undefined),
    async portForward(port) {
      // The pod's address is reachable from its node over the bridge; a hostNetwork pod is the node itself.
      const host = pod.spec?.hostNetwork ? '127.0.0.1' : pod.status?.podIP;
      if (!host) throw new Error(`pod ${pod.metadata.name} has no IP address yet`);
      return new Promise<Duplex>((resolve, reject) => {
        const socket = connect({ host, port, allowHalfOpen: true });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    },
  };
}
