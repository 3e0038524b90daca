// Volume defaults: a volume with no source is an emptyDir, projected files
// are 0644, tokens live an hour, and the legacy drivers get their settings.
import type { V1Volume } from '@kubernetes/client-node';
import { isRecord, records } from '../validation/object.ts';
import { defaultFieldRef, defaultPullPolicy } from './containers.ts';
import { canonicalizeQuantityField, canonicalizeRequirements } from './quantities.ts';

// 0644: what upstream gives secret, configMap, downwardAPI and projected files.
const defaultFileMode = 0o644;

const volumeSources = [
  'hostPath',
  'emptyDir',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'persistentVolumeClaim',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'downwardAPI',
  'fc',
  'azureFile',
  'configMap',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'projected',
  'portworxVolume',
  'scaleIO',
  'storageos',
  'csi',
  'ephemeral',
  'image',
];

function setIfUnset(obj: unknown, field: string, value: unknown): void {
  if (isRecord(obj) && (obj[field] === undefined || obj[field] === null)) obj[field] = value;
}

function defaultDownwardItems(items: unknown): void {
  for (const item of records(items)) {
    defaultFieldRef(item.fieldRef);
    if (isRecord(item.resourceFieldRef)) canonicalizeQuantityField(item.resourceFieldRef, 'divisor');
  }
}

/** Defaults for the spec of a PersistentVolumeClaim, also used inside ephemeral volumes and templates. */
export function defaultPvcSpec(spec: unknown): void {
  if (!isRecord(spec)) return;
  setIfUnset(spec, 'volumeMode', 'Filesystem');
  canonicalizeRequirements(spec.resources);
}

export function defaultVolume(vol: V1Volume): void {
  const v = vol as unknown as Record<string, unknown>;
  if (!volumeSources.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  canonicalizeQuantityField(v.emptyDir, 'sizeLimit');
  setIfUnset(v.hostPath, 'type', '');
  setIfUnset(v.secret, 'defaultMode', defaultFileMode);
  setIfUnset(v.configMap, 'defaultMode', defaultFileMode);
  if (isRecord(v.downwardAPI)) {
    setIfUnset(v.downwardAPI, 'defaultMode', defaultFileMode);
    defaultDownwardItems(v.downwardAPI.items);
  }
  if (isRecord(v.projected)) {
    setIfUnset(v.projected, 'defaultMode', defaultFileMode);
    for (const src of records(v.projected.sources)) {
      if (isRecord(src.downwardAPI)) defaultDownwardItems(src.downwardAPI.items);
      setIfUnset(src.serviceAccountToken, 'expirationSeconds', 3600);
    }
  }
  setIfUnset(v.iscsi, 'iscsiInterface', 'default');
  if (isRecord(v.rbd)) {
    setIfUnset(v.rbd, 'pool', 'rbd');
    setIfUnset(v.rbd, 'user', 'admin');
    setIfUnset(v.rbd, 'keyring', '/etc/ceph/keyring');
  }
  if (isRecord(v.azureDisk)) {
    setIfUnset(v.azureDisk, 'cachingMode', 'ReadWrite');
    setIfUnset(v.azureDisk, 'fsType', 'ext4');
    setIfUnset(v.azureDisk, 'readOnly', false);
    setIfUnset(v.azureDisk, 'kind', 'Shared');
  }
  if (isRecord(v.scaleIO)) {
    setIfUnset(v.scaleIO, 'storageMode', 'ThinProvisioned');
    setIfUnset(v.scaleIO, 'fsType', 'xfs');
  }
  if (isRecord(v.ephemeral) && isRecord(v.ephemeral.volumeClaimTemplate)) {
    defaultPvcSpec(v.ephemeral.volumeClaimTemplate.spec);
  }
  if (isRecord(v.image) && !v.image.pullPolicy) {
    v.image.pullPolicy = defaultPullPolicy(typeof v.image.reference === 'string' ? v.image.reference : '');
  }
}
