// `orca server`: the whole control plane in one process — store, API server,
// controllers — plus a node agent for this machine unless --disable-agent.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { primaryAddress } from '../agent/node-info.ts';
import { podStreams } from '../agent/pod-streams.ts';
import { resources } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import { staticTokens } from '../apiserver/authn.ts';
import { nodeStreamProxy } from '../apiserver/node-proxy.ts';
import { ApiServer } from '../apiserver/server.ts';
import { caHash, ensurePki, kubeconfig } from '../apiserver/tls.ts';
import { LocalClient } from '../client/local-client.ts';
import type { Runtime } from '../runtime/types.ts';
import {
  DEFAULT_COMPACTION_INTERVAL_MS,
  DEFAULT_RETAIN_REVISIONS,
  openStore,
  startCompactor,
} from '../store/index.ts';
import { createStreamServer, NodeStreamError, routeStreams } from '../streams/index.ts';
import { createLogger, type Level } from '../util/log.ts';
import { buildAdmission, buildFieldManager } from './api-machinery.ts';
import { startControllers } from './controllers.ts';
import { type FlagSpec, helpText, parseFlags, UsageError } from './flags.ts';

export const serverFlags: FlagSpec[] = [
  {
    name: 'data-dir',
    type: 'string',
    default: '/var/lib/orca',
    value: 'DIR',
    help: 'Where orca keeps its database, certificates, images and pod state.',
  },
  {
    name: 'listen',
    type: 'string',
    default: '127.0.0.1:6443',
    value: 'HOST:PORT',
    help: 'Address the HTTPS API listens on (port 0 picks a free port).',
  },
  {
    name: 'write-kubeconfig',
    type: 'string',
    default: '/etc/orca/orca.yaml',
    value: 'FILE',
    help: 'Write an admin kubeconfig (CA embedded) to this file.',
  },
  {
    name: 'datastore-endpoint',
    type: 'string',
    default: '',
    value: 'URL',
    help: 'sqlite://PATH (default: DATA_DIR/db/orca.db) or http://HOST:2379[,http://HOST2:2379] for etcd.',
  },
  {
    name: 'disable-agent',
    type: 'boolean',
    default: false,
    help: 'Run only the control plane; no pods run on this machine.',
  },
  {
    name: 'cluster-cidr',
    type: 'string',
    default: '10.42.0.0/16',
    value: 'CIDR',
    help: 'Pod addresses; each node gets a /24 of it.',
  },
  {
    name: 'service-cidr',
    type: 'string',
    default: '10.43.0.0/16',
    value: 'CIDR',
    help: 'Service cluster IPs.',
  },
  {
    name: 'cluster-dns',
    type: 'string',
    default: '10.43.0.10',
    value: 'IP',
    help: "Cluster DNS address written into pods' resolv.conf.",
  },
  {
    name: 'cluster-domain',
    type: 'string',
    default: 'cluster.local',
    value: 'DOMAIN',
    help: 'Cluster DNS domain.',
  },
  {
    name: 'default-watch-cache-size',
    type: 'string',
    default: '10000',
    value: 'N',
    help: 'Events per resource kept for watches that resume from a resourceVersion; older ones get 410 Gone.',
  },
  { name: 'log-level', type: 'string', default: 'info', value: 'LEVEL', help: 'debug, info, warn or error.' },
];

// Flags parsed like the others but left out of --help: knobs for benchmarks
// and tests, not for running a cluster.
//   --compaction-interval DURATION (e.g. 500ms, 10s, 5m): time between
//     history compaction rounds; default 5m as kube-apiserver. Each round
//     compacts to the revision seen one round earlier, so a short interval
//     lets bench/apiserver.ts trigger a compaction under load on demand.
export const agentFlags: FlagSpec[] = [
  {
    name: 'node-name',
    type: 'string',
    default: '',
    value: 'NAME',
    help: 'Name of this node (default: the host name).',
  },
  {
    name: 'node-ip',
    type: 'string',
    default: '',
    value: 'IP',
    help: 'Address the node reports (default: its first non-loopback IPv4 address).',
  },
  {
    name: 'runtime',
    type: 'string',
    default: '/usr/sbin/runc',
    value: 'PATH',
    help: 'OCI runtime binary: runc, or crun where the cgroup layout suits it.',
  },
  {
    name: 'bridge-name',
    type: 'string',
    default: 'orca0',
    value: 'NAME',
    help: "Linux bridge the node's pods attach to.",
  },
  {
    name: 'max-pods',
    type: 'string',
    default: '110',
    value: 'N',
    help: 'Pods this node accepts (its pods capacity).',
  },
];

