// Empties a namespace that is being deleted: deletes everything in it, waits
// until every object is gone (pods may take their grace period), then
// clears spec.finalizers so the namespace itself can go.
import type { KubeObject } from '../api/object.ts';
import { type ResourceInfo, resources } from '../api/resources.ts';
import type { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import { done, type Outcome, WorkQueue } from '../client/work-queue.ts';
import type { Logger } from '../util/log.ts';

export class NamespaceController {
  private readonly client: Client;
  private readonly namespaces: Informer;
  private readonly log: Logger;
  private readonly queue = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 10_000 });
  private readonly contents: ResourceInfo[] = resources.filter((r) => r.namespaced);

  constructor(client: Client, namespaces: Informer, logger: Logger) {
    this.client = client;
    this.namespaces = namespaces;
    this.log = logger.child('namespace-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (o: KubeObject) => {
      if (o.metadata.deletionTimestamp) this.queue.add(o.metadata.name!);
    };
    this.namespaces.on({ add: enqueue, update: (_, o) => enqueue(o) });
    await this.namespaces.synced;
    await this.queue.run(
      1,
      (k, s) => this.reconcile(k, s),
      signal,
      (key, err) => this.log.warn('namespace cleanup failed', { namespace: key, err: err as Error }),
    );
  }

  private async reconcile(name: string, signal: AbortSignal): Promise<Outcome> {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata.deletionTimestamp) return done;
    let remaining = 0;
    for (const info of this.contents) {
      const list = await this.client.list(info, name, {}, signal);
      for (const o of list.items) {
        remaining++;
        if (!o.metadata.deletionTimestamp) {
          await this.client.delete(info, name, o.metadata.name!, { propagationPolicy: 'Background' }, signal);
        }
      }
    }
    if (remaining > 0) return { kind: 'requeueAfter', ms: 500 };
    if (ns.spec?.finalizers?.length) {
      const fresh = await this.client.get(this.namespaces.resource, undefined, name, signal);
      if (!fresh) return done;
      await this.client.createSubresource(
        this.namespaces.resource,
        undefined,
        name,
        'finalize',
        { ...fresh, spec: { ...fresh.spec, finalizers: [] } },
        signal,
      );
      this.log.info('namespace emptied', { namespace: name });
    }
    return done;
  }
}
