// The default scheduler: filter, score and bind pending pods.
import type { Informer } from '../client/informer.ts';
import type { Client } from '../client/types.ts';
import type { Logger } from '../util/log.ts';
import { Scheduler } from './scheduler.ts';

export type { FilterFailure, FilterPlugin, ScorePlugin } from './plugins/types.ts';
export { type Allocatable, allocatableOf, podRequests, type Resources } from './requests.ts';
export { defaultSchedulerName, Scheduler, type SchedulerOptions } from './scheduler.ts';

/** A scheduler over the pod and node informers found among `informers` (as cli builds them). */
export function createScheduler(client: Client, informers: readonly Informer[], logger: Logger): Scheduler {
  const find = (kind: string) => {
    const i = informers.find((inf) => inf.resource.group === '' && inf.resource.kind === kind);
    if (!i) throw new Error(`createScheduler needs an informer over ${kind}s`);
    return i;
  };
  return new Scheduler({ client, pods: find('Pod'), nodes: find('Node'), logger });
}
