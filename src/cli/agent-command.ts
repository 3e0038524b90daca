// `orca agent`: a node agent on another machine, joining a cluster with the
// server's URL and join token. It checks the server's CA against the token,
// then talks to the API over HTTPS like any client. It serves its pods'
// streams on --kubelet-port with a certificate the cluster CA signs for it,
// and the API server proxies kubectl's logs/exec/port-forward there.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { resolve } from 'node:path';
import { caHash, kubeletClientUser } from '../apiserver/tls.ts';
import { HttpClient } from '../client/http-client.ts';
import { createLogger, type Level } from '../util/log.ts';
import { type FlagSpec, helpText, parseFlags, UsageError } from './flags.ts';
import { ensureKubeletServingCert } from './kubelet-credentials.ts';
import { runNodeAgent } from './node-agent.ts';
import { agentFlags, agentFlagValues } from './server-command.ts';

const flags: FlagSpec[] = [
  {
    name: 'server',
    type: 'string',
    default: '',
    value: 'URL',
    help: 'The API server to join, e.g. https://10.0.0.1:6443.',
  },
  {
    name: 'token',
    type: 'string',
    default: '',
    value: 'TOKEN',
    help: 'Join token (DATA_DIR/server/token on the server).',
  },
  {
    name: 'token-file',
    type: 'string',
    default: '',
    value: 'FILE',
    help: 'Read the join token from this file instead.',
  },
  {
    name: 'data-dir',
    type: 'string',
    default: '/var/lib/orca',
    value: 'DIR',
    help: 'Where the agent keeps images and pod state.',
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
    name: 'kubelet-port',
    type: 'string',
    default: '10250',
    value: 'PORT',
    help: "HTTPS port on the node IP where the API server reaches this node's pod logs, exec, attach and port-forward (0 picks a free one).",
  },
  { name: 'log-level', type: 'string', default: 'info', value: 'LEVEL', help: 'debug, info, warn or error.' },
  ...agentFlags,
];

/** Fetches the server's CA without trusting it yet, and checks it against the token's hash. */
async function trustedCa(server: string, token: string): Promise<string> {
  const m = /^K10([0-9a-f]{64})::.+$/.exec(token);
  if (!m) throw new UsageError('the join token is not in the K10<hash>::<secret> form the server writes');
  const url = new URL('/cacerts', server);
  const pem = await new Promise<string>((ok, fail) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () =>
        res.statusCode === 200 ? ok(body) : fail(new Error(`GET ${url} answered ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', fail);
    req.end();
  });
  if (caHash(pem) !== m[1])
    throw new Error(`the CA served by ${server} does not match the join token: refusing to trust it`);
  return pem;
}

export async function runAgentCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, flags);
  if (values.help) {
    process.stdout.write(
      helpText(
        'orca agent --server URL --token TOKEN [flags]',
        'Run a node agent that joins an orca cluster and runs the pods scheduled to this machine.',
        flags,
      ),
    );
    return 0;
  }
  const server = values.server as string;
  if (!server) throw new UsageError('--server is required');
  const tokenFile = values['token-file'] as string;
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : (values.token as string);
  if (!token) throw new UsageError('--token or --token-file is required');
  const kubeletPort = values['kubelet-port'] as string;
  if (!/^\d+$/.test(kubeletPort) || Number(kubeletPort) > 65535)
    throw new UsageError(`--kubelet-port must be a port number (0 picks a free one), got "${kubeletPort}"`);
  const logger = createLogger({ level: values['log-level'] as Level });
  const ca = await trustedCa(server, token);
  const agent = agentFlagValues(values);
  const dataDir = resolve(values['data-dir'] as string);
  const client = new HttpClient({
    server,
    ca,
    auth: { kind: 'token', token },
    fieldManager: 'kubelet',
    userAgent: `orca-agent/${agent.nodeName}`,
  });
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  logger.info('joining cluster', { server, node: agent.nodeName });
  const serving = await ensureKubeletServingCert({
    server,
    ca,
    token,
    dataDir,
    nodeName: agent.nodeName,
    nodeIP: agent.nodeIP,
    logger,
  });
  try {
    await runNodeAgent(
      {
        client,
        ...agent,
        streamEndpoint: {
          port: Number(kubeletPort),
          tls: { ...serving, ca },
          apiserverUser: kubeletClientUser,
        },
        dataDir,
        clusterDns: values['cluster-dns'] as string,
        clusterDomain: values['cluster-domain'] as string,
        logger,
      },
      controller.signal,
    );
  } finally {
    // An agent that failed stops what it started (the stream endpoint listens until this), so the process can exit.
    controller.abort();
  }
  return 0;
}
