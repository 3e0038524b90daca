// Validation of served objects, as upstream's registry strategies run it:
// validateCreate on create, validateUpdate (new against stored) on update.
// Both expect defaults already applied. An empty list means valid; otherwise
// the API server wraps the causes in a 422 with errors.invalid(kind, name, causes, group).
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { ResourceInfo } from '../resources.ts';
import type { StatusCause } from '../status.ts';
import {
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetUpdate,
} from './apps.ts';
import { validateCronJob, validateCronJobUpdate, validateJob, validateJobUpdate } from './batch.ts';
import {
  validateEndpoints,
  validateNode,
  validateNodeUpdate,
  validatePvc,
  validatePvcUpdate,
} from './cluster.ts';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateNamespace,
  validateNamespaceUpdate,
  validateSecret,
  validateSecretUpdate,
  validateServiceAccount,
  validateServiceAccountUpdate,
} from './config.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import {
  validateCoreEvent,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateEventsV1Event,
  validateLease,
} from './misc.ts';
import { nameIsDnsSubdomain } from './names.ts';
import type { KubeObject } from './object.ts';
import { validatePodCreate, validatePodUpdate } from './pod.ts';
import { validateService, validateServiceUpdate } from './service.ts';
import { validateStatefulSet, validateStatefulSetUpdate } from './statefulset.ts';

export type { StatusCause } from '../status.ts';
export type { KubeObject } from './object.ts';

/** What validators read: any object, seen through client-node's metadata type. */
type V1Object = { metadata?: V1ObjectMeta };
type Create = (obj: never) => StatusCause[];
type Update = (obj: never, old: never) => StatusCause[];

interface Rules {
  create: Create;
  update: Update;
}

function thenRevalidate(create: Create): Update {
  return (next, old) => [
    ...validateObjectMetaUpdate((next as V1Object).metadata, (old as V1Object).metadata),
    ...create(next),
  ];
}

/** Rules by "group/kind"; core kinds have an empty group. */
const rules: Record<string, Rules> = {
  '/Pod': { create: validatePodCreate, update: validatePodUpdate },
  '/Namespace': { create: validateNamespace, update: validateNamespaceUpdate },
  '/Node': { create: validateNode, update: validateNodeUpdate },
  '/Event': { create: validateCoreEvent, update: thenRevalidate(validateCoreEvent) },
  '/ConfigMap': { create: validateConfigMap, update: validateConfigMapUpdate },
  '/Secret': { create: validateSecret, update: validateSecretUpdate },
  '/Service': { create: validateService, update: validateServiceUpdate },
  '/Endpoints': { create: validateEndpoints, update: thenRevalidate(validateEndpoints) },
  '/ServiceAccount': { create: validateServiceAccount, update: validateServiceAccountUpdate },
  '/PersistentVolumeClaim': { create: validatePvc, update: validatePvcUpdate },
  'apps/Deployment': { create: validateDeployment, update: validateDeploymentUpdate },
  'apps/ReplicaSet': { create: validateReplicaSet, update: validateReplicaSetUpdate },
  'apps/StatefulSet': { create: validateStatefulSet, update: validateStatefulSetUpdate },
  'apps/DaemonSet': { create: validateDaemonSet, update: validateDaemonSetUpdate },
  'batch/Job': { create: validateJob, update: validateJobUpdate },
  'batch/CronJob': { create: validateCronJob, update: validateCronJobUpdate },
  'coordination.k8s.io/Lease': { create: validateLease, update: thenRevalidate(validateLease) },
  'events.k8s.io/Event': { create: validateEventsV1Event, update: thenRevalidate(validateEventsV1Event) },
  'discovery.k8s.io/EndpointSlice': { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
};

function rulesFor(info: ResourceInfo): Rules {
  const found = rules[`${info.group}/${info.kind}`];
  if (found) return found;
  // A kind without its own rules still gets the metadata checks every object has.
  const meta = (obj: V1Object) =>
    validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameFn: nameIsDnsSubdomain });
  return { create: meta as Create, update: thenRevalidate(meta as Create) };
}

export function validateCreate(info: ResourceInfo, obj: KubeObject): StatusCause[] {
  return rulesFor(info).create(obj as never);
}

export function validateUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): StatusCause[] {
  return rulesFor(info).update(obj as never, old as never);
}

export { CronError, type CronSchedule, parseCronSchedule } from './cron.ts';
export { selectorMatches } from './meta.ts';
export { podUpdateForbiddenIntro } from './pod.ts';
