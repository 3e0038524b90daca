// What the stream protocols need from this node for one pod: exec into and
// attach to a container through the runtime, its CRI log files, and TCP
// connections to the pod's ports for port-forward.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import { isStatusError } from '../api/status.ts';
import type {
  Runtime,
  AttachSession as RuntimeAttach,
  ExecSession as RuntimeExec,
  TerminalSize,
} from '../runtime/types.ts';
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

/**
 * Adapts a runtime attachment to what the stream protocols expect, with
 * upstream's (containerd's CRI) meaning of the client's end of input: for a
 * stdinOnce container without a terminal it closes the container's stdin and
 * the output goes on until the container ends; otherwise it ends the
 * attachment and the container's stdin stays as it was.
 */
function attachSession(s: RuntimeAttach, stdinOnce: boolean): ExecSession {
  s.stdin?.once('finish', () => {
    if (!stdinOnce || s.tty) void s.detach();
  });
  return {
    stdin: s.stdin,
    stdout: s.stdout,
    stderr: s.stderr,
    // Upstream reports no exit code for an attachment; the stream layer does not use it.
    exitCode: s.ended.then(() => 0),
    resize: (size) => s.resize(size),
    kill: () => s.detach(),
  };
}

export function podStreams(deps: PodStreamsDeps, pod: KubeObject): PodStreams {
  const uid = pod.metadata.uid!;
  const containerSpecs: { name: string; stdinOnce?: boolean }[] = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
  ];
  const names = new Set(containerSpecs.map((c) => c.name));
  const instances = async (name: string) =>
    (await deps.runtime.listContainers({ labels: { [labels.podUid]: uid, [labels.container]: name } })).sort(
      (a, b) => a.attempt - b.attempt,
    );
  const running = async (name: string) => {
    const cur = (await instances(name)).at(-1);
    if (cur?.state.kind !== 'running') throw notFound(name);
    return cur;
  };
  const container = (name: string): ContainerStreams => ({
    async exec(o) {
      const c = await running(name);
      return execSession(await deps.runtime.exec(c.id, { cmd: o.command, tty: o.tty, stdin: o.stdin }));
    },
    async attach(o) {
      const c = await running(name);
      const spec = containerSpecs.find((s) => s.name === name);
      const s = await deps.runtime.attach(c.id, { stdin: o.stdin }).catch((e: unknown) => {
        // It ended (or went) since it was found running: the same answer as for one not running.
        throw isStatusError(e) ? notFound(name) : e;
      });
      return attachSession(s, spec?.stdinOnce === true);
    },
    async log({ previous, signal }) {
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
          // The reader is done: nobody waits for the exit any more.
          if (signal?.aborted) return;
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
