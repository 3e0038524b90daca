// Controllers that own pod templates: deployments, replica sets, stateful
// sets, daemon sets, jobs and cron jobs.
import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1JobCondition,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { ageColumn, column, fieldDoc, nameColumn, templateColumns, wideColumn } from './columns.ts';
import {
  containerCells,
  formatLabels,
  formatOptionalBool,
  formatSelector,
  humanDuration,
  InvalidSelectorError,
  selectorString,
  since,
  toMillis,
} from './format.ts';
import { asModel, type Printer, type TableCell } from './types.ts';

/** spec.replicas defaults to 1 for every scalable workload. */
const defaultReplicas = 1;

export const deploymentPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Ready', 'string', 'Ready pods out of the desired number of pods.'),
    column('Up-to-date', 'string', fieldDoc('V1DeploymentStatus', 'updatedReplicas')),
    column('Available', 'string', fieldDoc('V1DeploymentStatus', 'availableReplicas')),
    ageColumn(),
    ...templateColumns(),
    wideColumn('Selector', 'string', 'The label selector of the pods this deployment manages.'),
  ],
  cells: (obj, now) => {
    const d = asModel<V1Deployment>(obj);
    const { names, images } = containerCells(d.spec?.template?.spec?.containers);
    let selector: string;
    try {
      // Unlike the other workloads, an empty selector prints as "", not "<none>".
      selector = selectorString(d.spec?.selector);
    } catch (err) {
      if (!(err instanceof InvalidSelectorError)) throw err;
      selector = '<invalid>';
    }
    return [
      d.metadata?.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? defaultReplicas}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      since(d.metadata?.creationTimestamp, now),
      names,
      images,
      selector,
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Desired', 'integer', fieldDoc('V1ReplicaSetSpec', 'replicas')),
    column('Current', 'integer', fieldDoc('V1ReplicaSetStatus', 'replicas')),
    column('Ready', 'integer', fieldDoc('V1ReplicaSetStatus', 'readyReplicas')),
    ageColumn(),
    ...templateColumns(),
    wideColumn('Selector', 'string', 'The label selector of the pods this replica set manages.'),
  ],
  cells: (obj, now) => {
    const rs = asModel<V1ReplicaSet>(obj);
    const { names, images } = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata?.name ?? '',
      rs.spec?.replicas ?? defaultReplicas,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      since(rs.metadata?.creationTimestamp, now),
      names,
      images,
      formatSelector(rs.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Ready', 'string', 'Ready pods out of the desired number of pods.'),
    ageColumn(),
    ...templateColumns(),
  ],
  cells: (obj, now) => {
    const sts = asModel<V1StatefulSet>(obj);
    const { names, images } = containerCells(sts.spec?.template?.spec?.containers);
    return [
      sts.metadata?.name ?? '',
      `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? defaultReplicas}`,
      since(sts.metadata?.creationTimestamp, now),
      names,
      images,
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Desired', 'integer', fieldDoc('V1DaemonSetStatus', 'desiredNumberScheduled')),
    column('Current', 'integer', fieldDoc('V1DaemonSetStatus', 'currentNumberScheduled')),
    column('Ready', 'integer', fieldDoc('V1DaemonSetStatus', 'numberReady')),
    column('Up-to-date', 'integer', fieldDoc('V1DaemonSetStatus', 'updatedNumberScheduled')),
    column('Available', 'integer', fieldDoc('V1DaemonSetStatus', 'numberAvailable')),
    column('Node Selector', 'string', fieldDoc('V1PodSpec', 'nodeSelector')),
    ageColumn(),
    ...templateColumns(),
    wideColumn('Selector', 'string', 'The label selector of the pods this daemon set manages.'),
  ],
  cells: (obj, now) => {
    const ds = asModel<V1DaemonSet>(obj);
    const { names, images } = containerCells(ds.spec?.template?.spec?.containers);
    return [
      ds.metadata?.name ?? '',
      ds.status?.desiredNumberScheduled ?? 0,
      ds.status?.currentNumberScheduled ?? 0,
      ds.status?.numberReady ?? 0,
      ds.status?.updatedNumberScheduled ?? 0,
      ds.status?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      since(ds.metadata?.creationTimestamp, now),
      names,
      images,
      formatSelector(ds.spec?.selector),
    ];
  },
};

function jobConditionIsTrue(conditions: V1JobCondition[] | undefined, type: string): boolean {
  return conditions?.find((c) => c.type === type)?.status === 'True';
}

/** Terminal conditions first, then deletion, then the transient ones. */
function jobStatus(job: V1Job): string {
  const conditions = job.status?.conditions;
  if (jobConditionIsTrue(conditions, 'Complete')) return 'Complete';
  if (jobConditionIsTrue(conditions, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (jobConditionIsTrue(conditions, 'Suspended')) return 'Suspended';
  if (jobConditionIsTrue(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(job: V1Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Start to completion, or start to now while running; "" before the job starts. */
function jobDuration(job: V1Job, now: Date): string {
  const start = toMillis(job.status?.startTime);
  if (start === undefined) return '';
  const end = toMillis(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

export const jobPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Status', 'string', 'The state of the job: Running, Complete, Failed, Suspended or Terminating.'),
    column('Completions', 'string', fieldDoc('V1JobStatus', 'succeeded')),
    column('Duration', 'string', 'How long the job ran, or has been running.'),
    ageColumn(),
    ...templateColumns(),
    wideColumn('Selector', 'string', 'The label selector of the pods this job manages.'),
  ],
  cells: (obj, now) => {
    const job = asModel<V1Job>(obj);
    const { names, images } = containerCells(job.spec?.template?.spec?.containers);
    return [
      job.metadata?.name ?? '',
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      since(job.metadata?.creationTimestamp, now),
      names,
      images,
      formatSelector(job.spec?.selector),
    ];
  },
};

export const cronJobPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Schedule', 'string', fieldDoc('V1CronJobSpec', 'schedule')),
    column('Timezone', 'string', fieldDoc('V1CronJobSpec', 'timeZone')),
    column('Suspend', 'boolean', fieldDoc('V1CronJobSpec', 'suspend')),
    column('Active', 'integer', fieldDoc('V1CronJobStatus', 'active')),
    column('Last Schedule', 'string', fieldDoc('V1CronJobStatus', 'lastScheduleTime')),
    ageColumn(),
    ...templateColumns(),
    wideColumn('Selector', 'string', 'The label selector of the pods the created jobs manage.'),
  ],
  cells: (obj, now): TableCell[] => {
    const cj = asModel<V1CronJob>(obj);
    const podSpec = cj.spec?.jobTemplate?.spec?.template?.spec;
    const { names, images } = containerCells(podSpec?.containers);
    const lastSchedule = cj.status?.lastScheduleTime;
    return [
      cj.metadata?.name ?? '',
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      formatOptionalBool(cj.spec?.suspend),
      cj.status?.active?.length ?? 0,
      lastSchedule ? since(lastSchedule, now) : '<none>',
      since(cj.metadata?.creationTimestamp, now),
      names,
      images,
      formatSelector(cj.spec?.jobTemplate?.spec?.selector),
    ];
  },
};
