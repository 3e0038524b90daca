// The pod stream protocols kubectl speaks (logs, exec, attach, port-forward),
// served from whatever node-side PodStreams the resolver finds for a pod.
//
// Wiring, in the apiserver (and in a joined agent's stream endpoint, which
// serves the same paths): plain requests for pods/NAME/{log,exec,attach,
// portforward} go to handle() (it is a StreamRouter); the HTTP server's
// 'upgrade' event, after authentication and fetching the pod, goes to
// handleUpgrade(). Anything refused before reaching here (no such pod,
// forbidden) is answered on the socket with rejectUpgrade().
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { serveLogs } from './logs.ts';
import { startPortForward } from './portforward.ts';
import { startRemoteCommand } from './remotecommand.ts';
import type { PodStreamsResolver } from './types.ts';
import { rejectUpgrade, webSocketUpgrader } from './upgrade.ts';

export type {
  AttachOptions,
  ContainerLog,
  ContainerStreams,
  ExecOptions,
  ExecSession,
  PodStreams,
  PodStreamsResolver,
  TerminalSize,
} from './types.ts';
export { NodeStreamError, rejectUpgrade } from './upgrade.ts';

export type StreamKind = 'log' | 'exec' | 'attach' | 'portforward';

export interface StreamServerOptions {
  resolve: PodStreamsResolver;
  log: Logger;
  clock?: Clock;
  /** Longest wait between checks of a followed log file when change notifications are missed. */
  followPollMs?: number;
}

export interface StreamServer {
  /** A plain request: logs; the upgrade-only kinds answer 400. Throws a StatusError before any byte is sent. */
  handle(
    kind: StreamKind,
    pod: KubeObject,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void>;
  /** An upgrade request (the server's 'upgrade' event). Answers every failure on the socket itself. */
  handleUpgrade(
    kind: StreamKind,
    pod: KubeObject,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    query: URLSearchParams,
  ): Promise<void>;
}

/**
 * One StreamServer in front of several: `pick` chooses, per pod, the one that
 * serves it — this node's own streams, or a proxy to the agent of the pod's node.
 */
export function routeStreams(pick: (pod: KubeObject) => StreamServer): StreamServer {
  return {
    handle: (kind, pod, req, res, query) => pick(pod).handle(kind, pod, req, res, query),
    handleUpgrade: (kind, pod, req, socket, head, query) =>
      pick(pod).handleUpgrade(kind, pod, req, socket, head, query),
  };
}

export function createStreamServer(opts: StreamServerOptions): StreamServer {
  const log = opts.log;
  const clock = opts.clock ?? systemClock;
  const upgradeWebSocket = webSocketUpgrader();
  return {
    async handle(kind, pod, req, res, query) {
      if (kind === 'log') {
        return serveLogs(
          { resolve: opts.resolve, clock, log, followPollMs: opts.followPollMs },
          pod,
          req,
          res,
          query,
        );
      }
      throw errors.badRequest('Upgrade request required');
    },
    async handleUpgrade(kind, pod, req, socket, head, query) {
      socket.on('error', () => socket.destroy());
      try {
        switch (kind) {
          case 'exec':
          case 'attach':
            return await startRemoteCommand(
              { resolve: opts.resolve, upgradeWebSocket, log },
              kind,
              pod,
              req,
              socket,
              head,
              query,
            );
          case 'portforward':
            return await startPortForward(
              { resolve: opts.resolve, upgradeWebSocket, log },
              pod,
              req,
              socket,
              head,
              query,
            );
          case 'log':
            throw errors.badRequest('logs are not served over an upgraded connection');
        }
      } catch (err) {
        log.debug('stream request refused', { kind, pod: pod.metadata.name, err });
        rejectUpgrade(socket, err);
      }
    },
  };
}
