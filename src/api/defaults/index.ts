// Defaulting of served objects: what upstream's defaulters, registry
// strategies and default admission plugins fill in before validation.
// applyDefaults mutates the decoded object in place.
import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1Endpoints,
  V1Job,
  V1Namespace,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { ResourceInfo } from '../resources.ts';
import type { KubeObject } from '../validation/object.ts';
import {
  defaultEndpointSlice,
  defaultEndpoints,
  defaultNamespace,
  defaultNode,
  defaultPvc,
  defaultSecret,
} from './core.ts';
import { defaultPod } from './pod.ts';
import { defaultService, type IpFamily } from './service.ts';
import {
  defaultCronJob,
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultStatefulSet,
} from './workloads.ts';

export interface DefaultOptions {
  /**
   * Whether the object is being created or updated. Some defaults (a pod's
   * initial status and admission defaults, a namespace's finalizer) apply on
   * create only. When not given: create if the object has no resourceVersion.
   */
  operation?: 'create' | 'update';
  /** The cluster's service IP family (single-stack). Default IPv4. */
  serviceIPFamily?: IpFamily;
}

// Kinds whose status is a struct upstream always serialises, so a new object shows `status: {}`.
const emptyStatusKinds = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
]);

/** The typed view of a decoded object; the shape is trusted only as far as each defaulter checks it. */
function view<T>(obj: KubeObject): T {
  return obj as unknown as T;
}

export function applyDefaults(info: ResourceInfo, obj: KubeObject, options: DefaultOptions = {}): void {
  const creating = options.operation ? options.operation === 'create' : !obj.metadata?.resourceVersion;
  const kind = `${info.group}/${info.kind}`;
  switch (kind) {
    case '/Pod':
      defaultPod(view<V1Pod>(obj), { creating });
      break;
    case '/Namespace':
      defaultNamespace(view<V1Namespace>(obj), creating);
      break;
    case '/Secret':
      defaultSecret(view<V1Secret>(obj));
      break;
    case '/Service':
      defaultService(view<V1Service>(obj), options.serviceIPFamily);
      break;
    case '/Node':
      defaultNode(view<V1Node>(obj));
      break;
    case '/PersistentVolumeClaim':
      defaultPvc(view<V1PersistentVolumeClaim>(obj), creating);
      break;
    case '/Endpoints':
      defaultEndpoints(view<V1Endpoints>(obj));
      break;
    case 'discovery.k8s.io/EndpointSlice':
      defaultEndpointSlice(view<V1EndpointSlice>(obj));
      break;
    case 'apps/Deployment':
      defaultDeployment(view<V1Deployment>(obj));
      break;
    case 'apps/ReplicaSet':
      defaultReplicaSet(view<V1ReplicaSet>(obj));
      break;
    case 'apps/StatefulSet':
      defaultStatefulSet(view<V1StatefulSet>(obj));
      break;
    case 'apps/DaemonSet':
      defaultDaemonSet(view<V1DaemonSet>(obj));
      break;
    case 'batch/Job':
      defaultJob(view<V1Job>(obj));
      break;
    case 'batch/CronJob':
      defaultCronJob(view<V1CronJob>(obj));
      break;
  }
  if (creating && emptyStatusKinds.has(kind)) obj.status ??= {};
}

export { defaultPullPolicy, parseImageRef } from './containers.ts';
export { namespaceNameLabel } from './core.ts';
export {
  assignClusterIPs,
  carryOverServiceAllocations,
  type IpFamily,
  type ServiceAllocationNeeds,
  serviceAllocationNeeds,
} from './service.ts';
export { controllerUidLabel, jobNameLabel } from './workloads.ts';
