// Service defaults, and the hooks the API server uses around allocation:
// which cluster IPs and node ports a service still needs, and carrying
// allocated values over when an update leaves them out.
import type { V1Service, V1ServiceSpec } from '@kubernetes/client-node';
import { orInit } from '../validation/object.ts';

export type IpFamily = 'IPv4' | 'IPv6';

// ClientIP affinity lasts three hours unless told otherwise.
const defaultAffinityTimeoutSeconds = 10800;

function externallyAccessible(spec: V1ServiceSpec): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0)
  );
}

function isHeadlessRequest(spec: V1ServiceSpec): boolean {
  return spec.clusterIP === 'None' || (spec.clusterIPs?.length === 1 && spec.clusterIPs[0] === 'None');
}

/**
 * Defaults for a service on a single-stack cluster whose family is
 * `clusterFamily`. Allocation itself is the API server's: see clusterIPsToAllocate.
 */
export function defaultService(svc: V1Service, clusterFamily: IpFamily = 'IPv4'): void {
  const spec = orInit(svc, 'spec', () => ({}));
  spec.sessionAffinity ||= 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (
    spec.sessionAffinity === 'ClientIP' &&
    spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined
  ) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: defaultAffinityTimeoutSeconds } };
  }
  spec.type ||= 'ClusterIP';
  for (const port of spec.ports ?? []) {
    port.protocol ||= 'TCP';
    if (
      port.targetPort === undefined ||
      port.targetPort === null ||
      port.targetPort === 0 ||
      port.targetPort === ''
    ) {
      port.targetPort = port.port;
    }
  }
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
  if (
    spec.internalTrafficPolicy === undefined &&
    ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)
  ) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  // clusterIP and clusterIPs[0] are the same value; either may be given.
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
  if (spec.type !== 'ExternalName') defaultIpFamilies(spec, clusterFamily);
  svc.status ??= {};
  svc.status.loadBalancer ??= {};
}

function defaultIpFamilies(spec: V1ServiceSpec, clusterFamily: IpFamily): void {
  const headlessSelectorless = isHeadlessRequest(spec) && Object.keys(spec.selector ?? {}).length === 0;
  // Headless services without a selector publish whatever endpoints they are given, so they default to both families.
  spec.ipFamilyPolicy ??= headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  const families = orInit(spec, 'ipFamilies', () => []);
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (ip === 'None' || i < families.length) return;
    families.push(ip.includes(':') ? 'IPv6' : 'IPv4');
  });
  if (families.length === 0) families.push(clusterFamily);
  if (headlessSelectorless && spec.ipFamilyPolicy !== 'SingleStack' && families.length < 2) {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
}

/** What allocation a service still needs after defaulting and validation. */
export interface ServiceAllocationNeeds {
  /** Families for which a cluster IP must be allocated, in clusterIPs order. */
  clusterIPFamilies: IpFamily[];
  /** Cluster IPs the user asked for explicitly, to be reserved (by family). */
  requestedClusterIPs: string[];
  /** Indexes into spec.ports whose nodePort must be allocated. */
  nodePortIndexes: number[];
  /** Whether spec.healthCheckNodePort must be allocated. */
  healthCheckNodePort: boolean;
}

export function serviceAllocationNeeds(svc: V1Service): ServiceAllocationNeeds {
  const spec = svc.spec ?? {};
  const needs: ServiceAllocationNeeds = {
    clusterIPFamilies: [],
    requestedClusterIPs: [],
    nodePortIndexes: [],
    healthCheckNodePort: false,
  };
  if (spec.type !== 'ExternalName' && !isHeadlessRequest(spec)) {
    const ips = spec.clusterIPs ?? [];
    const families =
      spec.ipFamilyPolicy === 'SingleStack' ? (spec.ipFamilies ?? []).slice(0, 1) : (spec.ipFamilies ?? []);
    families.forEach((f, i) => {
      if (ips[i]) needs.requestedClusterIPs.push(ips[i]);
      else needs.clusterIPFamilies.push(f as IpFamily);
    });
  }
  const wantsNodePorts =
    spec.type === 'NodePort' ||
    (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  if (wantsNodePorts) {
    (spec.ports ?? []).forEach((p, i) => {
      if (!p.nodePort) needs.nodePortIndexes.push(i);
    });
  }
  needs.healthCheckNodePort =
    spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' && !spec.healthCheckNodePort;
  return needs;
}

/** Records allocated cluster IPs (appended in family order) on the service. */
export function assignClusterIPs(svc: V1Service, allocated: string[]): void {
  const spec = orInit(svc, 'spec', () => ({}));
  const ips = [...(spec.clusterIPs ?? []).filter((ip) => ip !== ''), ...allocated];
  spec.clusterIPs = ips;
  spec.clusterIP = ips[0];
}

/**
 * On update, a client that sends the service without its allocated values
 * (a PUT from a manifest) keeps them, as upstream does; otherwise the
 * immutability checks would reject nearly every replace.
 */
export function carryOverServiceAllocations(next: V1Service, old: V1Service): void {
  const ns = orInit(next, 'spec', () => ({}));
  const os = old.spec ?? {};
  const hadIps = os.type !== 'ExternalName' && !!os.clusterIP;
  if (hadIps && ns.type !== 'ExternalName' && !ns.clusterIP && !ns.clusterIPs?.length) {
    ns.clusterIP = os.clusterIP;
    ns.clusterIPs = os.clusterIPs ? [...os.clusterIPs] : [os.clusterIP as string];
  }
  if (ns.ipFamilyPolicy === undefined && os.ipFamilyPolicy !== undefined && ns.type !== 'ExternalName') {
    ns.ipFamilyPolicy = os.ipFamilyPolicy;
  }
  if (!ns.ipFamilies?.length && os.ipFamilies?.length && ns.type !== 'ExternalName')
    ns.ipFamilies = [...os.ipFamilies];
  const keepsNodePorts = ns.type === 'NodePort' || ns.type === 'LoadBalancer';
  if (keepsNodePorts) {
    for (const port of ns.ports ?? []) {
      if (port.nodePort) continue;
      const match = (os.ports ?? []).find(
        (o) => o.port === port.port && (o.protocol ?? 'TCP') === (port.protocol ?? 'TCP'),
      );
      if (match?.nodePort) port.nodePort = match.nodePort;
    }
    if (!ns.healthCheckNodePort && os.healthCheckNodePort) ns.healthCheckNodePort = os.healthCheckNodePort;
  }
}
