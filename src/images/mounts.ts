// Mount points as the kernel reports them in /proc/self/mountinfo (field 5,
// with spaces, tabs, newlines and backslashes written as octal escapes).

import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(unescapeMountPath(field));
  }
  return points;
}

/**
 * Whether a filesystem is mounted on `path`: it then lives on another device
 * than its parent directory (an overlay always does). Two stat calls instead
 * of reading the whole mount table, which grows with every container.
 */
export async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([stat(path), stat(dirname(path))]);
    return self.dev !== parent.dev || self.ino === parent.ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Directories under `prefix` used as overlay lower layers by any mount. A
 * second guard beside leases: a layer that is mounted is never collected.
 * Relative lowerdirs (rootfs.ts mounts from the container directory, the
 * mount point's parent) are resolved from there, through its links.
 */
export async function overlayLowerDirsUnder(prefix: string): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const realPrefix = await realpath(prefix).catch(() => prefix);
  const dirs = new Set<string>();
  for (const line of text.split('\n')) {
    const [head, tail] = line.split(' - ');
    if (!tail?.startsWith('overlay ')) continue;
    const options = tail.split(' ')[2] ?? '';
    const lower = /(?:^|,)lowerdir=([^,]*)/.exec(options)?.[1];
    const base = dirname(unescapeMountPath(head.split(' ')[4] ?? '/'));
    for (const dir of lower?.split(':') ?? []) {
      const path = await realpath(resolve(base, unescapeMountPath(dir))).catch(() => undefined);
      if (path?.startsWith(`${realPrefix}/`)) dirs.add(join(prefix, path.slice(realPrefix.length + 1)));
    }
  }
  return dirs;
}
