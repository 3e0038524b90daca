// The resources orca serves: one entry per kind, the single table that
// discovery, OpenAPI, routing, printing and storage keys all read.

export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower case: the URL segment and storage prefix. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served (or reserved) under /NAME/. */
  subresources: Subresource[];
  /** Whether spec changes bump metadata.generation (objects with a spec/status split). */
  hasStatus: boolean;
}

export type Subresource =
  | 'status'
  | 'scale'
  | 'binding'
  | 'eviction'
  | 'log'
  | 'exec'
  | 'attach'
  | 'portforward'
  | 'proxy'
  | 'ephemeralcontainers';

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const resourceVerbs = verbs;

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: Partial<
    Pick<ResourceInfo, 'namespaced' | 'shortNames' | 'categories' | 'subresources' | 'hasStatus'>
  > = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    subresources: opts.subresources ?? [],
    hasStatus: opts.hasStatus ?? false,
  };
}

const all = ['all'];

export const resources: readonly ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status'],
    hasStatus: true,
  }),
  r('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'],
    categories: all,
    subresources: [
      'status',
      'binding',
      'eviction',
      'log',
      'exec',
      'attach',
      'portforward',
      'ephemeralcontainers',
    ],
    hasStatus: true,
  }),
  r('', 'v1', 'Node', 'nodes', {
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status', 'proxy'],
    hasStatus: true,
  }),
  r('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  r('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets'),
  r('', 'v1', 'Service', 'services', {
    shortNames: ['svc'],
    categories: all,
    subresources: ['status', 'proxy'],
    hasStatus: true,
  }),
  r('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', {
    shortNames: ['pvc'],
    subresources: ['status'],
    hasStatus: true,
  }),
  r('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: all,
    subresources: ['status', 'scale'],
    hasStatus: true,
  }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: all,
    subresources: ['status', 'scale'],
    hasStatus: true,
  }),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    categories: all,
    subresources: ['status', 'scale'],
    hasStatus: true,
  }),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', {
    shortNames: ['ds'],
    categories: all,
    subresources: ['status'],
    hasStatus: true,
  }),
  r('batch', 'v1', 'Job', 'jobs', { categories: all, subresources: ['status'], hasStatus: true }),
  r('batch', 'v1', 'CronJob', 'cronjobs', {
    shortNames: ['cj'],
    categories: all,
    subresources: ['status'],
    hasStatus: true,
  }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  r('events.k8s.io', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
];

export function groupVersion(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return resources.find((x) => x.group === group && x.version === version && x.plural === plural);
}

export function findKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((x) => groupVersion(x) === apiVersion && x.kind === kind);
}

/** Group versions in discovery order: core first, then groups as listed above. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const x of resources) {
    const gv = groupVersion(x);
    if (!seen.has(gv)) {
      seen.add(gv);
      out.push({ group: x.group, version: x.version });
    }
  }
  return out;
}

/**
 * Storage key, laid out as upstream does in etcd so that a prefix lists a
 * namespace or a whole resource: /registry/<group>/<plural>/<namespace>/<name>.
 * (Upstream stores core/v1 and events.k8s.io/v1 events together and converts
 * between them; orca keeps them apart until that conversion exists.)
 */
export function storagePrefix(info: ResourceInfo, namespace?: string): string {
  const base = info.group ? `/registry/${info.group}/${info.plural}/` : `/registry/${info.plural}/`;
  if (!info.namespaced || namespace === undefined) return base;
  return `${base}${namespace}/`;
}

export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return storagePrefix(info, info.namespaced ? (namespace ?? '') : undefined) + name;
}
