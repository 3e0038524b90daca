// The few mounts the runtime makes itself (the pod's /dev/shm).
import { isMountPoint } from '../../util/mountinfo.ts';
import { cleanMessage } from './command.ts';
import type { Launcher } from './launcher.ts';

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
