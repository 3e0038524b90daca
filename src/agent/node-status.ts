// Registers the node and keeps it alive: creates (or adopts) the Node object,
// keeps its Ready condition and addresses current, and renews its Lease in
// kube-node-lease every 10 s — the heartbeat the node lifecycle controller reads.
import type { KubeObject } from '../api/object.ts';
import { microTimestamp, timestamp } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { isAlreadyExists, isConflict } from '../api/status.ts';
import type { Client } from '../client/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { NodeFacts } from './node-info.ts';

const nodes = resources.find((r) => r.kind === 'Node')!;
const leases = resources.find((r) => r.kind === 'Lease')!;
const leaseSeconds = 40;
export const heartbeatMs = 10_000;

export interface NodeStatusOptions {
  client: Client;
  name: string;
  facts: () => NodeFacts;
  labels?: Record<string, string>;
  /** Port of the agent's stream endpoint, reported where the API server looks for it (default 10250, the kubelet's). */
  kubeletPort?: number;
  clock: Clock;
  logger: Logger;
}

function conditions(now: string, ready: boolean, previous: KubeObject['status']['conditions'] = []) {
  const base = [
    {
      type: 'MemoryPressure',
      status: 'False',
      reason: 'KubeletHasSufficientMemory',
      message: 'kubelet has sufficient memory available',
    },
    {
      type: 'DiskPressure',
      status: 'False',
      reason: 'KubeletHasNoDiskPressure',
      message: 'kubelet has no disk pressure',
    },
    {
      type: 'PIDPressure',
      status: 'False',
      reason: 'KubeletHasSufficientPID',
      message: 'kubelet has sufficient PID available',
    },
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'KubeletNotReady',
          message: 'container runtime is not ready',
        },
  ];
  return base.map((c) => {
    const prev = (previous as { type: string; status: string; lastTransitionTime: string }[]).find(
      (p) => p.type === c.type,
    );
    const transition = prev && prev.status === c.status ? prev.lastTransitionTime : now;
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: transition };
  });
}

export class NodeStatus {
  private readonly o: NodeStatusOptions;

  constructor(o: NodeStatusOptions) {
    this.o = o;
  }

  /** Creates or updates the Node; resolves with it (spec.podCIDR may still be unset). */
  async register(signal: AbortSignal): Promise<KubeObject> {
    const { client, name } = this.o;
    const facts = this.o.facts();
    const labels = {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': facts.nodeInfo.architecture,
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': facts.nodeInfo.architecture,
      ...this.o.labels,
    };
    const now = timestamp(this.o.clock.now());
    try {
      await client.create(
        nodes,
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels },
          spec: {},
          status: { ...this.statusFields(facts), conditions: conditions(now, true) },
        },
        signal,
      );
      this.o.logger.info('node registered', { node: name });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await client.patch(nodes, undefined, name, 'merge', { metadata: { labels } }, {}, signal);
    }
    return this.updateStatus(true, signal);
  }

  private statusFields(facts: NodeFacts) {
    return {
      capacity: facts.capacity,
      allocatable: facts.allocatable,
      addresses: facts.addresses,
      nodeInfo: facts.nodeInfo,
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort ?? 10250 } },
    };
  }

  async updateStatus(ready: boolean, signal: AbortSignal): Promise<KubeObject> {
    const { client, name } = this.o;
    for (let attempt = 0; ; attempt++) {
      const node = await client.get(nodes, undefined, name, signal);
      if (!node) return this.register(signal);
      const now = timestamp(this.o.clock.now());
      node.status = {
        ...node.status,
        ...this.statusFields(this.o.facts()),
        conditions: conditions(now, ready, node.status?.conditions),
      };
      try {
        return await client.updateStatus(nodes, node, signal);
      } catch (err) {
        if (!isConflict(err) || attempt > 5) throw err;
      }
    }
  }

  private async renewLease(signal: AbortSignal): Promise<void> {
    const { client, name } = this.o;
    const renewTime = microTimestamp(this.o.clock.now());
    const lease = await client.get(leases, 'kube-node-lease', name, signal);
    if (!lease) {
      const node = await client.get(nodes, undefined, name, signal);
      await client.create(
        leases,
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name,
            namespace: 'kube-node-lease',
            ...(node
              ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] }
              : {}),
          },
          spec: { holderIdentity: name, leaseDurationSeconds: leaseSeconds, renewTime },
        },
        signal,
      );
      return;
    }
    lease.spec = { ...lease.spec, holderIdentity: name, leaseDurationSeconds: leaseSeconds, renewTime };
    await client.update(leases, lease, signal);
  }

  /** Heartbeats until `signal` aborts: the lease every 10 s, node status every minute. */
  async run(signal: AbortSignal): Promise<void> {
    let beats = 0;
    while (!signal.aborted) {
      try {
        await this.renewLease(signal);
        if (beats % 6 === 5) await this.updateStatus(true, signal);
      } catch (err) {
        if (!signal.aborted) this.o.logger.warn('heartbeat failed', { err: err as Error });
      }
      beats++;
      await new Promise<void>((r) => {
        const t = setTimeout(r, heartbeatMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            r();
          },
          { once: true },
        );
      });
    }
  }
}
