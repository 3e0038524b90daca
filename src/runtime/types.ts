// The container runtime contract the node agent reconciles pods against. It is
// CRI-shaped on purpose (sandboxes, containers, exec) so the agent's logic reads
// like the kubelet's, and small enough that a fake runtime (no processes, for
// scale simulation) can implement it too.
//
// Contract for every implementation:
// - All state is owned by the runtime and survives the caller: a new instance
//   over the same state (the agent restarted) lists the same sandboxes and
//   containers, restarts nothing and still knows the exit codes of containers
//   that ended while no instance was looking.
// - Unknown ids throw StatusError NotFound (isNotFound); creating an id that
//   exists throws AlreadyExists.
// - Methods are safe to repeat: stopping a stopped container or removing a
//   removed one is not an error (remove of an unknown id is a no-op).
import type { Readable, Writable } from 'node:stream';

export type Labels = Record<string, string>;

/** Where a pod's network lives: the node's own, or a namespace the network layer made. */
export type SandboxNetwork = { kind: 'host' } | { kind: 'pod'; netnsPath: string };

/** Which PID namespace the pod's containers get (Kubernetes shareProcessNamespace / hostPID). */
export type PidMode = 'container' | 'pod' | 'host';

export interface SandboxConfig {
  podUid: string;
  name: string;
  namespace: string;
  /** Incremented by the agent each time it recreates the sandbox of the same pod. */
  attempt?: number;
  /** Defaults to the pod name; ignored on the host network (the pod shares the node's UTS namespace). */
  hostname?: string;
  network: SandboxNetwork;
  hostIPC?: boolean;
  pidMode?: PidMode;
  /** Host files bind-mounted into every container of the pod at /etc/hosts and /etc/resolv.conf. */
  hostsPath?: string;
  resolvConfPath?: string;
  labels?: Labels;
  annotations?: Labels;
}

export type SandboxState = { kind: 'ready'; pid: number } | { kind: 'notReady' };

export interface SandboxStatus {
  id: string;
  podUid: string;
  name: string;
  namespace: string;
  attempt: number;
  hostname: string;
  network: SandboxNetwork;
  createdAt: Date;
  labels: Labels;
  annotations: Labels;
  state: SandboxState;
}

export interface SandboxFilter {
  podUid?: string;
  /** Every pair must match. */
  labels?: Labels;
}

export type Mount =
  | { kind: 'bind'; source: string; destination: string; readOnly?: boolean }
  | { kind: 'tmpfs'; destination: string; sizeBytes?: number; readOnly?: boolean };

export interface Resources {
  /** Relative CPU weight (cgroup v1 cpu.shares; Kubernetes maps requests.cpu to it). */
  cpuShares?: number;
  /** CPU time in microseconds per period (limits.cpu); period defaults to 100000. */
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimitBytes?: number;
}

export interface ContainerConfig {
  /** Chosen by the caller; [a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}. */
  id: string;
  sandboxId: string;
  /** The container's name in the pod spec. */
  name: string;
  /** Restart count of this container name in the pod. */
  attempt?: number;
  /** Image reference, kept for status only. */
  image?: string;
  /** Root filesystem directory, prepared by the image layer. */
  rootfs: string;
  args: string[];
  /** NAME=value pairs, in order. PATH and HOSTNAME get defaults when absent. */
  env?: string[];
  cwd?: string;
  user?: { uid: number; gid: number; additionalGids?: number[] };
  tty?: boolean;
  /** Give the container a stdin that attachments write to (without it, its stdin is empty). */
  stdin?: boolean;
  /**
   * Kubernetes stdinOnce: the container's stdin closes when the first
   * attachment that writes to it ends. Without it stdin stays open for the
   * next attachment.
   */
  stdinOnce?: boolean;
  mounts?: Mount[];
  /** Capability names with or without the CAP_ prefix; "ALL" means every one. */
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  readOnlyRootfs?: boolean;
  noNewPrivileges?: boolean;
  resources?: Resources;
  /** Signal sent first on stop (default SIGTERM). */
  stopSignal?: string;
  /** Where stdout/stderr go, in CRI log format; the directory is created. */
  logPath: string;
  labels?: Labels;
  annotations?: Labels;
}

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled';

