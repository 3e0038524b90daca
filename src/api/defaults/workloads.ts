// Defaults for apps/v1 and batch/v1 workloads. Their pod templates get the
// shared pod-spec defaults but none of the Pod-only ones.
import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { orInit } from '../validation/object.ts';
import { defaultPodSpec } from './pod-spec.ts';
import { defaultPvcSpec } from './volumes.ts';

const maxInt32 = 2147483647;
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';

export function defaultDeployment(d: V1Deployment): void {
  const spec = orInit(d, 'spec', () => ({}) as NonNullable<V1Deployment['spec']>);
  spec.replicas ??= 1;
  const strategy = orInit(spec, 'strategy', () => ({}));
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = orInit(strategy, 'rollingUpdate', () => ({}));
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodSpec(spec.template?.spec);
}

export function defaultReplicaSet(rs: V1ReplicaSet): void {
  const spec = orInit(rs, 'spec', () => ({}) as NonNullable<V1ReplicaSet['spec']>);
  spec.replicas ??= 1;
  defaultPodSpec(spec.template?.spec);
}

export function defaultStatefulSet(ss: V1StatefulSet): void {
  const spec = orInit(ss, 'spec', () => ({}) as NonNullable<V1StatefulSet['spec']>);
  spec.podManagementPolicy ||= 'OrderedReady';
  const us = orInit(spec, 'updateStrategy', () => ({}));
  if (!us.type) {
    us.type = 'RollingUpdate';
    us.rollingUpdate ??= {};
  }
  if (us.type === 'RollingUpdate' && us.rollingUpdate) us.rollingUpdate.partition ??= 0;
  const retention = orInit(spec, 'persistentVolumeClaimRetentionPolicy', () => ({}));
  retention.whenDeleted ||= 'Retain';
  retention.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodSpec(spec.template?.spec);
  for (const claim of spec.volumeClaimTemplates ?? []) {
    defaultPvcSpec(claim.spec);
    claim.status ??= {};
    claim.status.phase ??= 'Pending';
  }
}

export function defaultDaemonSet(ds: V1DaemonSet): void {
  const spec = orInit(ds, 'spec', () => ({}) as NonNullable<V1DaemonSet['spec']>);
  const us = orInit(spec, 'updateStrategy', () => ({}));
  us.type ||= 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = orInit(us, 'rollingUpdate', () => ({}));
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodSpec(spec.template?.spec);
}

/**
 * Unless the user manages the selector, a Job selects its pods by its own
 * uid, and its template carries both the current and the legacy labels.
 * Needs metadata.uid; without one nothing is generated (validation then
 * reports the missing selector).
 */
function generateJobSelector(job: V1Job): void {
  const spec = job.spec;
  const uid = job.metadata?.uid;
  if (!spec || spec.manualSelector === true || !uid) return;
  const name = job.metadata?.name ?? '';
  const template = orInit(spec, 'template', () => ({}));
  const tplMeta = orInit(template, 'metadata', () => ({}));
  const labels = orInit(tplMeta, 'labels', () => ({}));
  labels[controllerUidLabel] ??= uid;
  labels[jobNameLabel] ??= name;
  labels['controller-uid'] ??= uid;
  labels['job-name'] ??= name;
  const selector = orInit(spec, 'selector', () => ({}));
  const matchLabels = orInit(selector, 'matchLabels', () => ({}));
  if (!Object.hasOwn(matchLabels, controllerUidLabel)) matchLabels[controllerUidLabel] = uid;
}

export function defaultJob(job: V1Job): void {
  const spec = orInit(job, 'spec', () => ({}) as NonNullable<V1Job['spec']>);
  if (
    (spec.completions === undefined || spec.completions === null) &&
    (spec.parallelism === undefined || spec.parallelism === null)
  ) {
    spec.completions = 1;
  }
  spec.parallelism ??= 1;
  // Per-index backoff replaces the global limit, which then never triggers.
  spec.backoffLimit ??=
    spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? maxInt32 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  const meta = orInit(job, 'metadata', () => ({}));
  if (templateLabels && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...templateLabels };
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= false;
  generateJobSelector(job);
  defaultPodSpec(spec.template?.spec);
}

export function defaultCronJob(cj: V1CronJob): void {
  const spec = orInit(cj, 'spec', () => ({}) as NonNullable<V1CronJob['spec']>);
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodSpec(spec.jobTemplate?.spec?.template?.spec);
}
