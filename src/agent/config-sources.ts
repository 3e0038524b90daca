// The ConfigMaps and Secrets a pod's env vars and volumes read. Missing ones
// are reported with the kubelet's wording (`configmap "x" not found`: its
// object cache names the resource in the singular), which users see in pod
// events.
import type { KubeObject } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import type { Client } from '../client/types.ts';

const configMaps = resources.find((r) => r.kind === 'ConfigMap' && r.group === '')!;
const secrets = resources.find((r) => r.kind === 'Secret' && r.group === '')!;

/** Where ConfigMaps and Secrets come from: the API, or a cache of it. */
export interface ConfigSource {
  configMap(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string, signal?: AbortSignal): Promise<KubeObject | undefined>;
}

export function clientConfigSource(client: Client): ConfigSource {
  return {
    configMap: (ns, name, signal) => client.get(configMaps, ns, name, signal),
    secret: (ns, name, signal) => client.get(secrets, ns, name, signal),
  };
}

/** Remembers each answer for the length of one operation, so one object is read once. */
export function memoized(source: ConfigSource): ConfigSource {
  const seen = new Map<string, Promise<KubeObject | undefined>>();
  const once = (kind: string, ns: string, name: string, load: () => Promise<KubeObject | undefined>) => {
    const key = `${kind}/${ns}/${name}`;
    let p = seen.get(key);
    if (!p) {
      p = load();
      seen.set(key, p);
    }
    return p;
  };
  return {
    configMap: (ns, name, signal) => once('cm', ns, name, () => source.configMap(ns, name, signal)),
    secret: (ns, name, signal) => once('secret', ns, name, () => source.secret(ns, name, signal)),
  };
}

export function notFoundMessage(kind: 'configmap' | 'secret', name: string): string {
  return `${kind} "${name}" not found`;
}

/** A ConfigMap's text and binary keys as bytes; binaryData is base64 on the wire. */
export function configMapBytes(cm: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** A Secret's keys as bytes (data is base64 on the wire). */
export function secretBytes(secret: KubeObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries((secret.data ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, 'base64'));
  return out;
}
