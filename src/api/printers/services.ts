// Service discovery: services, endpoints and endpoint slices.
import type { V1EndpointSlice, V1Endpoints, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { ageColumn, column, fieldDoc, nameColumn, wideColumn } from './columns.ts';
import { formatLabels, joinHostPort, listWithMore, since } from './format.ts';
import { asModel, type Printer } from './types.ts';

/** How many addresses or ports a cell lists before summarising the rest as "+ N more...". */
const listedAtMost = 3;

/** Load-balancer ingress points: IPs or, failing those, host names; sorted and unique. */
function loadBalancerAddresses(svc: V1Service): string[] {
  const found = new Set<string>();
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    if (ingress.ip) found.add(ingress.ip);
    else if (ingress.hostname) found.add(ingress.hostname);
  }
  return [...found].sort();
}

function externalIP(svc: V1Service): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      // The server renders wide, so the list is never clipped.
      const all = [...loadBalancerAddresses(svc), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function portsText(ports: V1ServicePort[] | undefined): string {
  const text = (ports ?? [])
    .map((p) => {
      const protocol = p.protocol ?? 'TCP';
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(',');
  return text === '' ? '<none>' : text;
}

export const servicePrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Type', 'string', fieldDoc('V1ServiceSpec', 'type')),
    column('Cluster-IP', 'string', fieldDoc('V1ServiceSpec', 'clusterIP')),
    column('External-IP', 'string', fieldDoc('V1ServiceSpec', 'externalIPs')),
    column('Port(s)', 'string', fieldDoc('V1ServiceSpec', 'ports')),
    ageColumn(),
    wideColumn('Selector', 'string', fieldDoc('V1ServiceSpec', 'selector')),
  ],
  cells: (obj, now) => {
    const svc = asModel<V1Service>(obj);
    return [
      svc.metadata?.name ?? '',
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
      externalIP(svc),
      portsText(svc.spec?.ports),
      since(svc.metadata?.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

/**
 * Up to three addresses (ip:port for each port of a subset, a bare ip for a
 * subset without ports), then "+ N more...". An object with no subsets is
 * "<none>"; subsets without addresses give an empty cell.
 */
function endpointsText(ep: V1Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let total = 0;
  const add = (text: string) => {
    total++;
    if (shown.length < listedAtMost) shown.push(text);
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ports) for (const a of addresses) add(joinHostPort(a.ip, port.port));
  }
  const text = shown.join(',');
  return total > listedAtMost ? `${text} + ${total - listedAtMost} more...` : text;
}

export const endpointsPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Endpoints', 'string', fieldDoc('V1Endpoints', 'subsets')),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const ep = asModel<V1Endpoints>(obj);
    return [ep.metadata?.name ?? '', endpointsText(ep), since(ep.metadata?.creationTimestamp, now)];
  },
};

function slicePortsText(slice: V1EndpointSlice): string {
  const ports = slice.ports ?? [];
  const labels = ports.map((p) =>
    p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*'),
  );
  return listWithMore(labels.slice(0, listedAtMost), labels.length, listedAtMost);
}

function sliceEndpointsText(slice: V1EndpointSlice): string {
  const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addresses.slice(0, listedAtMost), addresses.length, listedAtMost);
}

export const endpointSlicePrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('AddressType', 'string', fieldDoc('V1EndpointSlice', 'addressType')),
    column('Ports', 'string', fieldDoc('V1EndpointSlice', 'ports')),
    column('Endpoints', 'string', fieldDoc('V1EndpointSlice', 'endpoints')),
    ageColumn(),
  ],
  cells: (obj, now) => {
    const slice = asModel<V1EndpointSlice>(obj);
    return [
      slice.metadata?.name ?? '',
      slice.addressType ?? '',
      slicePortsText(slice),
      sliceEndpointsText(slice),
      since(slice.metadata?.creationTimestamp, now),
    ];
  },
};
