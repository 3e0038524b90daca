// Pod volumes: unique DNS-label names, exactly one source each, and the
// sources orca can actually provide checked in detail.
import type {
  V1ConfigMapVolumeSource,
  V1DownwardAPIVolumeFile,
  V1ProjectedVolumeSource,
  V1SecretVolumeSource,
  V1Volume,
} from '@kubernetes/client-node';
import { compareQuantities, zeroQuantity } from '../quantity.ts';
import type { StatusCause } from '../status.ts';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  notSupported,
  required,
  sorted,
  tooLong,
} from './field.ts';
import { validateAnnotations, validateLabels } from './meta.ts';
import { isDns1123Label, isDns1123Subdomain } from './names.ts';
import { parseQuantityField } from './resources.ts';
import {
  validateConfigMap,
  validateDownwardAPIFile,
  validateMode,
  validatePathNoBacksteps,
  validateProjected,
  validateSecret,
} from './volume-files.ts';

/**
 * Every volume source in upstream's checking order, with the path segment its
 * "more than 1 volume type" error names (upstream misspells two of them).
 */
const sourceOrder: [string, string][] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const hostPathTypes = sorted([
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
]);

type Checker = (source: never, path: string, ctx: VolumeContext) => StatusCause[];

interface VolumeContext {
  podName?: string;
  volumeName: string;
  isPod: boolean;
}

const checkers: Record<string, Checker> = {
  emptyDir: (s: { sizeLimit?: string }, p) => {
    if (s.sizeLimit === undefined) return [];
    const parsed = parseQuantityField(s.sizeLimit, child(p, 'sizeLimit'));
    if (parsed.quantity && compareQuantities(parsed.quantity, zeroQuantity) < 0) {
      return [forbidden(child(p, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity')];
    }
    return parsed.causes;
  },
  hostPath: (s: { path?: string; type?: string }, p) => {
    if (!s.path) return [required(child(p, 'path'))];
    const errs = validatePathNoBacksteps(s.path, child(p, 'path'));
    if (s.type !== undefined && !hostPathTypes.includes(s.type)) {
      errs.push(notSupported(child(p, 'type'), s.type, hostPathTypes));
    }
    return errs;
  },
  secret: (s: V1SecretVolumeSource, p) => validateSecret(s, p),
  configMap: (s: V1ConfigMapVolumeSource, p) => validateConfigMap(s, p),
  persistentVolumeClaim: (s: { claimName?: string }, p) =>
    s.claimName ? [] : [required(child(p, 'claimName'))],
  nfs: (s: { server?: string; path?: string }, p) => {
    const errs: StatusCause[] = [];
    if (!s.server) errs.push(required(child(p, 'server')));
    if (!s.path) errs.push(required(child(p, 'path')));
    if (!s.path?.startsWith('/'))
      errs.push(invalid(child(p, 'path'), s.path ?? '', 'must be an absolute path'));
    return errs;
  },
  downwardAPI: (s: { defaultMode?: number; items?: V1DownwardAPIVolumeFile[] }, p) => [
    ...validateMode(s.defaultMode, child(p, 'defaultMode')),
    ...(s.items ?? []).flatMap((f) => validateDownwardAPIFile(f, p)),
  ],
  projected: (s: V1ProjectedVolumeSource, p) => validateProjected(s, p),
  csi: (s: { driver?: string }, p) => {
    const driver = s.driver ?? '';
    const dp = child(p, 'driver');
    const errs: StatusCause[] = [];
    if (!driver) errs.push(required(dp));
    if (driver.length > 63) errs.push(tooLong(dp, 63));
    errs.push(...invalidEach(dp, driver, isDns1123Subdomain(driver.toLowerCase())));
    return errs;
  },
  ephemeral: (
    s: { volumeClaimTemplate?: { metadata?: Record<string, unknown>; spec?: unknown } },
    p,
    ctx,
  ) => {
    const tpl = s.volumeClaimTemplate;
    if (!tpl) return [required(child(p, 'volumeClaimTemplate'))];
    const tp = child(p, 'volumeClaimTemplate');
    const errs = [
      ...validateAnnotations(tpl.metadata?.annotations, child(tp, 'metadata', 'annotations')),
      ...validateLabels(tpl.metadata?.labels, child(tp, 'metadata', 'labels')),
    ];
    if (!tpl.spec) errs.push(required(child(tp, 'spec')));
    if (ctx.podName && ctx.volumeName) {
      const pvcName = `${ctx.podName}-${ctx.volumeName}`;
      for (const m of isDns1123Subdomain(pvcName)) {
        errs.push(invalid(child(p, 'name'), ctx.volumeName, `PVC name "${pvcName}": ${m}`));
      }
    }
    return errs;
  },
  image: (s: { reference?: string; pullPolicy?: string }, p, ctx) => {
    const errs: StatusCause[] = [];
    if (ctx.isPod && !s.reference) errs.push(required(child(p, 'reference')));
    errs.push(...validatePullPolicy(s.pullPolicy, child(p, 'pullPolicy')));
    return errs;
  },
};

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];

export function validatePullPolicy(policy: string | undefined, path: string): StatusCause[] {
  if (!policy) return [required(path)];
  return pullPolicies.includes(policy) ? [] : [notSupported(path, policy, pullPolicies)];
}

function validateSource(vol: V1Volume, path: string, ctx: VolumeContext): StatusCause[] {
  const errs: StatusCause[] = [];
  const record = vol as unknown as Record<string, unknown>;
  let count = 0;
  for (const [field, shownAs] of sourceOrder) {
    const source = record[field];
    if (source === undefined || source === null) continue;
    if (count > 0) {
      errs.push(forbidden(child(path, shownAs), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...(checkers[field]?.(source as never, child(path, field), ctx) ?? []));
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

export interface ValidatedVolumes {
  /** Valid volumes by name, for mounts and devices to refer to. */
  byName: Map<string, V1Volume>;
  causes: StatusCause[];
}

export function validateVolumes(
  volumes: V1Volume[] | undefined,
  podName: string | undefined,
  path: string,
  isPod: boolean,
): ValidatedVolumes {
  const byName = new Map<string, V1Volume>();
  const causes: StatusCause[] = [];
  const ephemeralClaims = new Set(
    podName ? (volumes ?? []).filter((v) => v.ephemeral).map((v) => `${podName}-${v.name}`) : [],
  );
  (volumes ?? []).forEach((vol, i) => {
    const p = index(path, i);
    const namePath = child(p, 'name');
    const errs = validateSource(vol, p, { podName, volumeName: vol.name ?? '', isPod });
    if (!vol.name) errs.push(required(namePath));
    else errs.push(...invalidEach(namePath, vol.name, isDns1123Label(vol.name)));
    if (byName.has(vol.name)) errs.push(duplicate(namePath, vol.name));
    if (errs.length === 0) byName.set(vol.name, vol);
    else causes.push(...errs);
    const claim = vol.persistentVolumeClaim?.claimName;
    if (claim && ephemeralClaims.has(claim)) {
      causes.push(
        invalid(
          child(p, 'persistentVolumeClaim', 'claimName'),
          claim,
          'must not reference a PVC that gets created for an ephemeral volume',
        ),
      );
    }
  });
  return { byName, causes };
}
