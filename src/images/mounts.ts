// What the image store reads from the mount table: which paths are mounted
// (rootfs leases whose mount is gone are stale) and which layers overlays
// still use.

import { realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readMountTable, unescapeMountField } from '../util/mountinfo.ts';

export { isMountPoint } from '../util/mountinfo.ts';

export async function mountPoints(): Promise<Set<string>> {
  return new Set((await readMountTable()).map((m) => m.mountPoint));
}

/**
 * Directories under `prefix` used as overlay lower layers by any mount. A
 * second guard beside leases: a layer that is mounted is never collected.
 * Relative lowerdirs (rootfs.ts mounts from the container directory, the
 * mount point's parent) are resolved from there, through its links.
 */
export async function overlayLowerDirsUnder(prefix: string): Promise<Set<string>> {
  const realPrefix = await realpath(prefix).catch(() => prefix);
  const dirs = new Set<string>();
  for (const mount of await readMountTable()) {
    if (mount.fsType !== 'overlay') continue;
    const lower = mount.superOptions.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length);
    const base = dirname(mount.mountPoint);
    for (const dir of lower?.split(':') ?? []) {
      const path = await realpath(resolve(base, unescapeMountField(dir))).catch(() => undefined);
      if (path?.startsWith(`${realPrefix}/`)) dirs.add(join(prefix, path.slice(realPrefix.length + 1)));
    }
  }
  return dirs;
}
