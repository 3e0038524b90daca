// The podman side: `podman kube play` on the same manifest and image, with
// the set-up of the peer baseline (/work/shared/peers/podman): Debian's
// podman with runc, and a containers.conf lowering the default rlimits this
// kind of VM cannot grant — passed through CONTAINERS_CONF in our own temp
// dir instead of written to /etc. Timing follows the peer's bench-podman.sh:
// from just before `podman kube play` is spawned until the newest
// .State.StartedAt of the pod's containers (infra included), i.e. the moment
// podman itself recorded the last container running; kube play returns only
// after that. Teardown is `podman pod rm -f -t 0` and `podman volume rm -f`
// by name.

import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchImage, podYaml } from './manifest.ts';
import { conmonResident } from './processes.ts';
import { log, measure, podTimeoutMs, type Settings, type SideResult } from './results.ts';

const run = promisify(execFile);
const PREFIX = 'orca-bench';
/** Pods per `podman pod rm`, and how many of those run at once. */
const REMOVE_CHUNK = 5;
const REMOVERS = 8;
const REMOVE_TIMEOUT_MS = 300_000;

const containersConf = `[containers]
# This VM lacks CAP_SYS_RESOURCE: no hard rlimit can be raised, and podman's
# defaults (nofile 1048576, nproc above pid_max) make runc fail.
default_ulimits=["nofile=10000:10000","nproc=32768:32768"]
[engine]
runtime="runc"
`;

export class Podman {
  readonly #workDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #live = new Set<string>();
  #loadedImage = false;

  constructor(workDir: string) {
    this.#workDir = workDir;
    const conf = join(workDir, 'containers.conf');
    writeFileSync(conf, containersConf);
    this.#env = { ...process.env, CONTAINERS_CONF: conf };
  }

