// One volume of a pod made ready on the node, by kind of source. Each kind
// is safe to set up again: an existing directory, tmpfs or published file
// set is kept and brought up to date, which is what an agent restart needs.
import type { V1Pod, V1Volume } from '@kubernetes/client-node';
import { memoryBytes } from '../../api/quantity.ts';
import type { Logger } from '../../util/log.ts';
import type { ConfigSource } from '../config-sources.ts';
import { isPublished, type Payload, writeAtomically } from './atomic-writer.ts';
import type { PreparedVolume } from './container-mounts.ts';
import { ensureTmpfs, makeSharedDir, memoryMediumSize } from './empty-dir.ts';
import { prepareHostPath } from './host-path.ts';
import { applyFsGroup } from './ownership.ts';
import { type PluginDir, volumeDir } from './paths.ts';
import {
  configMapPayload,
  defaultFileMode,
  downwardApiPayload,
  type PayloadContext,
  projectedPayload,
  secretPayload,
} from './payloads.ts';

export interface SourceContext {
  podsDir: string;
  pod: V1Pod;
  source: ConfigSource;
  nodeAllocatable: Record<string, string>;
  logger: Logger;
  signal?: AbortSignal;
}

/** The kinds whose files are rendered from API objects and kept current by refresh. */
export type ProjectedKind = 'configMap' | 'secret' | 'downwardAPI' | 'projected';

const pluginOf: Record<ProjectedKind | 'emptyDir', PluginDir> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
};

// Sources orca knows by name but does not serve; anything else is unknown.
const unsupported = [
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

export function projectedKind(v: V1Volume): ProjectedKind | undefined {
  if (v.configMap) return 'configMap';
  if (v.secret) return 'secret';
  if (v.downwardAPI) return 'downwardAPI';
  if (v.projected) return 'projected';
  return undefined;
}

function dirFor(ctx: SourceContext, kind: ProjectedKind | 'emptyDir', name: string): string {
  return volumeDir(ctx.podsDir, ctx.pod.metadata!.uid!, pluginOf[kind], name);
}

function allocatableMemory(ctx: SourceContext): number {
  const m = ctx.nodeAllocatable.memory;
  return m === undefined ? 0 : memoryBytes(m);
}

async function payloadOf(v: V1Volume, kind: ProjectedKind, ctx: SourceContext): Promise<Payload> {
  const pc: PayloadContext = {
    pod: ctx.pod,
    source: ctx.source,
    nodeAllocatable: ctx.nodeAllocatable,
    signal: ctx.signal,
    warn: (message, fields) =>
      ctx.logger.warn(message, { ...fields, volume: v.name, pod: ctx.pod.metadata?.name }),
  };
  switch (kind) {
    case 'configMap':
      return configMapPayload(v.configMap!, pc);
    case 'secret':
      return secretPayload(v.secret!, pc);
    case 'downwardAPI':
      return downwardApiPayload(v.downwardAPI!.items, v.downwardAPI!.defaultMode ?? defaultFileMode, pc);
    case 'projected':
      return projectedPayload(v.projected!, pc);
  }
}

/**
 * Renders a file-backed volume again; false when nothing changed. The files
 * go to the volume only once every source was read, so a failure leaves the
 * previous version in place.
 */
export async function publishVolume(v: V1Volume, kind: ProjectedKind, ctx: SourceContext): Promise<boolean> {
  const payload = await payloadOf(v, kind, ctx);
  return writeAtomically(dirFor(ctx, kind, v.name), payload, {
    fsGroup: ctx.pod.spec?.securityContext?.fsGroup,
  });
}

/** Whether refresh has anything to update (setUp published the volume once). */
export function isVolumePublished(v: V1Volume, kind: ProjectedKind, ctx: SourceContext): Promise<boolean> {
  return isPublished(dirFor(ctx, kind, v.name));
}

export async function setUpVolume(v: V1Volume, ctx: SourceContext): Promise<PreparedVolume> {
  const fsGroup = ctx.pod.spec?.securityContext?.fsGroup;
  if (v.hostPath) {
    await prepareHostPath(v.hostPath.path, v.hostPath.type);
    return { hostPath: v.hostPath.path };
  }
  const kind = projectedKind(v);
  if (kind) {
    const dir = dirFor(ctx, kind, v.name);
    // Secrets (and projections, which may hold them) live in memory only, as upstream keeps them.
    if (kind === 'secret' || kind === 'projected')
      await ensureTmpfs(dir, memoryMediumSize(ctx.pod, undefined, allocatableMemory(ctx)));
    else await makeSharedDir(dir);
    await publishVolume(v, kind, ctx);
    return { hostPath: dir, readOnly: true };
  }
  if (v.persistentVolumeClaim)
    throw new Error(
      `persistentVolumeClaim volumes are not supported yet (claim "${v.persistentVolumeClaim.claimName}")`,
    );
  const named = unsupported.find((s) => (v as unknown as Record<string, unknown>)[s] != null);
  if (named) throw new Error(`${named} volumes are not supported`);
  // A volume with no source at all is an emptyDir (the API defaults it so).
  const emptyDir = v.emptyDir ?? {};
  const dir = dirFor(ctx, 'emptyDir', v.name);
  const medium = emptyDir.medium ?? '';
  if (medium === 'Memory')
    await ensureTmpfs(dir, memoryMediumSize(ctx.pod, emptyDir.sizeLimit, allocatableMemory(ctx)));
  else if (medium === '') await makeSharedDir(dir);
  else throw new Error(`emptyDir medium "${medium}" is not supported`);
  if (fsGroup !== undefined) await applyFsGroup(dir, fsGroup, false);
  return { hostPath: dir };
}
