// Defaults that only a Pod gets (never a template), including what upstream's
// admission plugins add on create: the default service account, priority,
// and the not-ready/unreachable tolerations that bound eviction delay.
import type { V1Container, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { computeQosClass } from '../qos.ts';
import { defaultPodSpec } from './pod-spec.ts';

// Built-in priority classes; any other class name needs a PriorityClass object.
const builtinPriorities: Record<string, number> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/** Seconds a pod stays bound to a node that went NotReady or unreachable (the admission default). */
export const defaultTolerationSeconds = 300;
const taintNotReady = 'node.kubernetes.io/not-ready';
const taintUnreachable = 'node.kubernetes.io/unreachable';

/** A container with only limits requests exactly its limits. */
function requestsFromLimits(c: V1Container): void {
  const limits = c.resources?.limits;
  if (!limits || !c.resources) return;
  const requests = c.resources.requests ?? {};
  for (const [name, value] of Object.entries(limits)) {
    if (!Object.hasOwn(requests, name)) requests[name] = value;
  }
  c.resources.requests = requests;
}

function tolerates(tolerations: V1Toleration[], key: string): boolean {
  return tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
}

function addDefaultTolerations(pod: V1Pod): void {
  const spec = pod.spec;
  if (!spec) return;
  const tolerations = spec.tolerations ?? [];
  for (const key of [taintNotReady, taintUnreachable]) {
    if (!tolerates(tolerations, key)) {
      tolerations.push({
        key,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: defaultTolerationSeconds,
      });
    }
  }
  spec.tolerations = tolerations;
}

function admitPriority(pod: V1Pod): void {
  const spec = pod.spec;
  if (!spec) return;
  const className = spec.priorityClassName;
  if (!className) {
    spec.priority ??= 0;
  } else if (className in builtinPriorities) {
    spec.priority ??= builtinPriorities[className];
  }
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
}

export interface PodDefaultOptions {
  /** Admission-time defaults and a fresh status apply only when the pod is created. */
  creating: boolean;
}

export function defaultPod(pod: V1Pod, opts: PodDefaultOptions): void {
  const spec = pod.spec;
  if (spec) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) requestsFromLimits(c);
    if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null)
      spec.enableServiceLinks = true;
    if (spec.hostNetwork) {
      for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
        for (const port of c.ports ?? []) if (!port.hostPort) port.hostPort = port.containerPort;
      }
    }
    // Mirror pods (static pods reported by a kubelet) skip service account admission.
    const mirror = pod.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined;
    const named = spec.serviceAccountName || (spec as { serviceAccount?: string }).serviceAccount;
    if (opts.creating && !named && !mirror) spec.serviceAccountName = 'default';
    defaultPodSpec(spec);
    if (opts.creating) admitPriority(pod);
    addDefaultTolerations(pod);
  }
  if (opts.creating) {
    pod.status ??= {};
    pod.status.phase ??= 'Pending';
    pod.status.qosClass ??= computeQosClass(pod.spec);
  }
}
