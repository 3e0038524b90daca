// The objects the benchmark writes: ConfigMaps carrying about 1 KiB of data,
// the size of a typical small Kubernetes object (and bench/store.ts's values).

export const PAYLOAD_BYTES = 1024;
const payload = 'x'.repeat(PAYLOAD_BYTES);

export function configMap(name: string, revision = 0, resourceVersion?: string): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { app: 'orca-bench' }, ...(resourceVersion ? { resourceVersion } : {}) },
    data: { revision: String(revision), payload },
  };
}

export function namespace(name: string): object {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMapsPath(ns: string, name?: string): string {
  return `/api/v1/namespaces/${ns}/configmaps${name === undefined ? '' : `/${name}`}`;
}

/** Runs `work` from `workers` concurrent loops and waits for all of them. */
export async function concurrently(workers: number, work: (worker: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: workers }, (_, w) => work(w)));
}
