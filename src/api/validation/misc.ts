// Events (core/v1 and events.k8s.io/v1), Leases and EndpointSlices.
import type { CoreV1Event, EventsV1Event, V1EndpointSlice, V1Lease } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { validateEndpointPort, validateNonSpecialIp } from './cluster.ts';
import {
  child,
  duplicate,
  fieldImmutable,
  index,
  invalid,
  invalidEach,
  notSupported,
  required,
  tooMany,
} from './field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, nameIsDnsSubdomain } from './names.ts';

const subdomainMeta = { namespaced: true, nameFn: nameIsDnsSubdomain };

/** The fields both event APIs share, in the core/v1 vocabulary upstream validates in. */
interface EventView {
  namespace: string;
  involvedNamespace: string;
  eventTime?: unknown;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  message: string;
  type?: string;
}

function lengthLimit(field: string, value: string, max: number): StatusCause[] {
  return value.length > max ? [invalid(field, '', `can have at most ${max} characters`)] : [];
}

/** Rules every event passes, whichever API wrote it. */
function legacyEventRules(ev: EventView, reportingField: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!ev.eventTime) {
    const ok =
      ev.involvedNamespace === ''
        ? ev.namespace === '' || ev.namespace === 'default'
        : ev.namespace === ev.involvedNamespace;
    if (!ok)
      errs.push(invalid('involvedObject.namespace', ev.involvedNamespace, 'does not match event.namespace'));
  } else {
    if (ev.involvedNamespace === '' && ev.namespace !== 'default' && ev.namespace !== 'kube-system') {
      errs.push(invalid('involvedObject.namespace', ev.involvedNamespace, 'does not match event.namespace'));
    }
    if (!ev.reportingController) errs.push(required(reportingField));
    errs.push(
      ...invalidEach(reportingField, ev.reportingController, isQualifiedName(ev.reportingController)),
    );
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    errs.push(...lengthLimit('reportingInstance', ev.reportingInstance, 128));
    if (!ev.action) errs.push(required('action'));
    errs.push(...lengthLimit('action', ev.action, 128));
    if (!ev.reason) errs.push(required('reason'));
    errs.push(...lengthLimit('reason', ev.reason, 128));
    errs.push(...lengthLimit('message', ev.message, 1024));
  }
  errs.push(...invalidEach('namespace', ev.namespace, isDns1123Subdomain(ev.namespace)));
  return errs;
}

export function validateCoreEvent(ev: CoreV1Event): StatusCause[] {
  return legacyEventRules(
    {
      namespace: ev.metadata?.namespace ?? '',
      involvedNamespace: ev.involvedObject?.namespace ?? '',
      eventTime: ev.eventTime,
      reportingController: ev.reportingComponent ?? '',
      reportingInstance: ev.reportingInstance ?? '',
      action: ev.action ?? '',
      reason: ev.reason ?? '',
      message: ev.message ?? '',
      type: ev.type,
    },
    'reportingComponent',
  );
}

/** events.k8s.io/v1 is strict: a new-style event with its reporter and time. */
export function validateEventsV1Event(ev: EventsV1Event): StatusCause[] {
  const errs = legacyEventRules(
    {
      namespace: ev.metadata?.namespace ?? '',
      involvedNamespace: ev.regarding?.namespace ?? '',
      eventTime: ev.eventTime,
      reportingController: ev.reportingController ?? '',
      reportingInstance: ev.reportingInstance ?? '',
      action: ev.action ?? '',
      reason: ev.reason ?? '',
      message: ev.note ?? '',
      type: ev.type,
    },
    'reportingController',
  );
  errs.push(...validateObjectMeta(ev.metadata, subdomainMeta));
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning')
    errs.push(invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.deprecatedFirstTimestamp) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedLastTimestamp) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedCount) errs.push(invalid('count', '', 'needs to be unset'));
  if (ev.deprecatedSource?.component || ev.deprecatedSource?.host)
    errs.push(invalid('source', '', 'needs to be unset'));
  if (ev.series) {
    if ((ev.series.count ?? 0) < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  }
  return errs;
}

export function validateLease(lease: V1Lease): StatusCause[] {
  const errs = validateObjectMeta(lease.metadata, subdomainMeta);
  const spec = lease.spec;
  if (spec?.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec?.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

const addressTypes = ['IPv4', 'IPv6', 'FQDN'];

function validateSliceAddress(addressType: string, addr: string, path: string): StatusCause[] {
  switch (addressType) {
    case 'IPv4':
      return /^(\d{1,3}\.){3}\d{1,3}$/.test(addr) && addr.split('.').every((o) => Number(o) <= 255)
        ? validateNonSpecialIp(addr, path)
        : [invalid(path, addr, 'must be a valid IPv4 address')];
    case 'IPv6':
      return addr.includes(':')
        ? validateNonSpecialIp(addr, path)
        : [invalid(path, addr, 'must be a valid IPv6 address')];
    case 'FQDN':
      return invalidEach(path, addr, isDns1123Subdomain(addr));
    default:
      return [];
  }
}

export function validateEndpointSlice(slice: V1EndpointSlice): StatusCause[] {
  const errs = validateObjectMeta(slice.metadata, subdomainMeta);
  const type = slice.addressType ?? '';
  if (!type) errs.push(required('addressType'));
  else if (!addressTypes.includes(type)) errs.push(notSupported('addressType', type, addressTypes));
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > 1000) errs.push(tooMany('endpoints', endpoints.length, 1000));
  endpoints.forEach((ep, i) => {
    const p = index('endpoints', i);
    const addrs = ep.addresses ?? [];
    if (addrs.length === 0) errs.push(required(child(p, 'addresses'), 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(tooMany(child(p, 'addresses'), addrs.length, 100));
    addrs.forEach((a, j) => {
      errs.push(...validateSliceAddress(type, a, index(child(p, 'addresses'), j)));
    });
    if (ep.hostname)
      errs.push(...invalidEach(child(p, 'hostname'), ep.hostname, isDns1123Label(ep.hostname)));
    if (ep.nodeName)
      errs.push(...invalidEach(child(p, 'nodeName'), ep.nodeName, isDns1123Subdomain(ep.nodeName)));
  });
  const ports = slice.ports ?? [];
  if (ports.length > 20000) errs.push(tooMany('ports', ports.length, 20000));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = index('ports', i);
    const name = port.name ?? '';
    if (name) errs.push(...invalidEach(child(p, 'name'), name, isDns1123Label(name)));
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    names.add(name);
    // Slice ports may leave the number out ("all ports"); only a given one is range-checked.
    const numbered = port.port === undefined || port.port === null ? { ...port, port: 1 } : port;
    errs.push(
      ...validateEndpointPort({ ...numbered, name: undefined }, false, p).filter(
        (e) => !e.field?.endsWith('.name'),
      ),
    );
    if (port.appProtocol !== undefined) {
      errs.push(...invalidEach(child(p, 'appProtocol'), port.appProtocol, isQualifiedName(port.appProtocol)));
    }
  });
  return errs;
}

export function validateEndpointSliceUpdate(next: V1EndpointSlice, old: V1EndpointSlice): StatusCause[] {
  const errs = [...validateObjectMetaUpdate(next.metadata, old.metadata), ...validateEndpointSlice(next)];
  if (next.addressType !== old.addressType)
    errs.push(invalid('addressType', next.addressType ?? '', fieldImmutable));
  return errs;
}
