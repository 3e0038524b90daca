// batch/v1 Jobs and CronJobs. A Job's pods are selected by labels derived
// from its uid (see defaults), and its template is frozen once it has started.
import type { V1CronJob, V1Job, V1JobSpec, V1JobTemplateSpec } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { semanticEqual } from './compare.ts';
import { cronScheduleProblem } from './cron.ts';
import { child, fieldImmutable, invalid, nonNegative, notSupported, required } from './field.ts';
import { goLabelSelector, goStringMap } from './go-format.ts';
import {
  selectorMatches,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.ts';
import { nameIsDnsSubdomain } from './names.ts';
import { deepCopy } from './object.ts';
import { validatePodTemplateSpec } from './pod.ts';

const meta = { namespaced: true, nameFn: nameIsDnsSubdomain };
export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
const legacyControllerUidLabel = 'controller-uid';
const legacyJobNameLabel = 'job-name';

/** Spec rules shared by Jobs and CronJob job templates. */
function validateJobSpecCommon(spec: V1JobSpec | undefined, path: string): StatusCause[] {
  const s = spec ?? ({} as V1JobSpec);
  const errs: StatusCause[] = [];
  for (const f of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
  ] as const) {
    errs.push(...nonNegative(child(path, f), s[f]));
  }
  if (s.completionMode !== undefined && s.completionMode !== 'NonIndexed' && s.completionMode !== 'Indexed') {
    errs.push(notSupported(child(path, 'completionMode'), s.completionMode, ['NonIndexed', 'Indexed']));
  }
  if (s.completionMode === 'Indexed') {
    if (s.completions === undefined || s.completions === null) {
      errs.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
    }
  }
  if (s.backoffLimitPerIndex !== undefined && s.backoffLimitPerIndex !== null) {
    if (s.completionMode !== 'Indexed') {
      errs.push(required(child(path, 'completionMode'), 'when backoffLimitPerIndex is specified'));
    }
    errs.push(...nonNegative(child(path, 'backoffLimitPerIndex'), s.backoffLimitPerIndex));
  }
  const prp = s.podReplacementPolicy;
  if (prp !== undefined && prp !== null && prp !== 'TerminatingOrFailed' && prp !== 'Failed') {
    errs.push(notSupported(child(path, 'podReplacementPolicy'), prp, ['TerminatingOrFailed', 'Failed']));
  }
  const tpl = child(path, 'template');
  errs.push(...validatePodTemplateSpec(s.template, tpl));
  const policy = s.template?.spec?.restartPolicy ?? '';
  if (policy !== 'OnFailure' && policy !== 'Never') {
    errs.push(notSupported(child(tpl, 'spec', 'restartPolicy'), policy, ['OnFailure', 'Never']));
  }
  return errs;
}

function hasLabel(
  labels: Record<string, string> | undefined,
  key: string,
  expected: string,
  path: string,
): StatusCause[] {
  const p = `${path}[${key}]`;
  if (!labels || !Object.hasOwn(labels, key)) return [required(p, `must be '${expected}'`)];
  return labels[key] === expected ? [] : [invalid(p, goStringMap(labels), `must be '${expected}'`)];
}

/** With a generated selector the template must carry the job's own uid and name labels. */
function validateGeneratedSelector(job: V1Job): StatusCause[] {
  const spec = job.spec;
  if (spec?.manualSelector === true || !spec?.selector) return [];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const errs: StatusCause[] = [];
  if (!uid) errs.push(required('metadata.uid'));
  const labels = spec.template?.metadata?.labels;
  const lp = 'spec.template.metadata.labels';
  errs.push(...hasLabel(labels, legacyControllerUidLabel, uid, lp));
  errs.push(...hasLabel(labels, legacyJobNameLabel, name, lp));
  errs.push(...hasLabel(labels, controllerUidLabel, uid, lp));
  errs.push(...hasLabel(labels, jobNameLabel, name, lp));
  const expected = {
    [legacyControllerUidLabel]: uid,
    [legacyJobNameLabel]: name,
    [controllerUidLabel]: uid,
    [jobNameLabel]: name,
  };
  if (!selectorMatches(spec.selector, expected)) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

export function validateJob(job: V1Job): StatusCause[] {
  const spec = job.spec;
  const errs = validateObjectMeta(job.metadata, meta);
  errs.push(...validateGeneratedSelector(job));
  errs.push(...validateJobSpecCommon(spec, 'spec'));
  if (!spec?.selector) errs.push(required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
      errs.push(
        invalid(
          'spec.template.metadata.labels',
          goStringMap(spec.template?.metadata?.labels),
          '`selector` does not match template `labels`',
        ),
      );
    }
  }
  return errs;
}

function immutable(next: unknown, old: unknown, path: string, shown: unknown = next): StatusCause[] {
  return semanticEqual(next, old) ? [] : [invalid(path, (shown ?? null) as string, fieldImmutable)];
}

