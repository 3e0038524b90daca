// Durable creates from concurrent clients, then sequential GETs.

import type { Credentials } from '../../test/helpers/api.ts';
import { ApiClient } from './client.ts';
import { concurrently, configMap, configMapsPath, namespace } from './objects.ts';
import { type Summary, summarize } from './stats.ts';

export interface CreateResult {
  objects: number;
  clients: number;
  perSecond: number;
  latency: Summary;
}

/** Creates `objects` ConfigMaps in `ns` from `clients` connections; every one must answer 201. */
export async function createObjects(
  credentials: Credentials,
  ns: string,
  objects: number,
  clients: number,
): Promise<CreateResult> {
  const connections = Array.from({ length: clients }, () => new ApiClient(credentials));
  try {
    await connections[0].expect(201, 'POST', '/api/v1/namespaces', namespace(ns));
    // Warm each connection (TLS handshake, first-request paths) outside the timing.
    await Promise.all(connections.map((c) => c.expect(200, 'GET', configMapsPath(ns) + '?limit=1')));
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await concurrently(clients, async (w) => {
      const client = connections[w];
      while (next < objects) {
        const i = next++;
        const t = performance.now();
        const reply = await client.request('POST', configMapsPath(ns), configMap(`cm-${i}`));
        latencies.push(performance.now() - t);
        if (reply.status !== 201)
          throw new Error(`create cm-${i}: ${reply.status} ${reply.text.slice(0, 300)}`);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    return { objects, clients, perSecond: objects / seconds, latency: summarize(latencies) };
  } finally {
    for (const c of connections) c.close();
  }
}

/** `count` sequential GETs of random existing objects on one keep-alive connection. */
export async function getLatency(
  credentials: Credentials,
  ns: string,
  objects: number,
  count: number,
): Promise<Summary> {
  const client = new ApiClient(credentials);
  try {
    const randomPath = () => configMapsPath(ns, `cm-${Math.floor(Math.random() * objects)}`);
    for (let i = 0; i < 200; i++) await client.expect(200, 'GET', randomPath());
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const path = randomPath();
      const t = performance.now();
      const reply = await client.request('GET', path);
      latencies.push(performance.now() - t);
      if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text.slice(0, 300)}`);
    }
    return summarize(latencies);
  } finally {
    client.close();
  }
}
