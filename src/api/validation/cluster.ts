// Nodes, PersistentVolumeClaims, Endpoints and core/v1 Events.
import type {
  V1Endpoints,
  V1Node,
  V1PersistentVolumeClaim,
  V1PersistentVolumeClaimSpec,
} from '@kubernetes/client-node';
import { compareQuantities, formatQuantity, zeroQuantity } from '../quantity.ts';
import type { StatusCause } from '../status.ts';
import { describeDiff, semanticEqual } from './compare.ts';
import { portProtocols } from './containers.ts';
import {
  child,
  duplicate,
  forbidden,
  goSyntax,
  index,
  invalid,
  invalidEach,
  key,
  notSupported,
  required,
  sorted,
} from './field.ts';
import { goStringSlice } from './go-format.ts';
import {
  validateLabelName,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.ts';
import {
  isDns1123Label,
  isLabelValue,
  isValidCidr,
  isValidIp,
  isValidPortNum,
  nameIsDnsSubdomain,
} from './names.ts';
import { entriesOf } from './object.ts';
import { parseQuantityField, validateResourceQuantity } from './resources.ts';
import { validateTaintEffect } from './scheduling.ts';

export function validateNode(node: V1Node): StatusCause[] {
  const errs = validateObjectMeta(node.metadata, { namespaced: false, nameFn: nameIsDnsSubdomain });
  const seen = new Map<string, Set<string>>();
  (node.spec?.taints ?? []).forEach((t, i) => {
    const p = index('metadata.taints', i);
    errs.push(...validateLabelName(t.key ?? '', child(p, 'key')));
    const msgs = isLabelValue(t.value ?? '');
    if (msgs.length) errs.push(invalid(child(p, 'value'), t.value ?? '', msgs.join(';')));
    errs.push(...validateTaintEffect(t.effect, false, child(p, 'effect')));
    const keys = seen.get(t.effect) ?? new Set<string>();
    if (keys.has(t.key)) {
      errs.push({
        ...duplicate(p, t),
        message: `${duplicate(p, t).message}: taints must be unique by key and effect pair`,
      });
      return;
    }
    keys.add(t.key);
    seen.set(t.effect, keys);
  });
  for (const part of ['capacity', 'allocatable'] as const) {
    for (const [name, value] of entriesOf(node.status?.[part])) {
      errs.push(...validateResourceQuantity(name, value, `status.${part}.${name}`));
    }
  }
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    errs.push(...invalidEach(index('spec.podCIDRs', i), c, isValidCidr(c)));
  });
  if (cidrs.length > 1) {
    const v6 = cidrs.map((c) => c.includes(':'));
    if (cidrs.length > 2 || v6[0] === v6[1]) {
      errs.push(
        invalid(
          'spec.podCIDRs',
          goStringSlice(cidrs),
          'may specify no more than one CIDR for each IP family',
        ),
      );
    }
    cidrs.forEach((c, i) => {
      if (cidrs.indexOf(c) !== i) errs.push(duplicate(index('spec.podCIDRs', i), c));
    });
  }
  return errs;
}

export function validateNodeUpdate(next: V1Node, old: V1Node): StatusCause[] {
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  errs.push(
    ...validateNode(next).filter(
      (e) => !e.field?.startsWith('metadata.') || e.field.startsWith('metadata.taints'),
    ),
  );
  const oldCidrs = old.spec?.podCIDRs ?? [];
  const newCidrs = next.spec?.podCIDRs ?? [];
  if (
    oldCidrs.length > 0 &&
    (oldCidrs.length !== newCidrs.length || oldCidrs.some((c, i) => c !== newCidrs[i]))
  ) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== next.spec?.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  const seen = new Set<string>();
  (next.status?.addresses ?? []).forEach((a, i) => {
    const k = `${a.type}/${a.address}`;
    if (seen.has(k)) {
      errs.push(
        duplicate(
          index('status.addresses', i),
          goSyntax(`core.NodeAddress{Type:"${a.type}", Address:"${a.address}"}`),
        ),
      );
    }
    seen.add(k);
  });
  return errs;
}

