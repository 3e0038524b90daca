// Services: ports, type, selector, session affinity, cluster IPs and IP
// families. A service's cluster IPs never change once allocated.

import type { V1Service, V1ServicePort, V1ServiceSpec } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { portProtocols } from './containers.ts';
import {
  child,
  duplicate,
  forbidden,
  goQuote,
  goSyntax,
  index,
  invalid,
  invalidEach,
  notSupported,
  required,
  sorted,
} from './field.ts';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import {
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidCidr,
  isValidIp,
  isValidPortNum,
  nameIsDns1035Label,
} from './names.ts';
import { validatePortNumOrName } from './probes.ts';
import {
  isHeadless,
  validateClusterIPs,
  validateClusterIPsUpdate,
  validateIpFamiliesUpdate,
} from './service-ips.ts';

const serviceTypes = sorted(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
const affinities = sorted(['ClientIP', 'None']);
const trafficPolicies = sorted(['Cluster', 'Local']);
const maxAffinitySeconds = 86400;

/** NodePort and LoadBalancer services, and ClusterIP ones with external IPs, take outside traffic. */
export function externallyAccessible(spec: V1ServiceSpec | undefined): boolean {
  return (
    spec?.type === 'LoadBalancer' ||
    spec?.type === 'NodePort' ||
    (spec?.type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0)
  );
}

function validatePort(
  sp: V1ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  if (requireName && !sp.name) errs.push(required(child(path, 'name')));
  else if (sp.name) {
    errs.push(...invalidEach(child(path, 'name'), sp.name, isDns1123Label(sp.name)));
    if (names.has(sp.name)) errs.push(duplicate(child(path, 'name'), sp.name));
    else names.add(sp.name);
  }
  errs.push(...invalidEach(child(path, 'port'), sp.port ?? 0, isValidPortNum(sp.port ?? 0)));
  if (!sp.protocol) errs.push(required(child(path, 'protocol')));
  else if (!portProtocols.includes(sp.protocol))
    errs.push(notSupported(child(path, 'protocol'), sp.protocol, portProtocols));
  errs.push(...validatePortNumOrName(sp.targetPort ?? 0, child(path, 'targetPort')));
  if (sp.appProtocol !== undefined)
    errs.push(...invalidEach(child(path, 'appProtocol'), sp.appProtocol, isQualifiedName(sp.appProtocol)));
  return errs;
}

export function validateService(svc: V1Service): StatusCause[] {
  const errs = validateObjectMeta(svc.metadata, { namespaced: true, nameFn: nameIsDns1035Label });
  const spec: V1ServiceSpec = svc.spec ?? {};
  const headless = isHeadless(spec);
  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(required('spec.ports'));
  switch (spec.type) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) {
        errs.push(
          invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`),
        );
      }
      break;
    case 'ExternalName': {
      if (spec.clusterIPs?.length)
        errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (spec.ipFamilies?.length)
        errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined)
        errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      const cname = (spec.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...invalidEach('spec.externalName', cname, isDns1123Subdomain(cname)));
      else errs.push(required('spec.externalName'));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validatePort(p, ports.length > 1, names, index('spec.ports', i)));
  });
  if (spec.selector) errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (!spec.sessionAffinity) errs.push(required('spec.sessionAffinity'));
  else if (!affinities.includes(spec.sessionAffinity))
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, affinities));
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const timeout = cfg?.clientIP?.timeoutSeconds;
    if (!cfg) errs.push(required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!cfg.clientIP)
      errs.push(required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else if (timeout === undefined) {
      errs.push(
        required(
          'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
          'when session affinity type is ClientIP',
        ),
      );
    } else if (timeout <= 0 || timeout > maxAffinitySeconds) {
      errs.push(
        invalid(
          'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
          timeout,
          `must be greater than 0 and less than ${maxAffinitySeconds}`,
        ),
      );
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    errs.push(...invalidEach(index('spec.externalIPs', i), ip, isValidIp(ip)));
  });
  if (!spec.type) errs.push(required('spec.type'));
  else if (!serviceTypes.includes(spec.type)) errs.push(notSupported('spec.type', spec.type, serviceTypes));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort)
        errs.push(
          forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"),
        );
    });
  }
  const nodePorts = new Set<string>();
  const servicePorts = new Set<string>();
  ports.forEach((p, i) => {
    if (p.nodePort) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(child(index('spec.ports', i), 'nodePort'), p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol}/${p.port}`;
    if (servicePorts.has(k)) {
      // Upstream reports the (protocol, port) key struct it compared, printed by Go.
      const key = `core.ServicePort{Name:"", Protocol:${goQuote(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
      errs.push(duplicate(index('spec.ports', i), goSyntax(key)));
    }
    servicePorts.add(k);
  });
  if (spec.loadBalancerSourceRanges?.length) {
    if (spec.type !== 'LoadBalancer') {
      errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    }
    spec.loadBalancerSourceRanges.forEach((r, i) => {
      const v = r.trim();
      errs.push(...invalidEach(index('spec.LoadBalancerSourceRanges', i), v, isValidCidr(v)));
    });
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(
      forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"),
    );
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) {
    errs.push(required('allocateLoadBalancerNodePorts'));
  }
  if (spec.loadBalancerClass !== undefined && spec.type !== 'LoadBalancer') {
    errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy) {
      errs.push(
        invalid(
          'spec.externalTrafficPolicy',
          spec.externalTrafficPolicy,
          'may only be set for externally-accessible services',
        ),
      );
    }
  } else if (!spec.externalTrafficPolicy) errs.push(required('spec.externalTrafficPolicy'));
  else if (!trafficPolicies.includes(spec.externalTrafficPolicy)) {
    errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, trafficPolicies));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type ?? '')) {
    errs.push(required('spec.internalTrafficPolicy'));
  }
  if (itp !== undefined && !trafficPolicies.includes(itp))
    errs.push(notSupported('spec.internalTrafficPolicy', itp, trafficPolicies));
  return errs;
}

export function validateServiceUpdate(next: V1Service, old: V1Service): StatusCause[] {
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  errs.push(...validateClusterIPsUpdate(ns, os));
  errs.push(...validateIpFamiliesUpdate(ns, os));
  if (
    os.type === 'LoadBalancer' &&
    ns.type === 'LoadBalancer' &&
    (os.loadBalancerClass ?? null) !== (ns.loadBalancerClass ?? null)
  ) {
    errs.push(invalid('spec.loadBalancerClass', ns.loadBalancerClass ?? null, 'may not change once set'));
  }
  errs.push(...validateService(next));
  return errs;
}
