// Decides the next step for a pod's containers from its spec and what the
// runtime reports, as the kubelet's computePodActions does: init containers
// one at a time in order (native sidecars start in order and stay up), then
// every app container, restarting exited ones per restart policy with
// back-off. Pure: the pod worker carries the plan out.
import type { KubeObject } from '../api/object.ts';
import type { ContainerStatus } from '../runtime/types.ts';
import type { Backoff } from './backoff.ts';

export type ContainerKind = 'init' | 'sidecar' | 'app';

export interface SpecContainer {
  name: string;
  kind: ContainerKind;
  // biome-ignore lint/suspicious/noExplicitAny: the container's spec as the pod holds it
  spec: any;
}

export interface StartStep {
  container: SpecContainer;
  /** The attempt number the new instance gets (0 for the first). */
  attempt: number;
  /** When the previous instance exited; the back-off is counted from here. */
  previousFinishedAt?: Date;
}

export interface Waiting {
  reason: string;
  message?: string;
}

export interface Plan {
  start: StartStep[];
  /** Containers held back, with the reason shown in their status. */
  waiting: Map<string, Waiting>;
  /** Re-run the sync after this long (a back-off ends). */
  requeueAfterMs?: number;
  /** All init containers have succeeded (sidecars are running). */
  initialized: boolean;
  /** The pod ran to completion and nothing will restart. */
  terminal?: 'Succeeded' | 'Failed';
}

export function specContainers(pod: KubeObject): SpecContainer[] {
  const init = (pod.spec?.initContainers ?? []).map((spec: { name: string; restartPolicy?: string }) => ({
    name: spec.name,
    kind: spec.restartPolicy === 'Always' ? 'sidecar' : 'init',
    spec,
  }));
  const app = (pod.spec?.containers ?? []).map((spec: { name: string }) => ({
    name: spec.name,
    kind: 'app',
    spec,
  }));
  return [...init, ...app] as SpecContainer[];
}

export function backoffKey(pod: KubeObject, name: string): string {
  return `${pod.metadata.uid}/${name}`;
}

function shouldRestart(policy: string, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** instances: every runtime instance of each container name, oldest first. */
export function planContainers(
  pod: KubeObject,
  instances: Map<string, ContainerStatus[]>,
  backoff: Backoff,
): Plan {
  const plan: Plan = { start: [], waiting: new Map(), initialized: false };
  const policy: string = pod.spec?.restartPolicy ?? 'Always';
  const all = specContainers(pod);
  const latest = (name: string) => instances.get(name)?.at(-1);
  const nextAttempt = (name: string) => {
    const last = latest(name);
    return last ? last.attempt + 1 : 0;
  };
  const requeue = (ms: number) => {
    plan.requeueAfterMs = plan.requeueAfterMs === undefined ? ms : Math.min(plan.requeueAfterMs, ms);
  };
  /** Restart an exited container now, or report CrashLoopBackOff while its back-off runs. */
  const restart = (c: SpecContainer, finishedAt: Date | undefined) => {
    const key = backoffKey(pod, c.name);
    const wait = backoff.remaining(key);
    if (wait > 0) {
      const secs = Math.round(backoff.delay(key) / 1000);
      plan.waiting.set(c.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${secs}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      });
      requeue(wait);
      return;
    }
    plan.start.push({ container: c, attempt: nextAttempt(c.name), previousFinishedAt: finishedAt });
  };

  // Once an app container has existed, initialisation is over for good: a
  // removed init container record must not make the pod initialise again.
  const appStarted = all.some((c) => c.kind === 'app' && instances.get(c.name)?.length);
  let initialized = true;
  for (const c of all.filter((x) => x.kind !== 'app')) {
    const inst = latest(c.name);
    if (c.kind === 'sidecar') {
      if (!inst) {
        plan.start.push({ container: c, attempt: 0 });
        if (!appStarted) initialized = false;
        if (!appStarted) break;
        continue;
      }
      if (inst.state.kind === 'running') continue;
      if (inst.state.kind === 'created') {
        if (!appStarted) {
          initialized = false;
          break;
        }
        continue;
      }
      // Sidecars restart whatever the pod's restart policy says, unless the pod is done.
      restart(c, inst.state.kind === 'exited' ? inst.state.finishedAt : undefined);
      if (!appStarted && inst.state.kind !== 'exited') {
        initialized = false;
        break;
      }
      continue;
    }
    if (appStarted) continue;
    if (!inst) {
      plan.start.push({ container: c, attempt: 0 });
      initialized = false;
      break;
    }
    if (inst.state.kind === 'exited' && inst.state.exitCode === 0) continue;
    initialized = false;
    if (inst.state.kind === 'exited') {
      if (policy === 'Never') plan.terminal = 'Failed';
      else restart(c, inst.state.finishedAt);
    } else if (inst.state.kind === 'unknown') {
      restart(c, undefined);
    }
    break;
  }
  plan.initialized = initialized;
  if (!initialized) {
    for (const c of all.filter((x) => x.kind === 'app')) {
      if (!plan.waiting.has(c.name)) plan.waiting.set(c.name, { reason: 'PodInitializing' });
    }
    if (plan.terminal) plan.start = [];
    return plan;
  }

  let running = 0;
  let willRestart = 0;
  let failed = 0;
  for (const c of all.filter((x) => x.kind === 'app')) {
    const inst = latest(c.name);
    if (!inst) {
      plan.start.push({ container: c, attempt: 0 });
      continue;
    }
    switch (inst.state.kind) {
      case 'running':
      case 'created':
        running++;
        break;
      case 'unknown':
        willRestart++;
        restart(c, undefined);
        break;
      case 'exited':
        if (shouldRestart(policy, inst.state.exitCode)) {
          willRestart++;
          restart(c, inst.state.finishedAt);
        } else if (inst.state.exitCode !== 0) failed++;
        break;
    }
  }
  const appCount = all.filter((x) => x.kind === 'app').length;
  if (plan.start.length === 0 && running === 0 && willRestart === 0 && appCount > 0) {
    plan.terminal = failed > 0 ? 'Failed' : 'Succeeded';
    // A finished pod starts nothing more, sidecars included.
    plan.start = [];
    plan.waiting.clear();
    plan.requeueAfterMs = undefined;
  }
  return plan;
}
