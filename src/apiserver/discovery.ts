// Discovery documents, legacy (APIVersions, APIGroupList, APIResourceList)
// and aggregated (apidiscovery.k8s.io/v2 APIGroupDiscoveryList), all derived
// from the one resource table.
import type { ResourceInfo, Subresource } from '../api/resources.ts';
import { groupVersion, groupVersions, resources, resourceVerbs } from '../api/resources.ts';

interface SubresourceShape {
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

const subresourceShapes: Record<Subresource, (r: ResourceInfo) => SubresourceShape> = {
  status: (r) => ({ kind: r.kind, verbs: ['get', 'patch', 'update'] }),
  scale: () => ({ kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }),
  binding: () => ({ kind: 'Binding', verbs: ['create'] }),
  eviction: () => ({ kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] }),
  log: (r) => ({ kind: r.kind, verbs: ['get'] }),
  exec: () => ({ kind: 'PodExecOptions', verbs: ['create', 'get'] }),
  attach: () => ({ kind: 'PodAttachOptions', verbs: ['create', 'get'] }),
  portforward: () => ({ kind: 'PodPortForwardOptions', verbs: ['create', 'get'] }),
  proxy: (r) => ({ kind: `${r.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] }),
  ephemeralcontainers: (r) => ({ kind: r.kind, verbs: ['get', 'patch', 'update'] }),
};

function verbsOf(r: ResourceInfo): string[] {
  // Events and a few others are writable by everyone; all served kinds take every verb.
  return r.kind === 'Namespace' ? resourceVerbs.filter((v) => v !== 'deletecollection') : resourceVerbs;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): object {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions()) {
    if (!gv.group) continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => apiGroupOf(name, versions)),
  };
}

function apiGroupOf(name: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroup(group: string): object | undefined {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => gv.version);
  if (!versions.length) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupOf(group, versions) };
}

export function apiResourceList(group: string, version: string): object | undefined {
  const rs = resources.filter((r) => r.group === group && r.version === version);
  if (!rs.length) return undefined;
  const out: object[] = [];
  for (const r of rs) {
    out.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const sub of r.subresources) {
      const s = subresourceShapes[sub](r);
      out.push({
        name: `${r.plural}/${sub}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: out,
  };
}

/** The aggregated form for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(core: boolean, apiVersion: 'v2' | 'v2beta1'): object {
  const byGroup = new Map<string, Map<string, ResourceInfo[]>>();
  for (const r of resources) {
    if ((r.group === '') !== core) continue;
    const versions = byGroup.get(r.group) ?? new Map<string, ResourceInfo[]>();
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
    byGroup.set(r.group, versions);
  }
  const items = [...byGroup].map(([group, versions]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: [...versions].map(([version, rs]) => ({
      version,
      resources: rs.map((r) => ({
        resource: r.plural,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: verbsOf(r),
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
        ...(r.subresources.length
          ? {
              subresources: r.subresources.map((sub) => {
                const s = subresourceShapes[sub](r);
                return {
                  subresource: sub,
                  responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
                  verbs: s.verbs,
                };
              }),
            }
          : {}),
      })),
      freshness: 'Current',
    })),
  }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items,
  };
}

/** Which aggregated discovery version the Accept header asks for, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const part of (accept ?? '').split(',')) {
    if (!part.includes('as=APIGroupDiscoveryList') || !part.includes('g=apidiscovery.k8s.io')) continue;
    if (part.includes('v=v2beta1')) return 'v2beta1';
    if (part.includes('v=v2')) return 'v2';
  }
  return undefined;
}
