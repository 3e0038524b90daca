// Prometheus metrics of the apiserver, on a registry of its own so that
// several servers in one process (tests) keep separate counts.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  latency: Histogram<'verb' | 'resource'>;
  watchers: Gauge<'resource'>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'API requests by verb, resource and HTTP code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'API request latency (watches excluded).',
      labelNames: ['verb', 'resource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    watchers: new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Open watch streams per resource.',
      labelNames: ['resource'],
      registers: [registry],
    }),
  };
}
