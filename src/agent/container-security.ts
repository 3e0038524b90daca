// The security settings a container runs with: the container's own
// securityContext over the pod's for the fields both have, and the kubelet's
// runAsNonRoot check against the user the image would run as.
import type { V1Capabilities, V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError } from './container-config-error.ts';
import type { ImageUserIdentity } from './image-user.ts';

export interface EffectiveSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  supplementalGroups: number[];
  fsGroup?: number;
  capabilities?: V1Capabilities;
  privileged: boolean;
  readOnlyRootFilesystem: boolean;
  /** Set only when allowPrivilegeEscalation is explicitly false. */
  noNewPrivileges: boolean;
}

export function effectiveSecurity(pod: V1Pod, container: V1Container): EffectiveSecurity {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  return {
    runAsUser: c.runAsUser ?? p.runAsUser,
    runAsGroup: c.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: c.runAsNonRoot ?? p.runAsNonRoot,
    supplementalGroups: p.supplementalGroups ?? [],
    fsGroup: p.fsGroup,
    capabilities: c.capabilities,
    privileged: c.privileged === true,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem === true,
    noNewPrivileges: c.allowPrivilegeEscalation === false,
  };
}

/** How upstream names a pod in messages: name_namespace(uid). */
export function podDescription(pod: V1Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
}

/** Throws CreateContainerConfigError when runAsNonRoot is set and the process could be root. */
export function verifyRunAsNonRoot(
  pod: V1Pod,
  container: V1Container,
  sec: EffectiveSecurity,
  image: ImageUserIdentity,
): void {
  if (!sec.runAsNonRoot) return;
  const who = `(pod: ${JSON.stringify(podDescription(pod))}, container: ${container.name})`;
  if (sec.runAsUser !== undefined) {
    if (sec.runAsUser === 0)
      throw new ContainerConfigError(`container's runAsUser breaks non-root policy ${who}`);
    return;
  }
  if (image.kind === 'uid' && image.uid === 0)
    throw new ContainerConfigError(`container has runAsNonRoot and image will run as root ${who}`);
  if (image.kind === 'name')
    throw new ContainerConfigError(
      `container has runAsNonRoot and image has non-numeric user (${image.name}), cannot verify user is non-root ${who}`,
    );
}
