// Sources that project files into a volume (secret, configMap, downwardAPI,
// projected): item keys and paths, file modes, and the relative-path rules
// shared with sub-paths and seccomp profiles.
import type {
  V1ConfigMapVolumeSource,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1ProjectedVolumeSource,
  V1SecretVolumeSource,
} from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { validateFieldRef, validateResourceFieldRef } from './env.ts';
import { child, forbidden, index, invalid, required } from './field.ts';

export const fileModeError = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Path must be relative and contain no '..' element. */
export function validateLocalDescendingPath(p: string, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, path));
  return errs;
}

export function validatePathNoBacksteps(p: string, path: string): StatusCause[] {
  return p.split('/').includes('..') ? [invalid(path, p, "must not contain '..'")] : [];
}

export function validateLocalNonReservedPath(p: string, path: string): StatusCause[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(path, p, "must not start with '..'"));
  return errs;
}

export function validateMode(mode: number | undefined, path: string): StatusCause[] {
  return mode !== undefined && (mode > 0o777 || mode < 0) ? [invalid(path, mode, fileModeError)] : [];
}

function validateKeyToPath(kp: V1KeyToPath, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!kp.key) errs.push(required(child(path, 'key')));
  if (!kp.path) errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(kp.path ?? '', child(path, 'path')));
  errs.push(...validateMode(kp.mode, child(path, 'mode')));
  return errs;
}

function validateItems(items: V1KeyToPath[] | undefined, path: string): StatusCause[] {
  return (items ?? []).flatMap((kp, i) => validateKeyToPath(kp, index(path, i)));
}

export function validateSecret(s: V1SecretVolumeSource, path: string): StatusCause[] {
  return [
    ...(s.secretName ? [] : [required(child(path, 'secretName'))]),
    ...validateMode(s.defaultMode, child(path, 'defaultMode')),
    ...validateItems(s.items, child(path, 'items')),
  ];
}

export function validateConfigMap(c: V1ConfigMapVolumeSource, path: string): StatusCause[] {
  return [
    ...(c.name ? [] : [required(child(path, 'name'))]),
    ...validateMode(c.defaultMode, child(path, 'defaultMode')),
    ...validateItems(c.items, child(path, 'items')),
  ];
}

export function validateDownwardAPIFile(file: V1DownwardAPIVolumeFile, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (!file.path) errs.push(required(child(path, 'path')));
  errs.push(...validateLocalNonReservedPath(file.path ?? '', child(path, 'path')));
  if (file.fieldRef) {
    errs.push(...validateFieldRef(file.fieldRef, 'volume', child(path, 'fieldRef')));
    if (file.resourceFieldRef) {
      errs.push(
        invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'),
      );
    }
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldRef(file.resourceFieldRef, true, child(path, 'resourceFieldRef')));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(file.mode, child(path, 'mode')));
  return errs;
}

export function validateProjected(p: V1ProjectedVolumeSource, path: string): StatusCause[] {
  const errs = validateMode(p.defaultMode, child(path, 'defaultMode'));
  const seenPaths = new Set<string>();
  const claimPath = (candidate: string, shown: string) => {
    if (seenPaths.has(candidate)) errs.push(invalid(path, shown, 'conflicting duplicate paths'));
    seenPaths.add(candidate);
  };
  (p.sources ?? []).forEach((src, i) => {
    const sp = index(child(path, 'sources'), i);
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const s = src[kind];
      if (!s) continue;
      count++;
      if (!s.name) errs.push(required(child(sp, kind, 'name')));
      (s.items ?? []).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, index(child(sp, kind, 'items'), j)));
        if (kp.path) claimPath(kp.path, s.name ?? '');
      });
    }
    if (src.downwardAPI) {
      count++;
      for (const file of src.downwardAPI.items ?? []) {
        errs.push(...validateDownwardAPIFile(file, child(sp, 'downwardAPI')));
        if (file.path) claimPath(file.path, file.path);
      }
    }
    const token = src.serviceAccountToken;
    if (token) {
      count++;
      const tp = child(sp, 'serviceAccountToken');
      const secs = token.expirationSeconds ?? 3600;
      if (secs < 600)
        errs.push(
          invalid(child(tp, 'expirationSeconds'), secs, 'may not specify a duration less than 10 minutes'),
        );
      if (secs > 2 ** 32) {
        errs.push(
          invalid(
            child(tp, 'expirationSeconds'),
            secs,
            'may not specify a duration larger than 2^32 seconds',
          ),
        );
      }
      if (!token.path) errs.push(required(child(path, 'path')));
      else errs.push(...validateLocalNonReservedPath(token.path, child(path, 'path')));
    }
    if (src.clusterTrustBundle) count++;
    if (count > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}