  /** Installs podman when missing and loads the image; refuses to run over leftovers of ours. */
  async prepare(imageTar: string): Promise<string> {
    if (!(await onPath('podman'))) {
      log('podman', 'installing podman (apt-get install -y podman)');
      await run('apt-get', ['install', '-y', 'podman'], {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    }
    const leftovers = (await this.#podman(['pod', 'ls', '--format', '{{.Name}}'])).split('\n');
    if (leftovers.some((n) => n.startsWith(`${PREFIX}-`)))
      throw new Error(`podman pods named ${PREFIX}-* exist already; remove them first`);
    const present = await this.#podman(['image', 'exists', benchImage]).then(
      () => true,
      () => false,
    );
    if (!present) {
      await this.#podman(['load', '-i', imageTar]);
      this.#loadedImage = true;
    }
    return (await this.#podman(['--version'])).trim();
  }

  measure(s: Settings): Promise<SideResult> {
    return measure(
      {
        label: 'podman',
        start: (names) => this.#startPods(names),
        remove: (names) => this.#remove(names),
        memory: async (names) => {
          const ids = (await Promise.all(names.map((n) => this.#containerIds(n)))).flat();
          return { pods: names.length, conmon: conmonResident(ids) };
        },
      },
      s,
      `${PREFIX}-`,
    );
  }

  /** Removes every pod of ours still there, and the image if we loaded it. */
  async cleanup(): Promise<void> {
    await this.#remove([...this.#live]).catch((err: unknown) => log('podman', `cleanup: ${err}`));
    if (this.#loadedImage) await this.#podman(['rmi', '-f', benchImage]).catch(() => undefined);
  }

  /** Plays the pods at once; each one's time from its spawn to its newest container StartedAt (ms). */
  async #startPods(names: string[]): Promise<number[]> {
    const files = names.map((n) => {
      const file = join(this.#workDir, `${n}.yaml`);
      writeFileSync(file, podYaml(n));
      return file;
    });
    for (const n of names) this.#live.add(n);
    const deadline = AbortSignal.timeout(podTimeoutMs(names.length));
    const t0 = wallClockNs();
    const played = await Promise.all(files.map((file) => this.#spawn(['kube', 'play', file], deadline)));
    return Promise.all(
      names.map(async (name, i) => {
        const p = played[i];
        if (p.code !== 0)
          throw new Error(`podman kube play ${name} failed (${p.code}): ${p.output.slice(-2000)}`);
        const startedNs = await this.#newestStart(name);
        return Number(startedNs - t0) / 1e6;
      }),
    );
  }

  async #newestStart(pod: string): Promise<bigint> {
    const ids = await this.#containerIds(pod);
    const out = await this.#podman([
      'inspect',
      '--format',
      '{{.State.Status}} {{.State.StartedAt.UnixNano}}',
      ...ids,
    ]);
    let newest = 0n;
    for (const line of out.trim().split('\n')) {
      const [status, ns] = line.split(' ');
      if (status !== 'running') throw new Error(`pod ${pod}: a container is ${status}`);
      if (BigInt(ns) > newest) newest = BigInt(ns);
    }
    return newest;
  }

  async #containerIds(pod: string): Promise<string[]> {
    const out = await this.#podman([
      'pod',
      'inspect',
      pod,
      '--format',
      '{{range .Containers}}{{.ID}} {{end}}',
    ]);
    return out.trim().split(/\s+/).filter(Boolean);
  }

  /** Removes pods and their volumes, several `podman pod rm` at once (one removes 100 pods in minutes). */
  async #remove(names: string[]): Promise<void> {
    // Known before removal: should podman lose track of one, runc still has it.
    const ids = (await Promise.all(names.map((n) => this.#containerIds(n).catch(() => [])))).flat();
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += REMOVE_CHUNK) chunks.push(names.slice(i, i + REMOVE_CHUNK));
    const removeChunk = async (chunk: string[]) => {
      await this.#podman(['pod', 'rm', '-f', '-t', '0', ...chunk], REMOVE_TIMEOUT_MS).catch((err: unknown) =>
        log('podman', `pod rm: ${(err as Error).message.split('\n')[0]}`),
      );
      await this.#podman(['volume', 'rm', '-f', ...chunk.map((n) => `${n}-www`)], REMOVE_TIMEOUT_MS).catch(
        () => undefined,
      );
    };
    const queue = [...chunks];
    await Promise.all(
      Array.from({ length: Math.min(REMOVERS, queue.length) }, async () => {
        for (let chunk = queue.shift(); chunk; chunk = queue.shift()) await removeChunk(chunk);
      }),
    );
    await deleteLostContainers(ids);
    const left = new Set((await this.#podman(['pod', 'ls', '--format', '{{.Name}}'])).split('\n'));
    for (const n of names) if (!left.has(n)) this.#live.delete(n);
    const stuck = names.filter((n) => left.has(n));
    if (stuck.length > 0) throw new Error(`podman pods not removed: ${stuck.join(', ')}`);
  }

  async #podman(args: string[], timeout = 120_000): Promise<string> {
    const { stdout } = await run('podman', args, { env: this.#env, timeout, maxBuffer: 16 << 20 });
    return stdout;
  }

  #spawn(args: string[], signal: AbortSignal): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const child = spawn('podman', args, { env: this.#env, stdio: ['ignore', 'pipe', 'pipe'], signal });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', (err) => resolve({ code: -1, output: `${output}\n${err.message}` }));
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
    });
  }
}

/**
 * Deletes those of the given containers that runc (podman's default root)
 * still has after podman removed their pods: podman has been seen to drop
 * its record of a container while the container itself stayed behind.
 */
async function deleteLostContainers(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const listed = await run('runc', ['list', '--format', 'json']).catch(() => ({ stdout: 'null' }));
  const present = new Set(((JSON.parse(listed.stdout) ?? []) as { id: string }[]).map((c) => c.id));
  for (const id of ids.filter((i) => present.has(i))) {
    log('podman', `runc still has container ${id.slice(0, 12)} after its pod was removed; deleting it`);
    await run('runc', ['delete', '--force', id]).catch((err: unknown) =>
      log('podman', `runc delete ${id.slice(0, 12)}: ${(err as Error).message}`),
    );
  }
}

/** Wall-clock nanoseconds, comparable with podman's StartedAt, at sub-millisecond resolution. */
function wallClockNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

async function onPath(cmd: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${cmd}`]).then(
    () => true,
    () => false,
  );
}
