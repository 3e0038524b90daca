// Pods: READY, STATUS and RESTARTS summarise the containers the way
// kube-apiserver does, so `kubectl get pods` reads the same.
import type {
  V1Container,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
} from '@kubernetes/client-node';
import { ageColumn, column, fieldDoc, nameColumn, wideColumn } from './columns.ts';
import { since, toMillis } from './format.ts';
import { asModel, type Printer, type TableCell, type TableRowCondition } from './types.ts';

/** The pod reason the node lifecycle controller sets when a node stops reporting. */
const nodeLostReason = 'NodeLost';

export const podPrinter: Printer = {
  columns: () => [
    nameColumn(),
    column('Ready', 'string', 'Ready containers out of all containers (sidecars included).'),
    column(
      'Status',
      'string',
      'A one-word summary of the pod: its phase or the reason a container is not running.',
    ),
    column('Restarts', 'string', 'Container restarts in this pod, and how long ago the latest one happened.'),
    ageColumn(),
    wideColumn('IP', 'string', fieldDoc('V1PodStatus', 'podIP')),
    wideColumn('Node', 'string', fieldDoc('V1PodSpec', 'nodeName')),
    wideColumn('Nominated Node', 'string', fieldDoc('V1PodStatus', 'nominatedNodeName')),
    wideColumn('Readiness Gates', 'string', fieldDoc('V1PodSpec', 'readinessGates')),
  ],
  cells: (obj, now) => podCells(asModel<V1Pod>(obj), now),
  conditions: (obj) => podRowConditions(asModel<V1Pod>(obj)),
};

function podRowConditions(pod: V1Pod): TableRowCondition[] | undefined {
  switch (pod.status?.phase) {
    case 'Succeeded':
      return [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'The pod completed successfully.',
        },
      ];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

/** Native sidecars: init containers that keep running beside the app containers. */
function isSidecar(container: V1Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function conditionIsTrue(conditions: V1PodCondition[] | undefined, type: string): boolean {
  // Only the first condition of a type counts, as upstream reads it.
  return conditions?.find((c) => c.type === type)?.status === 'True';
}

/** Restart totals and the moment of the latest restart (undefined: never seen). */
interface Restarts {
  count: number;
  lastAt: number | undefined;
}

function addRestarts(acc: Restarts, status: V1ContainerStatus): Restarts {
  const finished = toMillis(status.lastState?.terminated?.finishedAt);
  const later = finished !== undefined && (acc.lastAt === undefined || finished > acc.lastAt);
  return { count: acc.count + (status.restartCount ?? 0), lastAt: later ? finished : acc.lastAt };
}

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: Restarts;
}

/**
 * READY, STATUS and RESTARTS. Init containers are walked in order until the
 * first that has not finished (a started sidecar counts as finished and as
 * ready); while one is pending STATUS says "Init:…" and only init restarts
 * count. Once initialised, app containers are walked last to first so the
 * first container's waiting/terminated reason wins, and restarts are the app
 * containers' plus the sidecars'.
 */
function summarizePod(pod: V1Pod): PodSummary {
  const spec = pod.spec;
  const status: V1PodStatus = pod.status ?? {};
  const initSpecs = new Map((spec?.initContainers ?? []).map((c) => [c.name, c]));
  const initCount = spec?.initContainers?.length ?? 0;
  let total = spec?.containers?.length ?? 0;
  for (const c of spec?.initContainers ?? []) if (isSidecar(c)) total++;

  let ready = 0;
  const phase = status.phase ?? '';
  let reason = status.reason || phase;
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  let restarts: Restarts = { count: 0, lastAt: undefined };
  let sidecarRestarts: Restarts = { count: 0, lastAt: undefined };
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isSidecar(initSpecs.get(cs.name));
    restarts = addRestarts(restarts, cs);
    if (sidecar) sidecarRestarts = addRestarts(sidecarRestarts, cs);
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if (terminated.signal) reason = `Init:Signal:${terminated.signal}`;
      else reason = `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionIsTrue(status.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts = addRestarts(restarts, cs);
      const terminated = cs.state?.terminated;
      const waiting = cs.state?.waiting;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A container that finished while others still run does not make the pod "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = conditionIsTrue(status.conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === nodeLostReason) reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  return { ready, total, reason, restarts };
}

function podCells(pod: V1Pod, now: Date): TableCell[] {
  const { ready, total, reason, restarts } = summarizePod(pod);
  const restartText =
    restarts.count !== 0 && restarts.lastAt !== undefined
      ? `${restarts.count} (${since(restarts.lastAt, now)} ago)`
      : String(restarts.count);
  const status = pod.status;
  // podIP is authoritative over podIPs, as in the v1 → internal conversion.
  const ip = status?.podIP || status?.podIPs?.[0]?.ip || '<none>';
  return [
    pod.metadata?.name ?? '',
    `${ready}/${total}`,
    reason,
    restartText,
    since(pod.metadata?.creationTimestamp, now),
    ip,
    pod.spec?.nodeName || '<none>',
    status?.nominatedNodeName || '<none>',
    readinessGates(pod),
  ];
}

function readinessGates(pod: V1Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const met = gates.filter((g) => conditionIsTrue(pod.status?.conditions, g.conditionType)).length;
  return `${met}/${gates.length}`;
}
