// apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet. Each
// owns pods through a selector that must match its template and may not
// change afterwards.
import type {
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1PodTemplateSpec,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { semanticEqual } from './compare.ts';
import {
  child,
  fieldImmutable,
  forbidden,
  invalid,
  invalidEach,
  nonNegative,
  notSupported,
  required,
} from './field.ts';
import { goLabelSelector, goStringMap } from './go-format.ts';
import {
  selectorIsEmpty,
  selectorMatches,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.ts';
import { isValidPercent, nameIsDnsSubdomain } from './names.ts';
import { validatePodTemplateSpec } from './pod.ts';

export const workloadMeta = { namespaced: true, nameFn: nameIsDnsSubdomain };

/** Selector present, well formed, not empty, and matching the template's labels. */
export function validateSelectorAndTemplate(
  selector: V1LabelSelector | undefined,
  template: V1PodTemplateSpec | undefined,
  kind: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!selector) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(selector, 'spec.selector'));
    if (selectorIsEmpty(selector)) {
      errs.push(invalid('spec.selector', goLabelSelector(selector), `empty selector is invalid for ${kind}`));
    }
  }
  if (selector && !selectorIsEmpty(selector) && !selectorMatches(selector, template?.metadata?.labels)) {
    errs.push(
      invalid(
        'spec.template.metadata.labels',
        goStringMap(template?.metadata?.labels),
        '`selector` does not match template `labels`',
      ),
    );
  }
  return errs;
}

/** Template rules for controllers whose pods always restart. */
export function validateRestartingTemplate(
  template: V1PodTemplateSpec | undefined,
  owner: string,
): StatusCause[] {
  const errs = validatePodTemplateSpec(template, 'spec.template');
  const policy = template?.spec?.restartPolicy ?? '';
  if (policy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', policy, ['Always']));
  if (template?.spec?.activeDeadlineSeconds !== undefined && template.spec.activeDeadlineSeconds !== null) {
    errs.push(
      forbidden(
        'spec.template.spec.activeDeadlineSeconds',
        `activeDeadlineSeconds in ${owner} is not Supported`,
      ),
    );
  }
  return errs;
}

function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && isValidPercent(v).length === 0 ? Number(v.slice(0, -1)) : undefined;
}

export function validateIntOrPercent(v: unknown, path: string): StatusCause[] {
  if (typeof v === 'string') return invalidEach(path, v, isValidPercent(v));
  if (typeof v === 'number') return nonNegative(path, v);
  return v === undefined ? [] : [invalid(path, null, "must be an integer or percentage (e.g '5%%')")];
}

function validateRollingUpdate(
  ru: { maxUnavailable?: unknown; maxSurge?: unknown },
  path: string,
): StatusCause[] {
  const errs = [
    ...validateIntOrPercent(ru.maxUnavailable, child(path, 'maxUnavailable')),
    ...validateIntOrPercent(ru.maxSurge, child(path, 'maxSurge')),
  ];
  const amount = (v: unknown) => percentValue(v) ?? (typeof v === 'number' ? v : 0);
  if (amount(ru.maxUnavailable) === 0 && amount(ru.maxSurge) === 0) {
    errs.push(
      invalid(
        child(path, 'maxUnavailable'),
        ru.maxUnavailable as string,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  const pct = percentValue(ru.maxUnavailable);
  if (pct !== undefined && pct > 100) {
    errs.push(
      invalid(child(path, 'maxUnavailable'), ru.maxUnavailable as string, 'must not be greater than 100%'),
    );
  }
  return errs;
}

export function validateDeployment(d: V1Deployment): StatusCause[] {
  const spec = d.spec;
  const errs = validateObjectMeta(d.metadata, workloadMeta);
  errs.push(...nonNegative('spec.replicas', spec?.replicas));
  errs.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'deployment'));
  errs.push(...validateRestartingTemplate(spec?.template, 'ReplicaSet'));
  const strategy = spec?.strategy ?? {};
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) {
        errs.push(
          forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"),
        );
      }
      break;
    case 'RollingUpdate':
      if (!strategy.rollingUpdate)
        errs.push(required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
      else errs.push(...validateRollingUpdate(strategy.rollingUpdate, 'spec.strategy.rollingUpdate'));
      break;
    default:
      errs.push(notSupported('spec.strategy.type', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec?.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec?.revisionHistoryLimit));
  const pds = spec?.progressDeadlineSeconds;
  if (pds !== undefined && pds !== null) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= (spec?.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

function immutableSelector(
  next: V1LabelSelector | undefined,
  old: V1LabelSelector | undefined,
): StatusCause[] {
  return semanticEqual(next, old) ? [] : [invalid('spec.selector', goLabelSelector(next), fieldImmutable)];
}

export function validateDeploymentUpdate(next: V1Deployment, old: V1Deployment): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, old.metadata),
    ...validateDeployment(next),
    ...immutableSelector(next.spec?.selector, old.spec?.selector),
  ];
}

export function validateReplicaSet(rs: V1ReplicaSet): StatusCause[] {
  const spec = rs.spec;
  const errs = validateObjectMeta(rs.metadata, workloadMeta);
  errs.push(...nonNegative('spec.replicas', spec?.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec?.minReadySeconds));
  errs.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'deployment'));
  errs.push(...validateRestartingTemplate(spec?.template, 'ReplicaSet'));
  return errs;
}

export function validateReplicaSetUpdate(next: V1ReplicaSet, old: V1ReplicaSet): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, old.metadata),
    ...validateReplicaSet(next),
    ...immutableSelector(next.spec?.selector, old.spec?.selector),
  ];
}

export function validateDaemonSet(ds: V1DaemonSet): StatusCause[] {
  const spec = ds.spec;
  const errs = validateObjectMeta(ds.metadata, workloadMeta);
  errs.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'daemonset'));
  errs.push(...validatePodTemplateSpec(spec?.template, 'spec.template'));
  const policy = spec?.template?.spec?.restartPolicy ?? '';
  if (policy !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', policy, ['Always']));
  const ads = spec?.template?.spec?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    errs.push(
      invalid(
        'spec.template.spec.activeDeadlineSeconds',
        ads,
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...nonNegative('spec.minReadySeconds', spec?.minReadySeconds));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec?.revisionHistoryLimit));
  const us = spec?.updateStrategy ?? {};
  switch (us.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate':
      if (!us.rollingUpdate) errs.push(required('spec.updateStrategy.rollingUpdate'));
      else errs.push(...validateRollingUpdate(us.rollingUpdate, 'spec.updateStrategy.rollingUpdate'));
      break;
    default:
      errs.push(notSupported('spec.updateStrategy', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  return errs;
}

export function validateDaemonSetUpdate(next: V1DaemonSet, old: V1DaemonSet): StatusCause[] {
  return [
    ...validateObjectMetaUpdate(next.metadata, old.metadata),
    ...validateDaemonSet(next),
    ...immutableSelector(next.spec?.selector, old.spec?.selector),
  ];
}
