// The OCI runtime binary (runc by default, crun by path) behind a few typed calls.
// Every call names the runtime's own state root, so orca's containers never mix
// with another engine's on the same machine.
import { basename, join } from 'node:path';
import { type CommandResult, cleanMessage } from './command.ts';
import { releaseExecFifo } from './exec-fifo.ts';
import type { Launcher } from './launcher.ts';

export type RuncStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuncState {
  id: string;
  /** 0 once stopped. */
  pid: number;
  status: RuncStatus;
  created: Date;
}

export class Runc {
  readonly path: string;
  readonly root: string;
  readonly #launcher: Launcher;
  /** The list callers are waiting for that has not begun yet; everyone asking now shares it. */
  #nextList?: Promise<Map<string, RuncState>>;
  /** Settles when the list under way (if any) has ended. */
  #listDone: Promise<void> = Promise.resolve();

  constructor(path: string, root: string, launcher: Launcher) {
    this.path = path;
    this.root = root;
    this.#launcher = launcher;
  }

  /** Arguments that select this runtime's state root; conmon passes them on too. */
  get globalArgs(): string[] {
    return [`--root=${this.root}`];
  }

  async version(): Promise<string> {
    const out = await this.#checked(['--version']);
    return /version\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  }

  /** undefined when the runtime has no such container. */
  async state(id: string): Promise<RuncState | undefined> {
    const r = await this.#launcher.run(this.path, [...this.globalArgs, 'state', id]);
    if (r.code !== 0) {
      if (/does not exist|not exist/i.test(r.stderr)) return undefined;
      throw new Error(`${this.path} state ${id}: ${cleanMessage(r.stderr)}`);
    }
    return toState(JSON.parse(r.stdout));
  }

  /**
   * Every container's state. Callers that ask while a list is under way
   * share the next one, which begins only after they asked, so nobody gets
   * a view older than their call; a pod worker that has just started a
   * container always sees it running. With many pod workers busy at once
   * this runs one `runc list` for all of them instead of one each.
   */
  list(): Promise<Map<string, RuncState>> {
    // It begins on the next turn of the event loop, so callers of this turn (a sync
    // looking at sandboxes and containers at once) share it too.
    this.#nextList ??= this.#listDone.then(nextTurn).then(() => {
      const run = this.#listNow();
      this.#nextList = undefined;
      this.#listDone = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    });
    return this.#nextList;
  }

  async #listNow(): Promise<Map<string, RuncState>> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.#launcher.run(this.path, [...this.globalArgs, 'list', '--format', 'json']);
      if (r.code === 0) {
        const items = (JSON.parse(r.stdout) ?? []) as RawState[];
        return new Map(items.map((raw) => [raw.id, toState(raw)]));
      }
      // runc fails the whole list when a container is deleted while it reads them; look again.
      if (attempt < 5 && /no such file or directory/i.test(r.stderr)) continue;
      throw new Error(`${this.path} list: ${cleanMessage(r.stderr) || `exit ${r.code}`}`);
    }
  }

  /**
   * Lets a created container run its program. With runc and the init's pid
   * known this reads runc's exec FIFO here (see exec-fifo.ts); otherwise, or
   * when there is no FIFO (the container was started already), it runs the
   * runtime's `start`, which also gives the runtime's own error for the latter.
   */
  async start(id: string, initPid?: number): Promise<void> {
    if (initPid !== undefined && basename(this.path) === 'runc') {
      const released = await releaseExecFifo(join(this.root, id, 'exec.fifo'), initPid);
      if (released.kind === 'started') return;
    }
    await this.#checked([...this.globalArgs, 'start', id]);
  }

  /** Signals the container's init (or, with all, every process in its cgroup). A stopped container is fine. */
  async kill(id: string, signal: string, all = false): Promise<void> {
    const r = await this.#launcher.run(this.path, [
      ...this.globalArgs,
      'kill',
      ...(all ? ['--all'] : []),
      id,
      signal,
    ]);
    if (r.code !== 0 && !/not running|does not exist|process already finished/i.test(r.stderr)) {
      throw new Error(`${this.path} kill ${id} ${signal}: ${cleanMessage(r.stderr)}`);
    }
  }

  /** Deletes the container and its cgroup; unknown ids are fine. */
  async delete(id: string): Promise<void> {
    await this.#checked([...this.globalArgs, 'delete', '--force', id]);
  }

  /** Like run, but a non-zero exit is an Error carrying runc's own message. */
  async #checked(args: string[]): Promise<string> {
    const r: CommandResult = await this.#launcher.run(this.path, args);
    if (r.code !== 0)
      throw new Error(`${this.path} ${args.join(' ')}: ${cleanMessage(r.stderr) || `exit ${r.code}`}`);
    return r.stdout;
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface RawState {
  id: string;
  pid: number;
  status: RuncStatus;
  created: string;
}

function toState(raw: RawState): RuncState {
  return { id: raw.id, pid: raw.pid, status: raw.status, created: new Date(raw.created) };
}
