// The checks upstream makes before a stream request reaches a container, with
// its messages: the apiserver picks and validates the container and needs a
// node (pkg/registry/core/pod/strategy.go); for logs the kubelet then checks
// the container's status (pkg/kubelet/kubelet_pods.go).
import type { KubeObject } from '../api/object.ts';
import { errors } from '../api/status.ts';

interface ContainerStatus {
  name: string;
  containerID?: string;
  state?: { waiting?: { reason?: string }; running?: object; terminated?: { containerID?: string } };
  lastState?: { terminated?: { containerID?: string } };
}

/** Every container name of the pod, in upstream's visiting order: init, regular, ephemeral. */
function containerNames(pod: KubeObject): string[] {
  const spec = pod.spec ?? {};
  return [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ].map((c: { name: string }) => c.name);
}

/** The container a request names, or the only one; throws BadRequest as the apiserver does. */
export function pickContainer(pod: KubeObject, requested: string | null): string {
  const name = pod.metadata.name;
  if (!requested) {
    const regular: { name: string }[] = pod.spec?.containers ?? [];
    if (regular.length === 1) return regular[0].name;
    if (regular.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    throw errors.badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`,
    );
  }
  if (!containerNames(pod).includes(requested)) {
    throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/** Exec, attach and port-forward need the node the pod runs on. */
export function requireNode(pod: KubeObject): void {
  if (!pod.spec?.nodeName) {
    throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  }
}

function findStatus(pod: KubeObject, container: string): ContainerStatus | undefined {
  const s = pod.status ?? {};
  const all: ContainerStatus[] = [
    ...(s.containerStatuses ?? []),
    ...(s.initContainerStatuses ?? []),
    ...(s.ephemeralContainerStatuses ?? []),
  ];
  return all.find((c) => c.name === container);
}

/** Whether the container has a log to show (current or, with previous, last terminated instance). */
export function checkLogAvailable(pod: KubeObject, container: string, previous: boolean): void {
  const podName = pod.metadata.name;
  const subject = `container "${container}" in pod "${podName}"`;
  const status = findStatus(pod, container);
  if (!status) throw errors.badRequest(`${subject} is not available`);
  const last = status.lastState?.terminated;
  const { waiting, running, terminated } = status.state ?? {};
  if (previous) {
    if (!last?.containerID) throw errors.badRequest(`previous terminated ${subject} not found`);
    return;
  }
  if (running) return;
  if (terminated) {
    if (terminated.containerID || last?.containerID) return;
    throw errors.badRequest(`${subject} is terminated`);
  }
  if (last) {
    if (last.containerID) return;
    throw errors.badRequest(`${subject} is terminated`);
  }
  if (waiting) {
    switch (waiting.reason) {
      case 'ErrImagePull':
        throw errors.badRequest(`${subject} is waiting to start: image can't be pulled`);
      case 'ImagePullBackOff':
        throw errors.badRequest(`${subject} is waiting to start: trying and failing to pull image`);
      default:
        throw errors.badRequest(`${subject} is waiting to start: ${waiting.reason ?? ''}`);
    }
  }
  throw errors.badRequest(`${subject} is waiting to start - no logs yet`);
}
