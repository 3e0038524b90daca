// The mount table as the kernel reports it in /proc/self/mountinfo, and the
// cheap way to ask whether one path is a mount point. Shared by the image
// store (overlay root filesystems), the runtime (the pod's /dev/shm, cgroup
// hierarchies) and volumes (memory-backed emptyDirs).

import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface MountEntry {
  /** Where it is mounted, unescaped. */
  mountPoint: string;
  fsType: string;
  /** The filesystem's own options (for overlay: lowerdir=…, upperdir=…), unescaped only where callers need it. */
  superOptions: string[];
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** The whole table, in mount order (a mount stacked on another comes after it). */
export async function readMountTable(): Promise<MountEntry[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    // Optional fields end at the lone '-'; the mount point is always the fifth field before it.
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fsType, , superOptions = ''] = right.split(' ');
    entries.push({
      mountPoint: unescapeMountField(left.split(' ')[4]),
      fsType,
      superOptions: superOptions.split(','),
    });
  }
  return entries;
}

/**
 * Whether a filesystem is mounted on `path`: it then lives on another device
 * than its parent directory (a tmpfs or an overlay always does; a bind mount
 * of a directory from the same filesystem would not, and is not asked about).
 * Two stat calls instead of reading a table that grows with every container.
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
