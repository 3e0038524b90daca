// Builds a node agent from its parts: the OCI runtime, the image store, the
// pod network on the node's pod CIDR, volumes, and the pod syncer, all talking
// to the cluster through one Client.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../agent/agent.ts';
import { Backoff } from '../agent/backoff.ts';
import { buildContainerConfig } from '../agent/container-config.ts';
import { ImagePuller } from '../agent/image-puller.ts';
import { nodeFacts } from '../agent/node-info.ts';
import { NodeStatus } from '../agent/node-status.ts';
import { podStreams } from '../agent/pod-streams.ts';
import { PodSyncer } from '../agent/pod-sync.ts';
import { StreamEndpoint } from '../agent/stream-endpoint.ts';
import { VolumeManager } from '../agent/volumes/index.ts';
import { EventRecorder } from '../client/events.ts';
import type { Client } from '../client/types.ts';
import { ImageStore } from '../images/index.ts';
import { PodNetwork } from '../network/index.ts';
import { createOciRuntime, HelperLauncher, type Runtime } from '../runtime/index.ts';
import { createStreamServer } from '../streams/index.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';

export interface NodeAgentConfig {
  client: Client;
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  runtimePath: string;
  bridgeName: string;
  clusterDns: string;
  clusterDomain: string;
  maxPods: number;
  logger: Logger;
  /** Called once the runtime exists, so the API server can reach this node's pod streams. */
  onRuntime?: (runtime: Runtime) => void;
  /**
   * Serve this node's pod streams to the API server over HTTPS on the node
   * IP (an agent that joined from elsewhere; the server's own agent is
   * reached in-process through onRuntime instead).
   */
  streamEndpoint?: {
    port: number;
    tls: { cert: string; key: string; ca: string };
    /** The certificate CN the API server presents to agents. */
    apiserverUser: string;
  };
}

export async function runNodeAgent(cfg: NodeAgentConfig, signal: AbortSignal): Promise<void> {
  const log = cfg.logger.child('agent');
  mkdirSync(cfg.dataDir, { recursive: true });
  const clock = systemClock;
  // One helper process starts every program the node runs: runc and conmon, mount, ip and the CNI plugins.
  const launcher = new HelperLauncher();
  const runtime = createOciRuntime({
    launcher,
    stateDir: join(cfg.dataDir, 'runtime'),
    runtimePath: cfg.runtimePath,
    logger: log.child('runtime'),
  });
  const version = await runtime.version();
  cfg.onRuntime?.(runtime);
  let kubeletPort: number | undefined;
  if (cfg.streamEndpoint) {
    const endpoint = new StreamEndpoint({
      host: cfg.nodeIP,
      port: cfg.streamEndpoint.port,
      tls: cfg.streamEndpoint.tls,
      apiserverUser: cfg.streamEndpoint.apiserverUser,
      nodeName: cfg.nodeName,
      client: cfg.client,
      streams: createStreamServer({
        log: log.child('streams'),
        resolve: async (pod) => podStreams({ runtime, nodeIP: cfg.nodeIP }, pod),
      }),
      logger: log,
    });
    await endpoint.start(signal);
    kubeletPort = endpoint.port;
  }
  const images = new ImageStore({ dataDir: cfg.dataDir, logger: log.child('images'), runner: launcher });
  const events = new EventRecorder(cfg.client, log, {
    component: 'kubelet',
    host: cfg.nodeName,
    reportingInstance: cfg.nodeName,
  });
  const node = new NodeStatus({
    client: cfg.client,
    name: cfg.nodeName,
    facts: () =>
      nodeFacts({
        dataDir: cfg.dataDir,
        maxPods: cfg.maxPods,
        runtimeVersion: `${version.name}://${version.version}`,
        address: cfg.nodeIP,
      }),
    kubeletPort,
    clock,
    logger: log,
  });
  const backoff = new Backoff(clock);
  const volumes = new VolumeManager({
    podsDir: join(cfg.dataDir, 'pods'),
    client: cfg.client,
    logger: log.child('volumes'),
  });
  const agent = new Agent({
    client: cfg.client,
    nodeName: cfg.nodeName,
    runtime,
    node,
    logger: log,
    makeSyncer: (n) =>
      new PodSyncer({
        client: cfg.client,
        runtime,
        images,
        puller: new ImagePuller(images, cfg.client, new Backoff(clock), events),
        network: new PodNetwork({
          bridgeName: cfg.bridgeName,
          podCIDR: n.spec.podCIDR,
          stateDir: join(cfg.dataDir, 'network'),
          clusterDNS: [cfg.clusterDns],
          clusterDomain: cfg.clusterDomain,
          logger: log.child('network'),
          runner: launcher,
        }),
        volumes,
        buildConfig: (req) =>
          buildContainerConfig({
            ...req,
            client: cfg.client,
            node: { name: cfg.nodeName, ip: cfg.nodeIP, allocatable: n.status?.allocatable ?? {} },
          }),
        events,
        backoff,
        clock,
        logger: log,
        podsDir: join(cfg.dataDir, 'pods'),
        nodeIP: cfg.nodeIP,
        clusterDomain: cfg.clusterDomain,
      }),
  });
  await Promise.all([events.run(signal), agent.run(signal)]);
}
