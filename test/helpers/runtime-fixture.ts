// Everything a runtime integration test owns: a temp dir holding the state dir,
// runc root, rootfs copies and logs; a cgroup parent and netns names of its own.
// cleanup() removes all of it even when the test failed half-way; leftovers()
// lists what a test left behind, so tests can assert that removal is complete.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContainerState,
  collectExec,
  createOciRuntime,
  type ExecResult,
  type Runtime,
} from '../../src/runtime/index.ts';
import { cgroupMounts } from '../../src/runtime/oci/cgroups.ts';
import { processAlive } from '../../src/runtime/oci/proc.ts';
import { silentLogger } from '../../src/util/log.ts';
import { readMountTable } from '../../src/util/mountinfo.ts';
import { createBusyboxRootfs } from './busybox-rootfs.ts';

const needed = ['/usr/sbin/runc', '/usr/bin/conmon', '/usr/bin/catatonit', '/bin/busybox', '/usr/bin/script'];

/** Why runtime tests cannot run here, or false when they can. */
export const runtimeSkip: string | false =
  process.getuid?.() !== 0
    ? 'needs root (runc, mounts, cgroups)'
    : (needed.filter((p) => !existsSync(p)).map((p) => `needs ${p}`)[0] ?? false);

export class RuntimeFixture {
  readonly dir: string;
  readonly stateDir: string;
  readonly runcRoot: string;
  readonly cgroupParent: string;
  readonly runtime: Runtime;
  readonly #netns: string[] = [];

  constructor(dir: string) {
    this.dir = dir;
    this.stateDir = join(dir, 'state');
    this.runcRoot = join(dir, 'runc');
    this.cgroupParent = `/orca-test-${randomBytes(4).toString('hex')}`;
    this.runtime = this.newRuntime();
  }

  static async create(t: TestContext): Promise<RuntimeFixture> {
    const f = new RuntimeFixture(await mkdtemp('/tmp/orca-rt-'));
    t.after(() => f.cleanup());
    return f;
  }

  /** Another instance over the same state: what the agent builds after a restart. */
  newRuntime(): Runtime {
    return createOciRuntime({ ...this.runtimeOptions, logger: silentLogger });
  }

  /** What an instance needs besides a logger (for instances in other processes). */
  get runtimeOptions() {
    return { stateDir: this.stateDir, runtimeRoot: this.runcRoot, cgroupParent: this.cgroupParent };
  }

  rootfs(name: string): Promise<string> {
    return createBusyboxRootfs(join(this.dir, 'rootfs', name));
  }

  logPath(name: string): string {
    return join(this.dir, 'logs', name, '0.log');
  }

  /** A network namespace of this test's own, removed at cleanup; returns its path. */
  netns(): string {
    const name = `orca-rt-${randomBytes(4).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.#netns.push(name);
    return `/run/netns/${name}`;
  }

  /** Anything of this test still on the machine, described; empty when all is gone. */
  async leftovers(): Promise<string[]> {
    const found: string[] = [];
    const runc = this.#runcIds();
    if (runc.length > 0) found.push(`runc containers: ${runc.join(' ')}`);
    for (const m of await readMountTable()) {
      if (m.mountPoint.startsWith(this.dir)) found.push(`mount ${m.mountPoint}`);
    }
    for (const dir of await this.#cgroupDirs()) found.push(`cgroup ${dir}`);
    for (const pid of await this.#processes()) found.push(`process ${pid}`);
    return found;
  }

  async cleanup(): Promise<void> {
    const rt = this.newRuntime();
    for (const s of await rt.listSandboxes().catch(() => [])) await rt.removeSandbox(s.id).catch(() => {});
    for (const c of await rt.listContainers().catch(() => [])) await rt.removeContainer(c.id).catch(() => {});
    // Whatever the runtime could not remove, by force.
    for (const pid of await this.#processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    for (const id of this.#runcIds()) {
      execFileSync('runc', ['--root', this.runcRoot, 'delete', '--force', id], { stdio: 'ignore' });
    }
    const mounts = (await readMountTable()).filter((m) => m.mountPoint.startsWith(this.dir)).reverse();
    for (const m of mounts) execFileSync('umount', ['-l', m.mountPoint], { stdio: 'ignore' });
    const cgroups = [
      ...(await this.#cgroupDirs()),
      ...(await cgroupMounts()).map((m) => m.mountPoint + this.cgroupParent),
    ];
    for (const dir of cgroups) await rmdirPatiently(dir);
    for (const name of this.#netns) execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    await rm(this.dir, { recursive: true, force: true });
  }

  #runcIds(): string[] {
    // `runc list` would create a missing root; a missing root holds nothing.
    if (!existsSync(this.runcRoot)) return [];
    const out = execFileSync('runc', ['--root', this.runcRoot, 'list', '-q'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  }

  /** Cgroup directories below our parent, deepest first (the parent itself is expected to stay). */
  async #cgroupDirs(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string) => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        await walk(join(dir, e.name));
        found.push(join(dir, e.name));
      }
    };
    for (const m of await cgroupMounts()) await walk(m.mountPoint + this.cgroupParent);
    return found;
  }

  /** Live processes started for this test: monitors name our dir, containers sit in our cgroups. */
  async #processes(): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
      const ours = cmdline.includes(this.dir) || cgroup.includes(`${this.cgroupParent}/`);
      if (ours && (await processAlive(pid))) pids.push(pid);
    }
    return pids;
  }
}

async function rmdirPatiently(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') return;
      await sleep(20);
    }
  }
}

export const newPodUid = (): string => randomUUID();

/** Polls check until it returns a value; for states that follow an event outside the test's control. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(20);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Runs cmd in the container and collects the result. */
export async function runIn(rt: Runtime, id: string, cmd: string[]): Promise<ExecResult> {
  return collectExec(await rt.exec(id, { cmd }));
}

/** The pid of a running container; fails the test otherwise. */
export function runningPid(state: ContainerState): number {
  assert.equal(state.kind, 'running', `container should run, is ${JSON.stringify(state)}`);
  return (state as { pid: number }).pid;
}

export function untilExited(rt: Runtime, id: string) {
  return eventually(async () => {
    const { state } = await rt.containerStatus(id);
    return state.kind === 'exited' ? state : undefined;
  }, `${id} to exit`);
}