const accessModes = sorted(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']);
const volumeModes = sorted(['Block', 'Filesystem']);

export function validatePvcSpec(spec: V1PersistentVolumeClaimSpec | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const modes = spec?.accessModes ?? [];
  if (modes.length === 0)
    errs.push(required(child(path, 'accessModes'), 'at least 1 access mode is required'));
  if (spec?.selector) errs.push(...validateLabelSelector(spec.selector, child(path, 'selector')));
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!accessModes.includes(m)) errs.push(notSupported(child(path, 'accessModes'), m, accessModes));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (accessModes.includes(m)) other = true;
  }
  if (rwop && other)
    errs.push(forbidden(child(path, 'accessModes'), 'may not use ReadWriteOncePod with other access modes'));
  const storagePath = key(child(path, 'resources'), 'storage');
  const storage = spec?.resources?.requests?.storage;
  if (storage === undefined) errs.push(required(storagePath));
  else {
    const parsed = parseQuantityField(storage, storagePath);
    errs.push(...parsed.causes);
    if (parsed.quantity && compareQuantities(parsed.quantity, zeroQuantity) <= 0) {
      errs.push(invalid(storagePath, formatQuantity(parsed.quantity), 'must be greater than zero'));
    }
  }
  if (spec?.storageClassName) {
    errs.push(
      ...invalidEach(
        child(path, 'storageClassName'),
        spec.storageClassName,
        nameIsDnsSubdomain(spec.storageClassName, false),
      ),
    );
  }
  if (spec?.volumeMode !== undefined && !volumeModes.includes(spec.volumeMode)) {
    errs.push(notSupported(child(path, 'volumeMode'), spec.volumeMode, volumeModes));
  }
  return errs;
}

export function validatePvc(pvc: V1PersistentVolumeClaim): StatusCause[] {
  return [
    ...validateObjectMeta(pvc.metadata, { namespaced: true, nameFn: nameIsDnsSubdomain }),
    ...validatePvcSpec(pvc.spec, 'spec'),
  ];
}

export function validatePvcUpdate(
  next: V1PersistentVolumeClaim,
  old: V1PersistentVolumeClaim,
): StatusCause[] {
  const errs = [...validateObjectMetaUpdate(next.metadata, old.metadata), ...validatePvc(next)];
  const ns = structuredClone(next.spec ?? {});
  const os = structuredClone(old.spec ?? {});
  // The binder may set volumeName once; a bound claim may grow its request.
  if (!os.volumeName) os.volumeName = ns.volumeName;
  const bound = next.status?.phase === 'Bound';
  if (bound && ns.resources?.requests) ns.resources.requests.storage = os.resources?.requests?.storage ?? '';
  if (!semanticEqual(ns, os)) {
    errs.push(
      forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDiff(os, ns, 'spec')}`,
      ),
    );
  }
  return errs;
}

function validateEndpointAddress(
  ip: string | undefined,
  hostname: string | undefined,
  path: string,
): StatusCause[] {
  const errs = invalidEach(child(path, 'ip'), ip ?? '', isValidIp(ip ?? ''));
  if (hostname) errs.push(...invalidEach(child(path, 'hostname'), hostname, isDns1123Label(hostname)));
  if (ip && isValidIp(ip).length === 0) errs.push(...validateNonSpecialIp(ip, child(path, 'ip')));
  return errs;
}

export function validateNonSpecialIp(ip: string, path: string): StatusCause[] {
  if (ip === '0.0.0.0' || ip === '::') return [invalid(path, ip, `may not be unspecified (${ip})`)];
  if (ip.startsWith('127.') || ip === '::1')
    return [invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
  if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) {
    return [invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
  }
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) {
    return [invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
  }
  return [];
}

export function validateEndpointPort(
  port: { name?: string; port?: number; protocol?: string },
  requireName: boolean,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  if (requireName && !port.name) errs.push(required(child(path, 'name')));
  else if (port.name) errs.push(...invalidEach(child(path, 'name'), port.name, isDns1123Label(port.name)));
  errs.push(...invalidEach(child(path, 'port'), port.port ?? 0, isValidPortNum(port.port ?? 0)));
  if (!port.protocol) errs.push(required(child(path, 'protocol')));
  else if (!portProtocols.includes(port.protocol))
    errs.push(notSupported(child(path, 'protocol'), port.protocol, portProtocols));
  return errs;
}

export function validateEndpoints(ep: V1Endpoints): StatusCause[] {
  const errs = validateObjectMeta(ep.metadata, { namespaced: true, nameFn: nameIsDnsSubdomain });
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = index('subsets', i);
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length) {
      errs.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      (ss[list] ?? []).forEach((a, j) => {
        errs.push(...validateEndpointAddress(a.ip, a.hostname, index(child(p, list), j)));
      });
    }
    (ss.ports ?? []).forEach((port, j) => {
      errs.push(...validateEndpointPort(port, (ss.ports ?? []).length > 1, index(child(p, 'ports'), j)));
    });
  });
  return errs;
}
