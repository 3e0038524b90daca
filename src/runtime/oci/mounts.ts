// The host's mount table and the few mounts the runtime makes itself.
import { readFile } from 'node:fs/promises';
import { cleanMessage } from './command.ts';
import type { Launcher } from './launcher.ts';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

export async function readMountTable(): Promise<MountEntry[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fsType, , superOptions = ''] = right.split(' ');
    entries.push({
      mountPoint: unescapeMountPath(left.split(' ')[4]),
      fsType,
      superOptions: superOptions.split(','),
    });
  }
  return entries;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await readMountTable()).some((m) => m.mountPoint === path);
}

export async function mountTmpfs(launcher: Launcher, path: string, options: string[]): Promise<void> {
  await checked(launcher, 'mount', ['-t', 'tmpfs', '-o', options.join(','), 'tmpfs', path]);
}

/** Unmounts every mount stacked on path; a path with nothing mounted is fine. */
export async function unmountAll(launcher: Launcher, path: string): Promise<void> {
  while (await isMountPoint(path)) await checked(launcher, 'umount', [path]);
}

async function checked(launcher: Launcher, file: string, args: string[]): Promise<void> {
  const r = await launcher.run(file, args);
  if (r.code !== 0)
    throw new Error(`${file} ${args.join(' ')}: ${cleanMessage(r.stderr) || `exit ${r.code}`}`);
}
