// Pod volumes on a node: emptyDir (disk or tmpfs), hostPath, configMap,
// secret, downwardAPI and projected, prepared under the pod's directory and
// turned into the bind mounts of each container.
export { type FileProjection, type Payload, validatePayloadPath, writeAtomically } from './atomic-writer.ts';
export { containerMounts, expandSubPath, type PodVolumes, type PreparedVolume } from './container-mounts.ts';
export { memoryMediumSize, podMemoryLimit } from './empty-dir.ts';
export { failedMountMessage, type VolumeFailure, VolumeSetupError } from './errors.ts';
export { podDir, podVolumesDir } from './paths.ts';
export { type RefreshResult, VolumeManager, type VolumeManagerOptions } from './volume-manager.ts';
