// Gives every node a /24 of the cluster CIDR as spec.podCIDR (upstream's
// node IPAM controller with the range allocator), once; a node keeps its
// range for life.
import type { KubeObject } from '../api/object.ts';
import type { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import { done, type Outcome, WorkQueue } from '../client/work-queue.ts';
import type { Logger } from '../util/log.ts';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The /24 subnets of a cluster CIDR (a /16 gives 256). */
export function nodeSubnets(clusterCidr: string): string[] {
  const [base, bits] = clusterCidr.split('/');
  const prefix = Number(bits);
  if (prefix > 24) throw new Error(`cluster CIDR ${clusterCidr} is smaller than a /24`);
  const start = ipToInt(base) - (ipToInt(base) % 2 ** (32 - prefix));
  const count = 2 ** (24 - prefix);
  return Array.from({ length: count }, (_, i) => `${intToIp(start + i * 256)}/24`);
}

export class NodeIpamController {
  private readonly client: Client;
  private readonly nodes: Informer;
  private readonly subnets: string[];
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });

  constructor(client: Client, nodes: Informer, clusterCidr: string, logger: Logger) {
    this.client = client;
    this.nodes = nodes;
    this.subnets = nodeSubnets(clusterCidr);
    this.log = logger.child('node-ipam');
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (n: KubeObject) => {
      if (!n.spec?.podCIDR) this.queue.add(n.metadata.name!);
    };
    this.nodes.on({ add: enqueue, update: (_, n) => enqueue(n) });
    await this.nodes.synced;
    await this.queue.run(
      1,
      (k, s) => this.reconcile(k, s),
      signal,
      (key, err) => this.log.warn('assigning a pod CIDR failed', { node: key, err: err as Error }),
    );
  }

  private async reconcile(name: string, signal: AbortSignal): Promise<Outcome> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR) return done;
    const used = new Set(
      this.nodes
        .list()
        .map((n) => n.spec?.podCIDR)
        .filter(Boolean),
    );
    const free = this.subnets.find((s) => !used.has(s));
    if (!free) {
      this.log.warn('no pod CIDR left for node', { node: name });
      return { kind: 'requeueAfter', ms: 30_000 };
    }
    await this.client.patch(
      this.nodes.resource,
      undefined,
      name,
      'merge',
      {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { podCIDR: free, podCIDRs: [free] },
      },
      {},
      signal,
    );
    this.log.info('assigned pod CIDR', { node: name, podCIDR: free });
    return done;
  }
}
