// The few mount operations volumes need. Node has no mount API, so these run
// mount(8) and umount(8); what is mounted is read back from
// /proc/self/mountinfo, which stays true across agent restarts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readMountTable } from '../../util/mountinfo.ts';

const run = promisify(execFile);

export interface MountPoint {
  path: string;
  fsType: string;
}

export async function mountPoints(): Promise<MountPoint[]> {
  return (await readMountTable()).map((m) => ({ path: m.mountPoint, fsType: m.fsType }));
}

/** The mount stacked last on path, if any. */
export async function mountAt(path: string): Promise<MountPoint | undefined> {
  return (await mountPoints()).filter((m) => m.path === path).at(-1);
}

/** Every mount point strictly below dir, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const paths = (await mountPoints()).map((m) => m.path).filter((p) => p.startsWith(prefix));
  return [...new Set(paths)].sort((a, b) => b.length - a.length);
}

// mount(8) can wait on its lock file; a stuck one must not hold the pod's volumes forever.
const commandTimeoutMs = 30_000;

async function checked(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { timeout: commandTimeoutMs });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr ?? '').trim() || e.message}`);
  }
}

/** Mounts a tmpfs; a size of 0 leaves the kernel's default (half of RAM). */
export async function mountTmpfs(path: string, sizeBytes: number): Promise<void> {
  // Only a size, as the kubelet mounts it: flags like nodev would reach into containers through the bind.
  const options = sizeBytes > 0 ? ['-o', `size=${sizeBytes}`] : [];
  await checked('mount', ['-t', 'tmpfs', ...options, 'tmpfs', path]);
}

export async function unmount(path: string): Promise<void> {
  await checked('umount', [path]);
}
