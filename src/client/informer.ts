// Keeps a local cache of one resource in step with the cluster: list, then
// watch from the list's resourceVersion; on 410 Gone or a broken watch, list
// again and diff against the cache so missed deletions are still reported.
// Handlers must be quick; slow work belongs on a WorkQueue.
import type { KubeObject } from '../api/object.ts';
import { objectKey } from '../api/object.ts';
import type { ResourceInfo } from '../api/resources.ts';
import type { Logger } from '../util/log.ts';
import type { Client, ListOptions } from './types.ts';

export interface InformerHandlers {
  add?(obj: KubeObject): void;
  update?(old: KubeObject, obj: KubeObject): void;
  delete?(obj: KubeObject): void;
}

export interface InformerOptions extends Omit<ListOptions, 'resourceVersion'> {
  namespace?: string;
}

export class Informer {
  readonly resource: ResourceInfo;
  private readonly client: Client;
  private readonly opts: InformerOptions;
  private readonly log: Logger;
  private readonly items = new Map<string, KubeObject>();
  private readonly handlers: InformerHandlers[] = [];
  private syncedResolve!: () => void;
  /** Resolves after the first list has been applied. */
  readonly synced: Promise<void>;

  constructor(client: Client, resource: ResourceInfo, opts: InformerOptions, logger: Logger) {
    this.client = client;
    this.resource = resource;
    this.opts = opts;
    this.log = logger;
    this.synced = new Promise((r) => {
      this.syncedResolve = r;
    });
  }

  on(h: InformerHandlers): void {
    this.handlers.push(h);
  }

  get(key: string): KubeObject | undefined {
    return this.items.get(key);
  }

  list(): KubeObject[] {
    return [...this.items.values()];
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        const rv = await this.relist(signal);
        this.syncedResolve();
        backoff = 100;
        await this.watchFrom(rv, signal);
      } catch (err) {
        if (signal.aborted) break;
        const gone = (err as { code?: number })?.code === 410;
        if (!gone) {
          this.log.warn('informer list/watch failed; retrying', {
            resource: this.resource.plural,
            err: err as Error,
          });
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<string> {
    const { namespace, ...sel } = this.opts;
    const l = await this.client.list(this.resource, namespace, sel, signal);
    const seen = new Set<string>();
    for (const o of l.items) {
      const k = objectKey(o);
      seen.add(k);
      const old = this.items.get(k);
      this.items.set(k, o);
      if (!old) this.emit((h) => h.add?.(o));
      else if (old.metadata.resourceVersion !== o.metadata.resourceVersion)
        this.emit((h) => h.update?.(old, o));
    }
    for (const [k, old] of this.items) {
      if (!seen.has(k)) {
        this.items.delete(k);
        this.emit((h) => h.delete?.(old));
      }
    }
    return l.resourceVersion;
  }

  private async watchFrom(rv: string, signal: AbortSignal): Promise<void> {
    const { namespace, ...sel } = this.opts;
    for await (const e of this.client.watch(
      this.resource,
      namespace,
      { ...sel, resourceVersion: rv },
      signal,
    )) {
      const k = objectKey(e.object);
      const old = this.items.get(k);
      if (e.type === 'DELETED') {
        this.items.delete(k);
        this.emit((h) => h.delete?.(e.object));
      } else {
        this.items.set(k, e.object);
        if (old) this.emit((h) => h.update?.(old, e.object));
        else this.emit((h) => h.add?.(e.object));
      }
    }
  }

  private emit(f: (h: InformerHandlers) => void): void {
    for (const h of this.handlers) {
      try {
        f(h);
      } catch (err) {
        this.log.error('informer handler failed', { resource: this.resource.plural, err: err as Error });
      }
    }
  }
}
