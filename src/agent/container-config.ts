// Everything the runtime needs to create one container of a pod, worked out
// as the kubelet (and containerd under it) would: the process's argv and
// environment from the image and the spec, its user and security settings,
// cgroup resources, and the mounts of its volumes and termination log.
// A problem with the pod's own config is a ContainerConfigError, which the
// agent shows as the container's waiting reason.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../api/object.ts';
import type { Client } from '../client/types.ts';
import type { ImageConfigInfo } from '../images/index.ts';
import type { ContainerConfig, Labels, Mount } from '../runtime/types.ts';
import { type ConfigSource, clientConfigSource, memoized } from './config-sources.ts';
import { ContainerConfigError } from './container-config-error.ts';
import { containerEnv, type EnvVar, mergeImageEnv } from './container-env.ts';
import { containerResources } from './container-resources.ts';
import { effectiveSecurity, verifyRunAsNonRoot } from './container-security.ts';
import { imageUserIdentity, resolveProcessUser } from './image-user.ts';
import { expand, mappingFor } from './var-expansion.ts';
import { containerMounts, type PodVolumes } from './volumes/index.ts';

/** Annotation on the container holding the host file its termination message is written to. */
export const terminationMessageAnnotation = 'orca.container.terminationMessageFile';

export interface BuildContainerConfigInput {
  pod: KubeObject;
  container: V1Container | KubeObject['spec'];
  /** The image config's `config` section (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal). */
  imageConfig: ImageConfigInfo['config'];
  node: {
    name: string;
    ip: string;
    ips?: string[];
    /** Node allocatable: what resourceFieldRef reports for limits a container leaves unset. */
    allocatable: Record<string, string>;
  };
  /** Empty or absent until the pod network is up (and for host-network pods, the node's IP). */
  podIP?: string;
  podIPs?: string[];
  client: Client;
  /** Reads ConfigMaps and Secrets instead of the client (an informer cache, say). */
  configSource?: ConfigSource;
  signal?: AbortSignal;
  volumes: PodVolumes;
  sandboxId: string;
  rootfs: string;
  logPath: string;
  attempt: number;
  id: string;
  labels?: Labels;
  annotations?: Labels;
  /** The pod's directory; the termination log goes under it (beside the log file when absent). */
  podDir?: string;
  /** Told about things upstream records as Warning events (skipped envFrom keys). */
  onWarning?: (w: { reason: string; message: string }) => void;
}

/** argv: command replaces the image's Entrypoint, args its Cmd (containerd's rules). */
export function processArgs(
  container: V1Container,
  image: ImageConfigInfo['config'],
  env: ReadonlyMap<string, string>,
): string[] {
  const mapping = mappingFor(env);
  const command = (container.command ?? []).map((s) => expand(s, mapping));
  const args = (container.args ?? []).map((s) => expand(s, mapping));
  if (command.length) return [...command, ...args];
  const entrypoint = image.Entrypoint ?? [];
  // An Entrypoint of [""] means "none" (what `ENTRYPOINT []` leaves behind in some builders).
  const base = entrypoint.length === 1 && entrypoint[0] === '' ? [] : entrypoint;
  const out = [...base, ...(args.length ? args : (image.Cmd ?? []))];
  if (!out.length) throw new ContainerConfigError('no command specified', 'CreateContainerError');
  return out;
}

/** Where the termination message file of one container instance lives on the node. */
export function terminationMessageFile(
  input: Pick<BuildContainerConfigInput, 'podDir' | 'logPath' | 'id'>,
  name: string,
): string {
  return input.podDir
    ? join(input.podDir, 'containers', name, `${input.id}.termination-log`)
    : join(dirname(input.logPath), `${input.id}.termination-log`);
}

async function terminationLog(
  input: BuildContainerConfigInput,
  c: V1Container,
): Promise<{ file: string; mount: Mount } | undefined> {
  if (!c.terminationMessagePath) return undefined;
  const file = terminationMessageFile(input, c.name);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, '', { flag: 'a' });
  // Any user the container runs as must be able to write its message.
  await chmod(file, 0o666);
  return { file, mount: { kind: 'bind', source: file, destination: c.terminationMessagePath } };
}

async function resolveEnv(input: BuildContainerConfigInput, pod: V1Pod, c: V1Container): Promise<EnvVar[]> {
  const podIP = input.podIP ?? '';
  return containerEnv({
    pod,
    container: c,
    runtime: {
      hostIP: input.node.ip,
      hostIPs: input.node.ips,
      podIP,
      podIPs: input.podIPs ?? (podIP ? [podIP] : []),
    },
    nodeAllocatable: input.node.allocatable,
    source: memoized(input.configSource ?? clientConfigSource(input.client)),
    signal: input.signal,
    onWarning: input.onWarning,
  });
}

export async function buildContainerConfig(input: BuildContainerConfigInput): Promise<ContainerConfig> {
  const pod = input.pod as V1Pod;
  const c = input.container as V1Container;
  const image = input.imageConfig ?? {};
  try {
    const env = await resolveEnv(input, pod, c);
    const envMap = new Map(env.map((e) => [e.name, e.value]));
    const args = processArgs(c, image, envMap);
    const sec = effectiveSecurity(pod, c);
    verifyRunAsNonRoot(pod, c, sec, imageUserIdentity(image.User));
    const user = await resolveProcessUser({
      rootfs: input.rootfs,
      imageUser: image.User,
      runAsUser: sec.runAsUser,
      runAsGroup: sec.runAsGroup,
      supplementalGroups: sec.supplementalGroups,
      fsGroup: sec.fsGroup,
    });
    const mounts = containerMounts(pod, c, input.volumes, envMap);
    const termination = await terminationLog(input, c);
    if (termination && !mounts.some((m) => m.destination === termination.mount.destination))
      mounts.push(termination.mount);
    return {
      id: input.id,
      sandboxId: input.sandboxId,
      name: c.name,
      attempt: input.attempt,
      image: c.image,
      rootfs: input.rootfs,
      args,
      env: mergeImageEnv(image.Env, env),
      cwd: c.workingDir || image.WorkingDir || undefined,
      user,
      tty: c.tty === true,
      stdin: c.stdin === true,
      stdinOnce: c.stdinOnce === true,
      mounts,
      capabilities: sec.capabilities ? { add: sec.capabilities.add, drop: sec.capabilities.drop } : undefined,
      privileged: sec.privileged,
      readOnlyRootfs: sec.readOnlyRootFilesystem,
      noNewPrivileges: sec.noNewPrivileges,
      resources: containerResources(c),
      stopSignal: image.StopSignal || undefined,
      logPath: input.logPath,
      labels: input.labels,
      annotations: {
        ...input.annotations,
        ...(termination ? { [terminationMessageAnnotation]: termination.file } : {}),
      },
    };
  } catch (err) {
    if (err instanceof ContainerConfigError || input.signal?.aborted) throw err;
    // Anything else that stops the config (an API read that failed, a bad quantity) is still the pod's config error.
    throw new ContainerConfigError((err as Error).message);
  }
}
