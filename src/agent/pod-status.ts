// The pod status the agent reports, computed from the runtime's view of the
// pod's containers and the plan's waiting reasons, as the kubelet's
// generateAPIPodStatus does: phase, conditions, container statuses.
import type { KubeObject } from '../api/object.ts';
import { timestamp } from '../api/object.ts';
import type { ContainerStatus } from '../runtime/types.ts';
import { type Plan, type SpecContainer, specContainers } from './container-plan.ts';

export interface StatusInput {
  pod: KubeObject;
  instances: Map<string, ContainerStatus[]>;
  plan: Plan;
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  startTime: Date;
  now: Date;
  /** Image ID and resolved name per image reference the agent pulled. */
  images: Map<string, { imageID: string; image: string }>;
  /** Last failure per container (image pull, config, start), shown while it waits. */
  failures: Map<string, { reason: string; message: string }>;
  /**
   * The status this agent last wrote. Conditions keep their transition times
   * from it rather than from `pod`, which may be a copy from before that write:
   * otherwise each late watch event would move the times back and forth and
   * every move would be written again.
   */
  previous?: KubeObject['status'];
}

type Condition = {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
};

function terminated(s: ContainerStatus, containerID: string) {
  if (s.state.kind !== 'exited') return undefined;
  return {
    terminated: {
      exitCode: s.state.exitCode,
      reason: s.state.reason,
      ...(s.state.startedAt ? { startedAt: timestamp(s.state.startedAt) } : {}),
      finishedAt: timestamp(s.state.finishedAt),
      containerID,
    },
  };
}

function containerStatus(c: SpecContainer, in_: StatusInput) {
  const list = in_.instances.get(c.name) ?? [];
  const cur = list.at(-1);
  const prev = list.at(-2);
  const img = in_.images.get(c.spec.image);
  const id = (s: ContainerStatus) => `runc://${s.id}`;
  let state: object;
  const waiting = in_.plan.waiting.get(c.name) ?? in_.failures.get(c.name);
  if (cur?.state.kind === 'running') state = { running: { startedAt: timestamp(cur.state.startedAt) } };
  else if (waiting && (waiting.reason !== 'PodInitializing' || !cur)) {
    state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
  } else if (cur?.state.kind === 'exited') state = terminated(cur, id(cur))!;
  else
    state = {
      waiting: { reason: in_.plan.initialized || c.kind !== 'app' ? 'ContainerCreating' : 'PodInitializing' },
    };
  // While waiting to restart, the last run shows as lastState, as upstream does.
  const last =
    cur?.state.kind === 'exited' && 'waiting' in state
      ? terminated(cur, id(cur))
      : prev
        ? terminated(prev, id(prev))
        : undefined;
  const running = cur?.state.kind === 'running';
  return {
    name: c.name,
    state,
    lastState: last ?? {},
    ready: running,
    restartCount: cur ? cur.attempt + (cur.state.kind === 'exited' && 'waiting' in state ? 1 : 0) : 0,
    image: img?.image ?? c.spec.image,
    imageID: img?.imageID ?? '',
    ...(cur ? { containerID: id(cur) } : {}),
    started: running,
  };
}

function condition(
  prev: Condition[] | undefined,
  type: string,
  ok: boolean,
  now: string,
  reason?: string,
  message?: string,
): Condition {
  const old = prev?.find((c) => c.type === type);
  const status = ok ? 'True' : 'False';
  return {
    type,
    status,
    ...(reason && !ok ? { reason } : {}),
    ...(message && !ok ? { message } : {}),
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
  };
}

export function computePodStatus(in_: StatusInput): KubeObject['status'] {
  const { pod, plan } = in_;
  const now = timestamp(in_.now);
  const all = specContainers(pod);
  const init = all.filter((c) => c.kind !== 'app').map((c) => containerStatus(c, in_));
  const app = all.filter((c) => c.kind === 'app').map((c) => containerStatus(c, in_));
  const appReady = app.length > 0 && app.every((s) => s.ready);
  const sidecarsReady = all
    .filter((c) => c.kind === 'sidecar')
    .every((c) => init.find((s) => s.name === c.name)?.ready);
  const ready = appReady && sidecarsReady && !plan.terminal;
  let phase: string;
  if (plan.terminal) phase = plan.terminal;
  else if (!plan.initialized) phase = 'Pending';
  else if (
    app.some((s) => 'running' in s.state) ||
    app.some((s) => s.restartCount > 0 || 'terminated' in s.state)
  )
    phase = 'Running';
  else phase = 'Pending';
  const prev = (in_.previous ?? pod.status)?.conditions as Condition[] | undefined;
  const notReady = app.filter((s) => !s.ready).map((s) => s.name);
  const conditions: Condition[] = [
    condition(prev, 'PodReadyToStartContainers', in_.sandboxReady, now),
    condition(
      prev,
      'Initialized',
      plan.initialized,
      now,
      'ContainersNotInitialized',
      `containers with incomplete status: [${all
        .filter((c) => c.kind === 'init')
        .map((c) => c.name)
        .join(' ')}]`,
    ),
    condition(
      prev,
      'Ready',
      ready,
      now,
      plan.terminal ? 'PodCompleted' : 'ContainersNotReady',
      plan.terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`,
    ),
    condition(
      prev,
      'ContainersReady',
      ready,
      now,
      plan.terminal ? 'PodCompleted' : 'ContainersNotReady',
      plan.terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`,
    ),
  ];
  // The scheduler's condition, as the API has it.
  const scheduled = ((pod.status?.conditions ?? prev) as Condition[] | undefined)?.find(
    (c) => c.type === 'PodScheduled',
  );
  if (scheduled) conditions.push(scheduled);
  const status: KubeObject['status'] = {
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
    phase,
    conditions,
    hostIP: in_.hostIP,
    hostIPs: [{ ip: in_.hostIP }],
    ...(in_.podIP ? { podIP: in_.podIP, podIPs: [{ ip: in_.podIP }] } : {}),
    startTime: timestamp(in_.startTime),
    containerStatuses: app,
  };
  if (init.length) status.initContainerStatuses = init;
  return status;
}
