// A container's volumeMounts as runtime bind mounts. subPath (or subPathExpr
// expanded against the container's env) binds a directory or file inside
// the volume, checked and made the way the kubelet does; volumes that must
// be read-only (configMap, secret, downwardAPI, projected) are, whatever the
// mount asks.

import { chmodSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import type { V1Container, V1Pod, V1VolumeMount } from '@kubernetes/client-node';
import type { Mount } from '../../runtime/types.ts';
import { ContainerConfigError } from '../container-config-error.ts';
import { expand } from '../var-expansion.ts';

export interface PreparedVolume {
  hostPath: string;
  /** The volume is only ever mounted read-only. */
  readOnly?: boolean;
}

/** Volume name → where it is on the node; what VolumeManager.setUp returns. */
export type PodVolumes = Map<string, PreparedVolume>;

/** subPathExpr: every reference must name a variable with a value. */
export function expandSubPath(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  const out = expand(expr, (name) => {
    const v = env.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  // Not startsWith('..'): the writer's own version directories are named "..2024_…".
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/**
 * The host path to bind for a subPath: made (as a directory with the
 * volume's own mode) when missing, and resolved so that no symlink inside
 * the volume can point the bind outside it.
 */
function subPathSource(volumePath: string, subPath: string, mount: V1VolumeMount, container: string): string {
  if (posix.isAbsolute(subPath))
    throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..'))
    throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  const root = realpathSync(volumePath);
  const wanted = join(volumePath, subPath);
  if (!exists(wanted)) {
    try {
      // The part that exists must already be inside the volume, or mkdir would follow a link out of it.
      let existing = dirname(wanted);
      while (!exists(existing)) existing = dirname(existing);
      if (!inside(root, realpathSync(existing))) throw new Error('outside the volume');
      const mode = statSync(volumePath).mode & 0o7777;
      const first = mkdirSync(wanted, { recursive: true, mode });
      for (let d = wanted; first; d = dirname(d)) {
        chmodSync(d, mode);
        if (d === first) break;
      }
    } catch {
      // Upstream keeps host details out of the message users see.
      throw new ContainerConfigError(
        `failed to create subPath directory for volumeMount "${mount.name}" of container "${container}"`,
      );
    }
  }
  let resolved: string;
  try {
    resolved = realpathSync(wanted);
  } catch {
    resolved = '';
  }
  if (!resolved || !inside(root, resolved))
    throw new ContainerConfigError(
      `failed to prepare subPath for volumeMount "${mount.name}" of container "${container}"`,
    );
  return resolved;
}

export function containerMounts(
  _pod: V1Pod,
  container: V1Container,
  volumes: PodVolumes,
  env: ReadonlyMap<string, string> = new Map(),
): Mount[] {
  const out: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const vol = volumes.get(m.name);
    if (!vol)
      throw new ContainerConfigError(
        `cannot find volume "${m.name}" to mount into container "${container.name}"`,
      );
    const subPath = m.subPathExpr ? expandSubPath(m.subPathExpr, env) : (m.subPath ?? '');
    const source = subPath ? subPathSource(vol.hostPath, subPath, m, container.name) : vol.hostPath;
    out.push({
      kind: 'bind',
      source,
      destination: posix.isAbsolute(m.mountPath) ? m.mountPath : `/${m.mountPath}`,
      readOnly: m.readOnly === true || vol.readOnly === true,
    });
  }
  return out;
}
