// Starts the controllers that run inside `orca server`, each on informers
// over the in-process client.
import { resources } from '../api/resources.ts';
import type { ApiServer } from '../apiserver/server.ts';
import { Informer } from '../client/informer.ts';
import { LocalClient } from '../client/local-client.ts';
import { GarbageCollector } from '../controllers/garbage-collector.ts';
import { NamespaceController } from '../controllers/namespace-controller.ts';
import { NodeIpamController } from '../controllers/node-ipam.ts';
import { createScheduler } from '../scheduler/index.ts';
import type { Logger } from '../util/log.ts';

export async function startControllers(
  api: ApiServer,
  logger: Logger,
  signal: AbortSignal,
  opts: { clusterCidr: string },
): Promise<void> {
  const log = logger.child('controllers');
  const client = new LocalClient(api, 'orca-controller-manager');
  const informers = resources.map((r) => new Informer(client, r, {}, log.child(`informer.${r.plural}`)));
  const nsInformer = informers[resources.findIndex((r) => r.kind === 'Namespace')];
  const gc = new GarbageCollector(client, informers, log);
  const ns = new NamespaceController(client, nsInformer, log);
  const nodeInformer = informers[resources.findIndex((r) => r.kind === 'Node')];
  const ipam = new NodeIpamController(client, nodeInformer, opts.clusterCidr, log);
  const scheduler = createScheduler(new LocalClient(api, 'kube-scheduler'), informers, logger);
  await Promise.all([
    ...informers.map((i) => i.run(signal)),
    gc.run(signal),
    ns.run(signal),
    scheduler.run(signal),
    ipam.run(signal),
  ]);
}
