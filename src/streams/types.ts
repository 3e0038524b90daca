// What the protocol layer needs from the node that runs a pod: per-container
// processes and log files, and TCP connections into the pod. The agent
// implements these over its runtime; this layer knows nothing of runc, conmon
// or network namespaces. The shapes match src/runtime's ExecSession, so the
// agent can hand a runtime session over as it is.
import type { Duplex, Readable, Writable } from 'node:stream';
import type { KubeObject } from '../api/object.ts';

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** A process joined to the client: a command run by exec, or the container's own process (attach). */
export interface ExecSession {
  /** Present when stdin was asked for; ending it is the client's EOF. */
  stdin: Writable | null;
  stdout: Readable;
  /** Null with a tty, whose terminal carries both streams on stdout. */
  stderr: Readable | null;
  /**
   * Resolves when the process has ended and its output is drained: the exit
   * code (126 not executable, 127 not found, 128+n killed by signal n). An
   * attach resolves when the attachment ends; its code is not reported,
   * as upstream reports none.
   */
  exitCode: Promise<number>;
  resize(size: TerminalSize): Promise<void> | void;
  /** The client went away: kill an exec'd process, detach an attach. */
  kill(): Promise<void> | void;
}

export interface ExecOptions {
  command: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

export interface AttachOptions {
  /**
   * As asked; whether a container has a terminal is fixed when it starts, and
   * the node goes by that, as the kubelet does.
   */
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** The CRI-format log of one container instance. */
export interface ContainerLog {
  /** The current file. Rotation renames it away and starts a new file at the same path. */
  path: string;
  /** Resolves once this instance has exited (already resolved for an exited one). */
  exited: Promise<void>;
}

/**
 * One container of the pod, in any state. exec/attach reject when it is not
 * running: with a StatusError to answer with that Status, or with a plain
 * Error whose message is the text answer, as the kubelet words it
 * (`container not found ("web")`).
 */
export interface ContainerStreams {
  exec(opts: ExecOptions): Promise<ExecSession>;
  attach(opts: AttachOptions): Promise<ExecSession>;
  /** The current instance's log, or the previous (last terminated) one's. */
  /** signal: the reader is done; whatever watches the container for it stops. */
  log(opts: { previous: boolean; signal?: AbortSignal }): Promise<ContainerLog>;
}

export interface PodStreams {
  /** Undefined when the node has no container of that name (never created, or removed). */
  container(name: string): ContainerStreams | undefined;
  /** A TCP connection to `port` in the pod's network namespace; rejects with the dial error. */
  portForward(port: number): Promise<Duplex>;
}

/** Finds the node-side streams of a pod (the pod as the API has it: spec, status, uid). */
export type PodStreamsResolver = (pod: KubeObject) => Promise<PodStreams>;