export const hiddenServerFlags: FlagSpec[] = [
  { name: 'compaction-interval', type: 'string', value: 'DURATION', help: '' },
];

export interface ServerConfig {
  dataDir: string;
  host: string;
  port: number;
  kubeconfigPath: string;
  datastore: string;
  disableAgent: boolean;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
  logLevel: Level;
  watchCacheSize: number;
  compactionIntervalMs: number;
  agent: AgentFlags;
}

export interface AgentFlags {
  nodeName: string;
  nodeIP: string;
  runtimePath: string;
  bridgeName: string;
  maxPods: number;
}

export function agentFlagValues(values: Record<string, string | boolean | undefined>): AgentFlags {
  return {
    nodeName: (values['node-name'] as string) || hostname().toLowerCase(),
    nodeIP: (values['node-ip'] as string) || primaryAddress(),
    runtimePath: values.runtime as string,
    bridgeName: values['bridge-name'] as string,
    maxPods: positiveInt('max-pods', values['max-pods'] as string),
  };
}

export function parseListen(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--listen must be HOST:PORT, got "${v}"`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`--listen port out of range: ${port}`);
  return { host: m[1] || '0.0.0.0', port };
}

function cidr(name: string, v: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v))
    throw new UsageError(`--${name} must be an IPv4 CIDR such as 10.42.0.0/16, got "${v}"`);
  return v;
}

function positiveInt(name: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return Number(v);
}

export function serverConfig(values: Record<string, string | boolean | undefined>): ServerConfig {
  const level = values['log-level'] as string;
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError(`--log-level must be debug, info, warn or error`);
  const dataDir = resolve(values['data-dir'] as string);
  return {
    dataDir,
    ...parseListen(values.listen as string),
    kubeconfigPath: resolve(values['write-kubeconfig'] as string),
    datastore: (values['datastore-endpoint'] as string) || `sqlite://${join(dataDir, 'db', 'orca.db')}`,
    disableAgent: values['disable-agent'] === true,
    clusterCidr: cidr('cluster-cidr', values['cluster-cidr'] as string),
    serviceCidr: cidr('service-cidr', values['service-cidr'] as string),
    clusterDns: values['cluster-dns'] as string,
    clusterDomain: values['cluster-domain'] as string,
    logLevel: level as Level,
    watchCacheSize: positiveInt('default-watch-cache-size', values['default-watch-cache-size'] as string),
    compactionIntervalMs:
      values['compaction-interval'] === undefined
        ? DEFAULT_COMPACTION_INTERVAL_MS
        : duration('compaction-interval', values['compaction-interval'] as string),
    agent: agentFlagValues(values),
  };
}

function duration(name: string, v: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const ms = m ? Number(m[1]) * unitMs[m[2] as keyof typeof unitMs] : 0;
  if (ms < 1)
    throw new UsageError(`--${name} must be a positive duration such as 500ms, 10s or 5m, got "${v}"`);
  return ms;
}

/**
 * The join token agents present, made once and kept in the data dir:
 * K10<sha256 of the CA certificate>::<secret>, so an agent that holds it can
 * check it is talking to this cluster before trusting its CA (as k3s does).
 */
