// What a container's monitor files tell without starting a process. Most of
// them are written once and never change — the init and conmon pids at
// create, our start time, conmon's exit record — so each is read once and
// kept until the container is removed; only whether the processes still
// live is looked at every time. A node's worth of pod workers asking about
// their containers then costs a few reads apiece instead of a `runc` each.

import type { ContainerState } from '../types.ts';
import { type MonitorFiles, readTextIfExists } from './layout.ts';
import { type MonitorExit, monitorPid, readMonitorExit } from './monitor.ts';
import { processAlive } from './proc.ts';

interface Facts {
  exit?: MonitorExit;
  startedAt?: Date;
  initPid?: number;
  monitorPid?: number;
}

export class MonitorFacts {
  /** By the container's directory (MonitorFiles.dir). */
  readonly #known = new Map<string, Facts>();

  /**
   * Exited when conmon recorded an exit; running when we recorded the start
   * and both conmon and the container's init are alive. conmon is the init's
   * parent and records its exit as soon as it reaps it, so while conmon lives
   * a live init pid is still the container's. Anything else (created, never
   * started, or a monitor that died) is runc's to say: `state` is then
   * undefined, as it is for a running one when the caller has runc's view
   * already (!checkProcesses).
   */
  async observe(
    files: MonitorFiles,
    checkProcesses: boolean,
  ): Promise<{ state?: ContainerState; startedAt?: Date }> {
    const facts = this.#known.get(files.dir) ?? {};
    const [exit, startedAt] = await Promise.all([
      facts.exit ?? readMonitorExit(files),
      facts.startedAt ?? readStartedAt(files),
    ]);
    if (exit || startedAt) this.#known.set(files.dir, Object.assign(facts, { exit, startedAt }));
    if (exit) {
      const reason = exit.oomKilled ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error';
      // File times tick more coarsely than the clock; a container cannot end before it started.
      const finishedAt = startedAt && startedAt > exit.finishedAt ? startedAt : exit.finishedAt;
      return { state: { kind: 'exited', exitCode: exit.exitCode, startedAt, finishedAt, reason }, startedAt };
    }
    if (!startedAt || !checkProcesses) return { startedAt };
    facts.initPid ??= await readPid(files.pidFile);
    facts.monitorPid ??= await monitorPid(files);
    const { initPid, monitorPid: conmonPid } = facts;
    if (initPid === undefined || conmonPid === undefined) return { startedAt };
    const [initLives, monitorLives] = await Promise.all([processAlive(initPid), processAlive(conmonPid)]);
    if (!initLives || !monitorLives) return { startedAt };
    return { state: { kind: 'running', pid: initPid, startedAt }, startedAt };
  }

  /** The container's directory is gone (removed): an id made again starts afresh. */
  forget(dir: string): void {
    this.#known.delete(dir);
  }
}

async function readStartedAt(files: MonitorFiles): Promise<Date | undefined> {
  const text = await readTextIfExists(files.startedFile);
  return text ? new Date(text.trim()) : undefined;
}

export async function readPid(file: string): Promise<number | undefined> {
  const text = await readTextIfExists(file);
  const pid = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