export function validateJobUpdate(next: V1Job, old: V1Job): StatusCause[] {
  const ns = next.spec ?? ({} as V1JobSpec);
  const os = old.spec ?? ({} as V1JobSpec);
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  errs.push(...validateJob(next));
  // Indexed jobs may scale completions together with parallelism ("elastic" jobs).
  const elastic =
    ns.completionMode === 'Indexed' && ns.completions === ns.parallelism && os.completions === os.parallelism;
  if (!elastic) errs.push(...immutable(ns.completions, os.completions, 'spec.completions'));
  errs.push(...immutable(ns.selector, os.selector, 'spec.selector', goLabelSelector(ns.selector)));
  // A suspended job that never started may still be re-targeted.
  let oldTemplate = os.template;
  if (os.suspend === true && !old.status?.startTime) {
    oldTemplate = deepCopy(os.template ?? {});
    oldTemplate.metadata = {
      ...(oldTemplate.metadata ?? {}),
      labels: ns.template?.metadata?.labels,
      annotations: ns.template?.metadata?.annotations,
    };
    if (oldTemplate.spec && ns.template?.spec) {
      oldTemplate.spec.nodeSelector = ns.template.spec.nodeSelector;
      oldTemplate.spec.tolerations = ns.template.spec.tolerations;
      oldTemplate.spec.affinity = ns.template.spec.affinity;
      oldTemplate.spec.schedulingGates = ns.template.spec.schedulingGates;
    }
  }
  errs.push(...immutable(ns.template, oldTemplate, 'spec.template'));
  errs.push(...immutable(ns.completionMode, os.completionMode, 'spec.completionMode'));
  errs.push(...immutable(ns.podFailurePolicy, os.podFailurePolicy, 'spec.podFailurePolicy'));
  errs.push(...immutable(ns.backoffLimitPerIndex, os.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'));
  errs.push(...immutable(ns.managedBy, os.managedBy, 'spec.managedBy'));
  return errs;
}

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];

function validateJobTemplate(tpl: V1JobTemplateSpec | undefined, path: string): StatusCause[] {
  const errs = [
    ...validateLabels(tpl?.metadata?.labels, child(path, 'metadata', 'labels')),
    ...validateAnnotations(tpl?.metadata?.annotations, child(path, 'metadata', 'annotations')),
    ...validateJobSpecCommon(tpl?.spec, child(path, 'spec')),
  ];
  if (tpl?.spec?.selector) {
    errs.push(
      invalid(
        child(path, 'spec', 'selector'),
        goLabelSelector(tpl.spec.selector),
        '`selector` will be auto-generated',
      ),
    );
  }
  if (tpl?.spec?.manualSelector === true) {
    errs.push(notSupported(child(path, 'spec', 'manualSelector'), true, ['nil', 'false']));
  }
  return errs;
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateTimeZone(tz: string | undefined, path: string): StatusCause[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [invalid(path, tz, 'timeZone must be nil or non-empty string')];
  const badPart = tz
    .split('/')
    .some((p) => p === '.' || p === '..' || p.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(p));
  if (badPart) return [invalid(path, tz, `unknown time zone ${tz}`)];
  if (tz.toLowerCase() === 'local') {
    return [
      invalid(
        path,
        tz,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    ];
  }
  return validTimeZone(tz) ? [] : [invalid(path, tz, `unknown time zone ${tz}`)];
}

function validateCronJobSpec(cj: V1CronJob, old?: V1CronJob): StatusCause[] {
  const spec = cj.spec;
  const errs: StatusCause[] = [];
  const schedule = spec?.schedule ?? '';
  if (!schedule) errs.push(required('spec.schedule'));
  else {
    const problem = cronScheduleProblem(schedule);
    if (problem) errs.push(invalid('spec.schedule', schedule, problem));
    // Schedules stored before the timeZone field existed may keep their TZ= prefix.
    const allowTz = (old?.spec?.schedule ?? '').includes('TZ');
    if (allowTz && schedule.includes('TZ') && spec?.timeZone !== undefined) {
      errs.push(
        invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'),
      );
    } else if (!allowTz && schedule.includes('TZ')) {
      errs.push(
        invalid(
          'spec.schedule',
          schedule,
          'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
        ),
      );
    }
  }
  errs.push(...nonNegative('spec.startingDeadlineSeconds', spec?.startingDeadlineSeconds));
  const cp = spec?.concurrencyPolicy;
  if (!cp) errs.push(required('spec.concurrencyPolicy'));
  else if (!concurrencyPolicies.includes(cp))
    errs.push(notSupported('spec.concurrencyPolicy', cp, concurrencyPolicies));
  errs.push(...validateJobTemplate(spec?.jobTemplate, 'spec.jobTemplate'));
  errs.push(...nonNegative('spec.successfulJobsHistoryLimit', spec?.successfulJobsHistoryLimit));
  errs.push(...nonNegative('spec.failedJobsHistoryLimit', spec?.failedJobsHistoryLimit));
  errs.push(...validateTimeZone(spec?.timeZone, 'spec.timeZone'));
  return errs;
}

// A CronJob's jobs are named "<cronjob>-<11-character suffix>", and job names stop at 63.
const maxCronJobName = 52;

export function validateCronJob(cj: V1CronJob): StatusCause[] {
  const errs = [...validateObjectMeta(cj.metadata, meta), ...validateCronJobSpec(cj)];
  const name = cj.metadata?.name ?? '';
  if (name.length > maxCronJobName)
    errs.push(invalid('metadata.name', name, `must be no more than ${maxCronJobName} characters`));
  return errs;
}

export function validateCronJobUpdate(next: V1CronJob, old: V1CronJob): StatusCause[] {
  // Updates skip the name-length rule so older, longer-named CronJobs stay editable.
  return [
    ...validateObjectMetaUpdate(next.metadata, old.metadata),
    ...validateObjectMeta(next.metadata, meta),
    ...validateCronJobSpec(next, old),
  ];
}
