// Defaults for the remaining core and discovery kinds.
import type {
  V1EndpointSlice,
  V1Endpoints,
  V1Namespace,
  V1Node,
  V1PersistentVolumeClaim,
  V1Secret,
} from '@kubernetes/client-node';
import { orInit } from '../validation/object.ts';
import { canonicalizeResourceList } from './quantities.ts';
import { defaultPvcSpec } from './volumes.ts';

/** Every namespace carries its own name as a label, so selectors can pick namespaces by name. */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

export function defaultNamespace(ns: V1Namespace, creating: boolean): void {
  const name = ns.metadata?.name;
  if (name && ns.metadata) {
    ns.metadata.labels ??= {};
    ns.metadata.labels[namespaceNameLabel] = name;
  }
  if (creating) {
    // The "kubernetes" finalizer holds deletion until the namespace is emptied;
    // added on create only, since the namespace controller removes it later.
    const spec = orInit(ns, 'spec', () => ({}));
    const finalizers = orInit(spec, 'finalizers', () => []);
    if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
    ns.status ??= {};
    ns.status.phase ??= 'Active';
  }
}

/**
 * Secrets: type Opaque, and stringData folded into data (base64), as
 * upstream's conversion does, so stringData is never stored.
 */
export function defaultSecret(secret: V1Secret): void {
  secret.type ||= 'Opaque';
  const stringData = secret.stringData;
  if (stringData && typeof stringData === 'object') {
    const data = orInit(secret, 'data', () => ({}));
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete secret.stringData;
}

export function defaultNode(node: V1Node): void {
  const status = node.status;
  if (!status) return;
  canonicalizeResourceList(status.capacity);
  canonicalizeResourceList(status.allocatable);
  if (!status.allocatable && status.capacity) status.allocatable = { ...status.capacity };
}

export function defaultPvc(pvc: V1PersistentVolumeClaim, creating: boolean): void {
  defaultPvcSpec(pvc.spec);
  if (pvc.status) {
    canonicalizeResourceList(pvc.status.capacity);
    canonicalizeResourceList(pvc.status.allocatedResources);
  }
  if (creating) {
    pvc.status ??= {};
    pvc.status.phase ??= 'Pending';
  }
}

export function defaultEndpoints(ep: V1Endpoints): void {
  for (const subset of ep.subsets ?? []) {
    for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
  }
}

export function defaultEndpointSlice(slice: V1EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}