function joinToken(dataDir: string, caPem: string): string {
  const file = join(dataDir, 'server', 'token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = `K10${caHash(caPem)}::${randomBytes(24).toString('hex')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export async function runServerCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, [...serverFlags, ...agentFlags, ...hiddenServerFlags]);
  if (values.help) {
    process.stdout.write(
      helpText(
        'orca server [flags]',
        'Run a whole cluster in one process: API server on an embedded store (or etcd), controllers, and a node agent.',
        [...serverFlags, ...agentFlags],
      ),
    );
    return 0;
  }
  const cfg = serverConfig(values);
  const logger = createLogger({ level: cfg.logLevel });
  mkdirSync(cfg.dataDir, { recursive: true });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const store = await openStore(cfg.datastore, { dataDir: cfg.dataDir, logger: logger.child('store') });
  const pki = await ensurePki(join(cfg.dataDir, 'server', 'tls'), cfg.host);
  const token = joinToken(cfg.dataDir, pki.ca.cert);
  // Pod streams of this machine's pods are served by the in-process agent's
  // runtime directly; those of pods on other nodes are proxied to their agents.
  let localRuntime: Runtime | undefined;
  const localStreams = createStreamServer({
    log: logger.child('streams'),
    resolve: async (pod) => {
      if (!localRuntime)
        throw new NodeStreamError(`the agent of node "${cfg.agent.nodeName}" is starting`, 503);
      return podStreams({ runtime: localRuntime, nodeIP: cfg.agent.nodeIP }, pod);
    },
  });
  const nodeInfo = resources.find((r) => r.kind === 'Node')!;
  const proxiedStreams = nodeStreamProxy({
    getNode: (name) =>
      api
        .registry(nodeInfo)
        .get(undefined, name)
        .catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        }),
    ca: pki.ca.cert,
    client: pki.kubeletClient,
    log: logger.child('node-proxy'),
  });
  // A pod not yet on any node gets the local server's answers (empty log, "no host assigned").
  const streams = routeStreams((pod) => {
    const node = pod.spec?.nodeName;
    return !node || (node === cfg.agent.nodeName && !cfg.disableAgent) ? localStreams : proxiedStreams;
  });
  const api = new ApiServer({
    store,
    pki,
    host: cfg.host,
    port: cfg.port,
    tokens: staticTokens([{ token, user: { name: 'system:orca-agent', groups: ['system:nodes'] } }]),
    admission: buildAdmission(),
    fields: buildFieldManager(),
    logger,
    watchCacheSize: cfg.watchCacheSize,
    streams,
  });
  await api.start(controller.signal);
  mkdirSync(dirname(cfg.kubeconfigPath), { recursive: true });
  // Written whole under another name, then renamed: a reader never sees half a kubeconfig.
  writeFileSync(`${cfg.kubeconfigPath}.tmp`, kubeconfig(api.url, pki, pki.admin), { mode: 0o600 });
  renameSync(`${cfg.kubeconfigPath}.tmp`, cfg.kubeconfigPath);
  logger.info('kubeconfig written', { path: cfg.kubeconfigPath, server: api.url });
  logger.info('other nodes join with: orca agent --server URL --token-file FILE', {
    tokenFile: join(cfg.dataDir, 'server', 'token'),
  });
  const controllers = startControllers(api, logger, controller.signal, { clusterCidr: cfg.clusterCidr });
  const agent = cfg.disableAgent
    ? Promise.resolve()
    : // The agent's modules (images, runtime, network) are loaded only when it runs.
      import('./node-agent.ts')
        .then(({ runNodeAgent }) =>
          runNodeAgent(
            {
              client: new LocalClient(api, 'kubelet'),
              ...cfg.agent,
              dataDir: cfg.dataDir,
              clusterDns: cfg.clusterDns,
              clusterDomain: cfg.clusterDomain,
              logger,
              onRuntime: (r) => {
                localRuntime = r;
              },
            },
            controller.signal,
          ),
        )
        .catch((err) => {
          logger.error('node agent stopped', { err: err as Error, stack: (err as Error)?.stack });
          controller.abort();
        });
  // Retention is a count of revisions, independent of the interval: a short
  // interval still leaves the usual tail of history for resuming watches.
  const compactor = startCompactor(
    store,
    { intervalMs: cfg.compactionIntervalMs, retainRevisions: DEFAULT_RETAIN_REVISIONS },
    controller.signal,
    logger.child('compactor'),
  );

  await new Promise<void>((r) => controller.signal.addEventListener('abort', () => r(), { once: true }));
  logger.info('shutting down');
  await api.stop();
  await controllers;
  await agent;
  await compactor;
  await store.close();
  return 0;
}
