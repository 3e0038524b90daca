// The scheduler: binds each pending pod that names the default scheduler to
// a node. Informer handlers only keep the cache current and queue keys;
// each attempt reads the pod from the informer, decides synchronously
// (filters, score), assumes the pod onto the chosen node at once — so the
// next decision already counts it — and then binds through the API while
// other attempts proceed.
import type { KubeObject } from '../api/object.ts';
import { deepEqual, objectKey, timestamp } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { isConflict, isNotFound } from '../api/status.ts';
import { EventRecorder } from '../client/events.ts';
import type { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { SchedulerCache } from './cache.ts';
import { truncateMessage } from './fit-error.ts';
import { isTerminal, podInfo } from './pod-info.ts';
import { SchedulingQueue, type SchedulingQueueOptions } from './scheduling-queue.ts';
import { selectNode } from './select-node.ts';

export const defaultSchedulerName = 'default-scheduler';

const podsInfo = resources.find((r) => r.group === '' && r.kind === 'Pod')!;

export interface SchedulerOptions {
  client: Client;
  /** Informers over all pods and all nodes; the scheduler adds its handlers and waits for their sync. */
  pods: Informer;
  nodes: Informer;
  logger: Logger;
  clock?: Clock;
  /** Binds in flight at once; decisions themselves are made one at a time. */
  workers?: number;
  /** [0, 1), for tie-breaking between equally good nodes. */
  random?: () => number;
  queue?: Omit<SchedulingQueueOptions, 'clock'>;
}

export class Scheduler {
  private readonly client: Client;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly workers: number;
  private readonly random: () => number;
  private readonly cache = new SchedulerCache();
  private readonly queue: SchedulingQueue;
  private readonly recorder: EventRecorder;

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.pods = opts.pods;
    this.nodes = opts.nodes;
    this.log = opts.logger.child('scheduler');
    this.clock = opts.clock ?? systemClock;
    this.workers = opts.workers ?? 16;
    this.random = opts.random ?? Math.random;
    this.queue = new SchedulingQueue({ ...opts.queue, clock: this.clock });
    this.recorder = new EventRecorder(opts.client, this.log, {
      component: defaultSchedulerName,
      clock: this.clock,
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    // Handlers go on before the first await so no informer event is missed.
    this.watchPods();
    this.watchNodes();
    await Promise.all([this.recorder.run(signal), this.schedule(signal)]);
  }

  private async schedule(signal: AbortSignal): Promise<void> {
    const synced = await Promise.race([
      Promise.all([this.pods.synced, this.nodes.synced]).then(() => true),
      new Promise<boolean>((r) => {
        if (signal.aborted) r(false);
        signal.addEventListener('abort', () => r(false), { once: true });
      }),
    ]);
    if (!synced) return;
    for (const pod of this.pods.list()) if (this.isPending(pod)) this.queue.add(objectKey(pod));
    this.log.info('scheduler started', { nodes: this.cache.nodeInfos().length });
    await this.queue.run(
      this.workers,
      (key, s) => this.attempt(key, s),
      signal,
      (key, err) => this.log.warn('scheduling attempt failed', { pod: key, err: err as Error }),
    );
  }

  /** Waiting for this scheduler: unbound, ours, not going away, not gated. */
  private isPending(pod: KubeObject): boolean {
    const spec = pod.spec ?? {};
    return (
      !spec.nodeName &&
      (spec.schedulerName ?? defaultSchedulerName) === defaultSchedulerName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod) &&
      !(spec.schedulingGates?.length > 0)
    );
  }

  private watchPods(): void {
    this.pods.on({
      add: (pod) => {
        this.cache.updatePod(pod);
        if (this.isPending(pod)) this.queue.add(objectKey(pod));
      },
      update: (old, pod) => {
        this.cache.updatePod(pod);
        const key = objectKey(pod);
        if (this.isPending(pod)) {
          // Our own status writes come back as updates; only a change to what
          // scheduling reads is worth another attempt before a cluster event.
          const changed =
            !deepEqual(old.spec, pod.spec) || !deepEqual(old.metadata.labels, pod.metadata.labels);
          if (changed || !this.queue.hasFailed(key)) this.queue.add(key);
          return;
        }
        if (pod.spec?.nodeName) this.queue.forget(key);
        // A bound pod finishing frees its node's resources and ports.
        if (old.spec?.nodeName && !isTerminal(old) && isTerminal(pod)) this.queue.moveAllToActive();
      },
      delete: (pod) => {
        this.cache.removePod(pod);
        this.queue.forget(objectKey(pod));
        if (pod.spec?.nodeName) this.queue.moveAllToActive();
      },
    });
  }

  private watchNodes(): void {
    this.nodes.on({
      add: (node) => {
        this.cache.setNode(node);
        this.queue.moveAllToActive();
      },
      update: (old, node) => {
        this.cache.setNode(node);
        if (schedulingRelevantChange(old, node)) this.queue.moveAllToActive();
      },
      delete: (node) => this.cache.removeNode(node.metadata.name!),
    });
  }

  private async attempt(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || !this.isPending(pod)) {
      this.queue.forget(key);
      return;
    }
    // Bound a moment ago; the informer has not caught up yet.
    if (this.cache.isAssumed(key)) return;
    const info = podInfo(pod);
    const decision = selectNode(info, this.cache.nodeInfos(), { random: this.random });
    switch (decision.kind) {
      case 'fit':
        this.cache.assume(info, decision.node);
        return this.bind(pod, decision.node, signal);
      case 'unschedulable':
        this.queue.failed(key, 'unschedulable');
        return this.reportUnschedulable(pod, decision.message, signal);
      case 'noNodes':
        // Retried on backoff as well as on node events, as upstream does.
        this.queue.failed(key, 'error');
        return this.reportUnschedulable(pod, decision.message, signal);
    }
  }

  private async bind(pod: KubeObject, node: string, signal: AbortSignal): Promise<void> {
    const key = objectKey(pod);
    const { name, namespace } = pod.metadata;
    try {
      await this.client.createSubresource(
        podsInfo,
        namespace,
        name!,
        'binding',
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
        signal,
      );
    } catch (err) {
      this.cache.forget(key);
      // Deleted, being deleted, or bound by someone else: the informer will say which.
      if (isNotFound(err) || isConflict(err)) return;
      this.recorder.event(
        pod,
        'Warning',
        'FailedScheduling',
        truncateMessage(`running Bind plugin "DefaultBinder": ${(err as Error).message}`),
      );
      throw err;
    }
    this.queue.forget(key);
    this.recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
  }

  /** A Warning event, and PodScheduled=False/Unschedulable on the pod unless it already says so. */
  private async reportUnschedulable(pod: KubeObject, message: string, signal: AbortSignal): Promise<void> {
    this.log.debug('pod does not fit', { pod: objectKey(pod), message });
    this.recorder.event(pod, 'Warning', 'FailedScheduling', truncateMessage(message));
    const current = (pod.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)
      return;
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime:
        current?.status === 'False' && current.lastTransitionTime
          ? current.lastTransitionTime
          : timestamp(this.clock.now()),
    };
    try {
      await this.client.patch(
        podsInfo,
        pod.metadata.namespace,
        pod.metadata.name!,
        'strategic',
        { status: { conditions: [condition] } },
        { subresource: 'status' },
        signal,
      );
    } catch (err) {
      // The pod already waits for its next attempt; a lost condition update only costs accuracy until then.
      if (!isNotFound(err) && !signal.aborted)
        this.log.warn('could not set PodScheduled condition', { pod: objectKey(pod), err: err as Error });
    }
  }
}

/** Whether a node update could change where pods fit (heartbeats alone cannot). */
export function schedulingRelevantChange(old: KubeObject, node: KubeObject): boolean {
  const ready = (n: KubeObject) =>
    (n.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Ready')?.status;
  return (
    !deepEqual(old.metadata.labels, node.metadata.labels) ||
    !deepEqual(old.spec?.taints, node.spec?.taints) ||
    Boolean(old.spec?.unschedulable) !== Boolean(node.spec?.unschedulable) ||
    !deepEqual(old.status?.allocatable, node.status?.allocatable) ||
    ready(old) !== ready(node)
  );
}
