// The node agent (the kubelet's job): registers the node, heartbeats, and
// runs a worker per pod bound to it. Pods come from an informer on
// spec.nodeName; a periodic relist of the runtime notices container exits
// (upstream's PLEG) and sandboxes of pods that no longer exist.
import type { KubeObject } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import type { Runtime } from '../runtime/types.ts';
import type { Logger } from '../util/log.ts';
import type { NodeStatus } from './node-status.ts';
import { labels, type PodSyncer } from './pod-sync.ts';
import { PodWorkers, type SyncResult } from './pod-workers.ts';

const pods = resources.find((r) => r.kind === 'Pod' && r.group === '')!;

export interface AgentOptions {
  client: Client;
  nodeName: string;
  runtime: Runtime;
  /** Builds the pod syncer once the node has its pod CIDR (the pod network needs it). */
  makeSyncer(node: KubeObject): PodSyncer;
  node: NodeStatus;
  logger: Logger;
  /** How often the runtime is relisted for exits (ms). */
  relistMs?: number;
}

/** A pod the informer says is gone: the worker cleans up after it. */
type Tombstone = KubeObject & { __deleted?: true };

export class Agent {
  private readonly o: AgentOptions;
  private readonly log: Logger;
  private informer?: Informer;
  private syncer?: PodSyncer;

  constructor(o: AgentOptions) {
    this.o = o;
    this.log = o.logger.child('agent');
  }

  async run(signal: AbortSignal): Promise<void> {
    const { client, nodeName } = this.o;
    let node = await this.o.node.register(signal);
    while (!node.spec?.podCIDR && !signal.aborted) {
      await new Promise((r) => setTimeout(r, 100));
      node =
        (await client.get(resources.find((r) => r.kind === 'Node')!, undefined, nodeName, signal)) ?? node;
    }
    if (signal.aborted) return;
    this.syncer = this.o.makeSyncer(node);
    const informer = new Informer(
      client,
      pods,
      { fieldSelector: `spec.nodeName=${nodeName}` },
      this.log.child('pods'),
    );
    this.informer = informer;
    const workers = new PodWorkers((pod, s) => this.syncPod(pod as Tombstone, s), signal, this.log);
    informer.on({
      add: (p) => workers.update(p),
      update: (_, p) => workers.update(p),
      delete: (p) => workers.update({ ...p, __deleted: true } as Tombstone),
    });
    const informerRun = informer.run(signal);
    await informer.synced;
    await this.cleanupOrphans(workers);
    this.log.info('agent ready', { node: nodeName });
    await Promise.all([informerRun, this.o.node.run(signal), this.relist(workers, signal)]);
  }

  private async syncPod(pod: Tombstone, signal: AbortSignal): Promise<SyncResult> {
    const { client } = this.o;
    const syncer = this.syncer!;
    const uid = pod.metadata.uid!;
    if (pod.__deleted) {
      await syncer.stopPod(pod, 0, 'deleted');
      await syncer.cleanup(uid);
      return {};
    }
    if (pod.metadata.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await syncer.stopPod(pod, grace, 'deleted');
      await syncer.cleanup(uid);
      // The node confirms the pod is gone: the API object may now be removed.
      await client.delete(
        pods,
        pod.metadata.namespace,
        pod.metadata.name!,
        { gracePeriodSeconds: 0, preconditions: { uid } },
        signal,
      );
      return {};
    }
    return syncer.sync(pod, signal);
  }

  /**
   * Pods no longer bound here are torn down: those with a sandbox, and those
   * with only files left (a teardown the agent's last stop cut short).
   */
  private async cleanupOrphans(workers: PodWorkers): Promise<void> {
    const sandboxes = await this.o.runtime.listSandboxes();
    const dirs = await this.syncer!.podsOnDisk();
    // Read after the node's state: a pod's worker makes its sandbox and files only once the pod is known here.
    const known = new Set(this.informer!.list().map((p) => p.metadata.uid));
    const orphans = new Map<string, string>();
    for (const sb of sandboxes)
      if (!known.has(sb.podUid)) orphans.set(sb.podUid, `${sb.namespace}/${sb.name}`);
    for (const uid of dirs) if (!known.has(uid) && !orphans.has(uid)) orphans.set(uid, '(files only)');
    for (const [podUid, pod] of orphans) {
      this.log.info('removing pod that is no longer bound here', { podUid, pod });
      await this.syncer!.cleanup(podUid);
    }
    for (const uid of workers.uids()) if (!known.has(uid)) workers.forget(uid);
  }

  /** Re-syncs pods whose containers changed state since the last look. */
  private async relist(workers: PodWorkers, signal: AbortSignal): Promise<void> {
    const every = this.o.relistMs ?? 1000;
    let seen = new Map<string, string>();
    let ticks = 0;
    while (!signal.aborted) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, every);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            r();
          },
          { once: true },
        );
      });
      if (signal.aborted) break;
      try {
        const now = new Map<string, string>();
        const changed = new Set<string>();
        for (const c of await this.o.runtime.listContainers()) {
          const key = `${c.state.kind}${c.state.kind === 'exited' ? c.state.exitCode : ''}`;
          now.set(c.id, key);
          if (seen.get(c.id) !== key) changed.add(c.labels[labels.podUid]);
        }
        seen = now;
        for (const uid of changed) if (uid) workers.poke(uid);
        // Every so often, a full pass repairs anything an event missed.
        if (++ticks % 30 === 0) {
          for (const p of this.informer?.list() ?? []) workers.update(p);
          await this.cleanupOrphans(workers);
        }
      } catch (err) {
        this.log.warn('runtime relist failed', { err: err as Error });
      }
    }
  }
}
