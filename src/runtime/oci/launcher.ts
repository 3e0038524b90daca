// Where the node's short-lived processes (runc, conmon, mount, ip, CNI
// plugins) are started from. Starting a process forks the caller, and a fork copies the
// caller's page tables: from inside `orca server` (150–200 MB resident) each
// start held the event loop for 2–5 ms, most of the agent's CPU time when
// many pods start at once. The helper is a small Node process (a few MB of
// its own memory) that starts them instead, in well under a millisecond and
// on another CPU; requests and results cross its IPC channel as JSON.
//
// The helper is forked on first use, does not keep us alive while idle, and
// exits when we do (its channel closes). Should it die, the requests it held
// fail and the next one forks a new helper.
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type ProcessRunner,
  type RunOptions,
  type RunResult,
  runProcess,
} from '../../util/process-runner.ts';
import { launchMonitor, type MonitorLaunch } from './monitor.ts';

export interface Launcher extends ProcessRunner {
  /** Starts conmon for a container (launchMonitor); resolves with the container's init pid. */
  monitor(launch: MonitorLaunch): Promise<number>;
}

/** Starts everything from this process. */
export const inProcessLauncher: Launcher = {
  run: runProcess,
  monitor: launchMonitor,
};

export type LauncherRequest =
  | ({ id: number; kind: 'run'; file: string; args: string[] } & Omit<RunOptions, 'signal'>)
  | { id: number; kind: 'monitor'; launch: MonitorLaunch }
  /** Kills the program of an earlier 'run' (its caller gave up); answered by that run's reply. */
  | { id: number; kind: 'cancel'; run: number };

export type LauncherReply =
  | { id: number; result: RunResult }
  | { id: number; pid: number }
  | { id: number; error: string };

// The helper is run by the same Node; with the sources (.ts) in tests, as compiled (.js) from dist.
const helperPath = fileURLToPath(
  new URL(`./launcher-helper${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Waiting {
  resolve(reply: LauncherReply): void;
}

export class HelperLauncher implements Launcher {
  readonly #waiting = new Map<number, Waiting>();
  #helper?: ChildProcess;
  #nextId = 1;
  /**
   * Programs running at once. A burst of pods asks for hundreds (each pod's
   * runc, conmon, mount, ip and CNI plugins); started all together they
   * only compete for the CPUs and the kernel's locks, and every pod ends
   * late. Eight per CPU measured best for 100 pods on 2 CPUs (about 12 s
   * against 16 s unbounded); fewer left CPUs idle while programs waited.
   */
  readonly #slots = new Slots(8 * availableParallelism());

  async run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
    const { signal, ...rest } = options;
    const reply = await this.#ask({ kind: 'run', file, args, ...rest }, signal);
    if (signal?.aborted) throw signal.reason;
    if ('result' in reply) return reply.result;
    throw new Error('error' in reply ? reply.error : 'launcher: unexpected reply');
  }

  async monitor(launch: MonitorLaunch): Promise<number> {
    const reply = await this.#ask({ kind: 'monitor', launch });
    if ('pid' in reply) return reply.pid;
    throw new Error('error' in reply ? reply.error : 'launcher: unexpected reply');
  }

  async #ask(request: Distribute<LauncherRequest>, signal?: AbortSignal): Promise<LauncherReply> {
    await this.#slots.take();
    try {
      signal?.throwIfAborted();
      return await this.#send(request, signal);
    } finally {
      this.#slots.give();
    }
  }

  #send(request: Distribute<LauncherRequest>, signal?: AbortSignal): Promise<LauncherReply> {
    const helper = this.#started();
    const id = this.#nextId++;
    // A caller that gives up has the helper kill its program; the reply still frees the slot.
    const cancel = () =>
      helper.send({ kind: 'cancel', id: this.#nextId++, run: id } satisfies LauncherRequest, () => {});
    signal?.addEventListener('abort', cancel, { once: true });
    return new Promise<LauncherReply>((resolve) => {
      this.#waiting.set(id, { resolve });
      // Work under way keeps us alive; an idle helper does not.
      if (this.#waiting.size === 1) helper.channel?.ref();
      helper.send({ ...request, id }, (err) => {
        if (err) this.#answer({ id, error: `launcher: ${err.message}` });
      });
    }).finally(() => signal?.removeEventListener('abort', cancel));
  }

  #answer(reply: LauncherReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0) this.#helper?.channel?.unref();
    waiting.resolve(reply);
  }

  #started(): ChildProcess {
    if (this.#helper) return this.#helper;
    const helper = fork(helperPath, [], {
      // Not the caller's flags (a CPU profile, a preload): the helper only starts processes.
      execArgv: ['--max-semi-space-size=1', '--disable-warning=ExperimentalWarning'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    helper.on('message', (reply: LauncherReply) => this.#answer(reply));
    const gone = (why: string) => {
      if (this.#helper !== helper) return;
      this.#helper = undefined;
      for (const id of [...this.#waiting.keys()]) this.#answer({ id, error: `launcher helper ${why}` });
    };
    helper.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    helper.on('error', (err) => gone(`failed: ${err.message}`));
    helper.unref();
    helper.channel?.unref();
    this.#helper = helper;
    return helper;
  }
}

/** A counting semaphore: take() waits for a free slot, give() frees one (first come, first served). */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(count: number) {
    this.#free = count;
  }

  async take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