export type ContainerState =
  | { kind: 'created' }
  | { kind: 'running'; pid: number; startedAt: Date }
  | {
      kind: 'exited';
      exitCode: number;
      /** Absent when the container never started. */
      startedAt?: Date;
      finishedAt: Date;
      reason: ExitReason;
    }
  /** The runtime cannot tell (e.g. its monitor died before recording an exit). */
  | { kind: 'unknown'; message: string };

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  image: string;
  createdAt: Date;
  logPath: string;
  labels: Labels;
  annotations: Labels;
  state: ContainerState;
}

export interface ContainerFilter {
  sandboxId?: string;
  /** Every pair must match. */
  labels?: Labels;
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

export interface ExecOptions {
  cmd: string[];
  /** Give the process a terminal: stdout and stderr are then one stream. */
  tty?: boolean;
  stdin?: boolean;
  /** Initial terminal size (tty only). */
  size?: TerminalSize;
  /** Aborting kills the process. */
  signal?: AbortSignal;
}

/** A process running in a container's namespaces and cgroup. */
export interface ExecSession {
  /** Present when ExecOptions.stdin was set; end it to send EOF (non-tty). */
  stdin: Writable | null;
  stdout: Readable;
  /** Null with a tty: the terminal carries both streams on stdout. */
  stderr: Readable | null;
  /** Resolves once the process ended and its output is drained: its exit code (128+n for signal n). */
  exitCode: Promise<number>;
  resize(size: TerminalSize): Promise<void>;
  /** Signals the process itself (default SIGKILL). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface AttachOptions {
  /** Write to the container's stdin; ignored (stdin is null) for a container created without stdin. */
  stdin?: boolean;
  /** Aborting detaches. */
  signal?: AbortSignal;
}

/**
 * A connection to a running container's own process: its output as it is
 * written from now on (earlier output is only in the log), and its stdin.
 */
export interface AttachSession {
  /**
   * Present when input was asked for and the container has stdin. Ending it
   * ends the container's input when the container is stdinOnce; otherwise
   * its stdin stays open for later attachments.
   */
  stdin: Writable | null;
  stdout: Readable;
  /** Null with a tty: the terminal carries both streams on stdout. */
  stderr: Readable | null;
  /** The container has a terminal (set at creation; an attachment cannot change it). */
  tty: boolean;
  /** Resolves once the attachment is over: the container ended and its output is drained, or we detached. */
  ended: Promise<void>;
  /** Resizes the container's terminal; does nothing without one. */
  resize(size: TerminalSize): Promise<void>;
  /** Leaves the container running; a stdinOnce container's stdin closes. */
  detach(): Promise<void>;
}

export interface RuntimeVersion {
  /** e.g. "runc" */
  name: string;
  version: string;
}

export interface Runtime {
  version(): Promise<RuntimeVersion>;

  /** Creates and starts the pod sandbox; it is ready when this resolves. Returns its id. */
  createSandbox(config: SandboxConfig): Promise<string>;
  /** Kills every container of the sandbox and the sandbox itself; keeps their records. */
  stopSandbox(id: string): Promise<void>;
  /** Stops, then deletes the sandbox, its containers and everything the runtime made for them. */
  removeSandbox(id: string): Promise<void>;
  sandboxStatus(id: string): Promise<SandboxStatus>;
  listSandboxes(filter?: SandboxFilter): Promise<SandboxStatus[]>;

  /** Creates the container in its sandbox's namespaces; state "created" until started. */
  createContainer(config: ContainerConfig): Promise<void>;
  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, waits up to gracePeriodSeconds, then kills. Aborting skips to the kill. */
  stopContainer(id: string, gracePeriodSeconds: number, signal?: AbortSignal): Promise<void>;
  /** Kills if needed and deletes the container; removeLogs also deletes its log file. */
  removeContainer(id: string, options?: { removeLogs?: boolean }): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<ContainerStatus[]>;

  /** Runs a process in a running container. */
  exec(id: string, options: ExecOptions): Promise<ExecSession>;
  /** Joins a running container's own process; BadRequest when it is not running. */
  attach(id: string, options?: AttachOptions): Promise<AttachSession>;
}
