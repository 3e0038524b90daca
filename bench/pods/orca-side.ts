// The orca side: every pod created by an HTTPS POST with the admin
// certificate (connections opened and warmed beforehand, so no handshake is
// timed), and counted started when the pod watch shows it Running with both
// containers ready. Each pod is deleted with grace 0 and the next phase
// waits until the agent has torn it down (its directory under data/pods is
// the last thing the agent removes).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiClient } from '../apiserver/client.ts';
import { podObject } from './manifest.ts';
import type { OrcaCluster } from './orca-cluster.ts';
import { PodWatch } from './pod-watch.ts';
import { anonymousBytes, childrenMatching, conmonResident, residentBytes } from './processes.ts';
import { measure, podTimeoutMs, type Settings, type SideResult } from './results.ts';

const NAMESPACE = 'default';
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods`;

export async function runOrcaSide(cluster: OrcaCluster, s: Settings): Promise<SideResult> {
  const control = new ApiClient(cluster.credentials);
  const watch = new PodWatch(cluster.credentials, NAMESPACE);
  const clients: ApiClient[] = [];
  try {
    await watch.open(control);
    const ctx: Ctx = { cluster, control, watch, clients };
    return await measure(
      {
        label: 'orca',
        start: (names) => startPods(ctx, names),
        remove: (names) => deletePods(ctx, names),
        memory: async (names) => {
          const helpers = childrenMatching(cluster.pid, 'launcher-helper');
          return {
            pods: names.length,
            managerBytes: residentBytes(cluster.pid),
            helperBytes: sum(helpers.map(residentBytes)),
            helperAnonBytes: sum(helpers.map(anonymousBytes)),
            conmon: conmonResident([cluster.dataDir]),
          };
        },
      },
      s,
      '',
    );
  } finally {
    watch.close();
    control.close();
    for (const c of clients) c.close();
  }
}

interface Ctx {
  cluster: OrcaCluster;
  control: ApiClient;
  watch: PodWatch;
  /** Warm keep-alive connections, one per pod of the largest burst so far. */
  clients: ApiClient[];
}

/** Creates the pods at once; each one's time from the first POST to the event showing it started (ms). */
async function startPods(ctx: Ctx, names: string[]): Promise<number[]> {
  while (ctx.clients.length < names.length) ctx.clients.push(new ApiClient(ctx.cluster.credentials));
  // A request on each connection first, so TLS handshakes happen before the clock starts.
  await Promise.all(
    ctx.clients.slice(0, names.length).map((c) => c.expect(200, 'GET', '/api/v1/namespaces/default')),
  );
  const bodies = names.map(podObject);
  const t0 = performance.now();
  const created = Promise.all(names.map((_, i) => ctx.clients[i].expect(201, 'POST', podsPath, bodies[i])));
  const started = Promise.all(names.map((n) => ctx.watch.started(n, podTimeoutMs(names.length))));
  try {
    await created;
    return (await started).map((at) => at - t0);
  } catch (err) {
    started.catch(() => undefined);
    created.catch(() => undefined);
    throw new Error(`${(err as Error).message}\nserver output:\n${ctx.cluster.tail().slice(-4000)}`);
  }
}

/** Deletes the pods (grace 0) and waits until the agent has removed everything they had on the node. */
async function deletePods(ctx: Ctx, names: string[]): Promise<void> {
  const uids = names.map((n) => ctx.watch.uid(n));
  await Promise.all(
    names.map((n) => ctx.control.expect(200, 'DELETE', `${podsPath}/${n}`, { gracePeriodSeconds: 0 })),
  );
  await Promise.all(names.map((n) => ctx.watch.deleted(n, 30_000)));
  const deadline = Date.now() + podTimeoutMs(names.length);
  const dirs = uids.filter((u) => u !== undefined).map((u) => join(ctx.cluster.dataDir, 'pods', u));
  while (dirs.some((d) => existsSync(d))) {
    if (Date.now() > deadline) throw new Error(`pods not torn down in time: ${names.join(', ')}`);
    await sleep(20);
  }
}
