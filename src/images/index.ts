// Images: the node's local image store, registry pulls, archive import and
// overlay root filesystems for containers.

export type { DockerConfigJson, RegistryCredentials } from './auth.ts';
export { credentialsFor } from './auth.ts';
export type { ImageProgress, ProgressCallback } from './context.ts';
export { ImageError, type ImageErrorReason, isImageError } from './errors.ts';
export type { GcResult } from './gc.ts';
export {
  type ImageConfigInfo,
  ImageStore,
  type ImageStoreOptions,
  type ImageSummary,
  type ImportOptions,
  type PullOptions,
  type RemoveResult,
} from './image-store.ts';
export type { ImageRecord, LayerRecord } from './index-file.ts';
export type { ImageConfig, Platform } from './manifest.ts';
export type { PullResult } from './pull.ts';
export { defaultPullPolicy, type PullPolicy, shouldPull } from './pull-policy.ts';
export { formatReference, type ImageReference, normalizeReference, parseReference } from './reference.ts';
export type { PreparedRootfs } from './rootfs.ts';
