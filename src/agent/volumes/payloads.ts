// The files configMap, secret, downwardAPI and projected volumes hold, worked
// out from the API objects with the kubelet's rules: every key (or only the
// listed items, at their paths), defaultMode unless an item sets a mode,
// optional sources that may be missing, and upstream's error wording.

import { posix } from 'node:path';
import type {
  V1ConfigMapProjection,
  V1ConfigMapVolumeSource,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1Pod,
  V1ProjectedVolumeSource,
  V1SecretProjection,
  V1SecretVolumeSource,
} from '@kubernetes/client-node';
import { type ConfigSource, configMapBytes, notFoundMessage, secretBytes } from '../config-sources.ts';
import { containerResourceValue, metadataFieldValue } from '../downward-fields.ts';
import type { Payload } from './atomic-writer.ts';

// 0644: upstream's default for every kind of projected file.
export const defaultFileMode = 0o644;

export interface PayloadContext {
  pod: V1Pod;
  source: ConfigSource;
  nodeAllocatable: Record<string, string>;
  signal?: AbortSignal;
  /** Told about a serviceAccountToken source, which is not served yet. */
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/** Several failures read as upstream's aggregate error: one message, or "[a, b]". */
export function aggregateMessage(messages: string[]): string {
  return messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
}

interface KeyedSource {
  kind: 'configmap' | 'secret';
  name: string;
  items?: V1KeyToPath[];
  optional?: boolean;
}

async function keyedPayload(src: KeyedSource, defaultMode: number, ctx: PayloadContext): Promise<Payload> {
  const { kind, name } = src;
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const optional = src.optional === true;
  const obj =
    kind === 'configmap'
      ? await ctx.source.configMap(ns, name, ctx.signal)
      : await ctx.source.secret(ns, name, ctx.signal);
  if (!obj && !optional) throw new Error(notFoundMessage(kind, name));
  const data = obj
    ? kind === 'configmap'
      ? configMapBytes(obj)
      : secretBytes(obj)
    : new Map<string, Buffer>();
  const payload: Payload = new Map();
  const items = src.items ?? [];
  if (items.length === 0) {
    for (const [key, bytes] of data) payload.set(key, { data: bytes, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const bytes = data.get(item.key);
    if (!bytes) {
      if (optional) continue;
      throw new Error(
        kind === 'configmap'
          ? `configmap references non-existent config key: ${item.key}`
          : `references non-existent secret key: ${item.key}`,
      );
    }
    payload.set(item.path, { data: bytes, mode: item.mode ?? defaultMode });
  }
  return payload;
}

const configMapRef = (s: V1ConfigMapVolumeSource | V1ConfigMapProjection): KeyedSource => ({
  kind: 'configmap',
  name: s.name ?? '',
  items: s.items,
  optional: s.optional,
});

export function configMapPayload(src: V1ConfigMapVolumeSource, ctx: PayloadContext): Promise<Payload> {
  return keyedPayload(configMapRef(src), src.defaultMode ?? defaultFileMode, ctx);
}

export function secretPayload(src: V1SecretVolumeSource, ctx: PayloadContext): Promise<Payload> {
  const ref: KeyedSource = {
    kind: 'secret',
    name: src.secretName ?? '',
    items: src.items,
    optional: src.optional,
  };
  return keyedPayload(ref, src.defaultMode ?? defaultFileMode, ctx);
}

const secretProjectionRef = (s: V1SecretProjection): KeyedSource => ({
  kind: 'secret',
  name: s.name ?? '',
  items: s.items,
  optional: s.optional,
});

/** Files of pod metadata and container resources; every item is tried, failures are reported together. */
export function downwardApiPayload(
  items: V1DownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
  ctx: PayloadContext,
): Payload {
  const payload: Payload = new Map();
  const failures: string[] = [];
  for (const item of items ?? []) {
    let value: string | undefined;
    try {
      if (item.fieldRef) value = metadataFieldValue(ctx.pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef)
        value = containerResourceValue(item.resourceFieldRef, ctx.pod, undefined, ctx.nodeAllocatable);
    } catch (err) {
      failures.push((err as Error).message);
      continue;
    }
    payload.set(posix.normalize(item.path), {
      data: Buffer.from(value ?? '', 'utf8'),
      mode: item.mode ?? defaultMode,
    });
  }
  if (failures.length) throw new Error(aggregateMessage(failures));
  return payload;
}

export async function projectedPayload(src: V1ProjectedVolumeSource, ctx: PayloadContext): Promise<Payload> {
  const defaultMode = src.defaultMode ?? defaultFileMode;
  const payload: Payload = new Map();
  const failures: string[] = [];
  for (const s of src.sources ?? []) {
    try {
      let part: Payload | undefined;
      if (s.configMap) part = await keyedPayload(configMapRef(s.configMap), defaultMode, ctx);
      else if (s.secret) part = await keyedPayload(secretProjectionRef(s.secret), defaultMode, ctx);
      else if (s.downwardAPI) part = downwardApiPayload(s.downwardAPI.items, defaultMode, ctx);
      else if (s.serviceAccountToken) {
        // TODO(service-account-tokens): request a bound token (TokenRequest for
        // the pod's service account, audience and expirationSeconds) and write it
        // at s.serviceAccountToken.path, refreshed at 80% of its lifetime.
        ctx.warn('serviceAccountToken projection is not served yet; the file is left out', {
          path: s.serviceAccountToken.path,
        });
      } else if (s.clusterTrustBundle) {
        ctx.warn('clusterTrustBundle projection is not served; the file is left out', {
          path: s.clusterTrustBundle.path,
        });
      }
      for (const [k, v] of part ?? []) payload.set(k, v);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length) throw new Error(aggregateMessage(failures));
  return payload;
}
