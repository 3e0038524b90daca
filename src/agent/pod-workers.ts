// One worker per pod UID: syncs run one at a time per pod, and an update
// that arrives during a sync replaces any pending one, so the next sync sees
// the latest pod rather than working through a backlog (the kubelet's pod
// workers). A sync may ask to run again after a delay (back-off, polling).
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../util/log.ts';

export type SyncResult = { requeueAfterMs?: number };

export type PodSyncFn = (pod: KubeObject, signal: AbortSignal) => Promise<SyncResult>;

interface Worker {
  pod: KubeObject;
  running: boolean;
  pending: boolean;
  timer?: NodeJS.Timeout;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly sync: PodSyncFn;
  private readonly log: Logger;
  private readonly signal: AbortSignal;

  constructor(sync: PodSyncFn, signal: AbortSignal, logger: Logger) {
    this.sync = sync;
    this.signal = signal;
    this.log = logger;
  }

  /** Queues a sync of this pod with its latest state. */
  update(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    let w = this.workers.get(uid);
    if (!w) {
      w = { pod, running: false, pending: false };
      this.workers.set(uid, w);
    }
    w.pod = pod;
    w.pending = true;
    if (!w.running) void this.drive(uid, w);
  }

  /** Re-syncs a pod by UID with the state it last had (runtime changes). */
  poke(uid: string): void {
    const w = this.workers.get(uid);
    if (w) this.update(w.pod);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** Forgets a pod whose sync reported it is gone for good. */
  forget(uid: string): void {
    const w = this.workers.get(uid);
    if (w?.timer) clearTimeout(w.timer);
    this.workers.delete(uid);
  }

  private async drive(uid: string, w: Worker): Promise<void> {
    w.running = true;
    try {
      while (w.pending && !this.signal.aborted) {
        w.pending = false;
        if (w.timer) {
          clearTimeout(w.timer);
          w.timer = undefined;
        }
        let result: SyncResult = {};
        try {
          result = await this.sync(w.pod, this.signal);
        } catch (err) {
          this.log.warn('pod sync failed', {
            pod: `${w.pod.metadata.namespace}/${w.pod.metadata.name}`,
            err: err as Error,
            stack: (err as Error)?.stack,
          });
          result = { requeueAfterMs: 1000 };
        }
        if (result.requeueAfterMs !== undefined && !w.pending && this.workers.get(uid) === w) {
          w.timer = setTimeout(() => this.poke(uid), result.requeueAfterMs);
        }
      }
    } finally {
      w.running = false;
    }
  }
}
