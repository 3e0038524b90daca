// Mount points as the kernel reports them in /proc/self/mountinfo (field 5,
// with spaces, tabs, newlines and backslashes written as octal escapes).

import { readFile } from 'node:fs/promises';

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
 * Directories under `prefix` used as overlay lower layers by any mount. A
 * second guard beside leases: a layer that is mounted is never collected.
 */
export async function overlayLowerDirsUnder(prefix: string): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const dirs = new Set<string>();
  for (const line of text.split('\n')) {
    const tail = line.split(' - ')[1];
    if (!tail?.startsWith('overlay ')) continue;
    const options = tail.split(' ')[2] ?? '';
    const lower = /(?:^|,)lowerdir=([^,]*)/.exec(options)?.[1];
    for (const dir of lower?.split(':') ?? []) {
      const path = unescapeMountPath(dir);
      if (path.startsWith(`${prefix}/`)) dirs.add(path);
    }
  }
  return dirs;
}
