// The fields each resource can be filtered on with a field selector, and
// their values for one object, as upstream's per-resource field label
// conversion functions define them.
import type { KubeObject } from './object.ts';
import type { ResourceInfo } from './resources.ts';

type Extractor = (o: KubeObject) => Record<string, string>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

const perResource: Record<string, Extractor> = {
  '/pods': (o) => ({
    'spec.nodeName': str(o.spec?.nodeName),
    'spec.restartPolicy': str(o.spec?.restartPolicy),
    'spec.schedulerName': str(o.spec?.schedulerName),
    'spec.serviceAccountName': str(o.spec?.serviceAccountName),
    'spec.hostNetwork': String(Boolean(o.spec?.hostNetwork)),
    'status.phase': str(o.status?.phase),
    'status.podIP': str(o.status?.podIP),
    'status.nominatedNodeName': str(o.status?.nominatedNodeName),
  }),
  '/events': (o) => ({
    'involvedObject.kind': str(o.involvedObject?.kind),
    'involvedObject.namespace': str(o.involvedObject?.namespace),
    'involvedObject.name': str(o.involvedObject?.name),
    'involvedObject.uid': str(o.involvedObject?.uid),
    'involvedObject.apiVersion': str(o.involvedObject?.apiVersion),
    'involvedObject.resourceVersion': str(o.involvedObject?.resourceVersion),
    'involvedObject.fieldPath': str(o.involvedObject?.fieldPath),
    reason: str(o.reason),
    reportingComponent: str(o.reportingComponent),
    source: str(o.source?.component),
    type: str(o.type),
  }),
  'events.k8s.io/events': (o) => ({
    'regarding.kind': str(o.regarding?.kind),
    'regarding.namespace': str(o.regarding?.namespace),
    'regarding.name': str(o.regarding?.name),
    'regarding.uid': str(o.regarding?.uid),
    reason: str(o.reason),
    reportingController: str(o.reportingController),
    type: str(o.type),
  }),
  '/secrets': (o) => ({ type: str(o.type) }),
  '/nodes': (o) => ({ 'spec.unschedulable': String(Boolean(o.spec?.unschedulable)) }),
  '/namespaces': (o) => ({ 'status.phase': str(o.status?.phase) }),
  '/replicationcontrollers': (o) => ({ 'status.replicas': str(o.status?.replicas) }),
  'apps/replicasets': (o) => ({ 'status.replicas': str(o.status?.replicas) }),
  'batch/jobs': (o) => ({ 'status.successful': str(o.status?.succeeded ?? 0) }),
};

const sample: KubeObject = { metadata: {} };
const supportedCache = new Map<string, ReadonlySet<string>>();

export function selectableFields(info: ResourceInfo, o: KubeObject): Record<string, string> {
  const base: Record<string, string> = { 'metadata.name': str(o.metadata.name) };
  if (info.namespaced) base['metadata.namespace'] = str(o.metadata.namespace);
  const extra = perResource[`${info.group}/${info.plural}`];
  return extra ? { ...base, ...extra(o) } : base;
}

export function supportedFields(info: ResourceInfo): ReadonlySet<string> {
  const id = `${info.group}/${info.plural}`;
  let s = supportedCache.get(id);
  if (!s) {
    s = new Set(
      Object.keys(selectableFields(info, sample)).concat(info.namespaced ? [] : ['metadata.namespace']),
    );
    supportedCache.set(id, s);
  }
  return s;
}
