// The runtime's cgroups: every pod gets `<parent>/<podUid>` and each of its
// containers `<parent>/<podUid>/<containerId>` (runc makes and deletes those,
// in every hierarchy). We place each pod's monitors in `<parent>/<podUid>/monitors`
// of the hierarchies a service manager tracks processes by (name=systemd on
// cgroup v1, the unified one), so restarting the agent's service does not take
// its containers' monitors with it. The pod's directories go with the sandbox.
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readMountTable } from '../../util/mountinfo.ts';

export interface CgroupMount {
  mountPoint: string;
  /** cgroup2 is the unified hierarchy. */
  version: 1 | 2;
  options: string[];
}

export async function cgroupMounts(): Promise<CgroupMount[]> {
  return (await readMountTable())
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => ({
      mountPoint: m.mountPoint,
      version: m.fsType === 'cgroup2' ? 2 : 1,
      options: m.superOptions,
    }));
}

export function podCgroup(parent: string, podUid: string): string {
  return join('/', parent, podUid);
}

const tracking = (m: CgroupMount) => m.version === 2 || m.options.includes('name=systemd');

/**
 * The cgroup.procs files that place a monitor process in its pod's monitors
 * cgroup of the tracking hierarchies, made ready. `mounts` is cgroupMounts(),
 * read once by the caller: the hierarchies stay put while the host runs, and
 * the whole mount table grows with every pod.
 */
export async function monitorCgroupProcs(podPath: string, mounts: CgroupMount[]): Promise<string[]> {
  const files: string[] = [];
  for (const m of mounts.filter(tracking)) {
    const dir = join(m.mountPoint, podPath, 'monitors');
    await mkdir(dir, { recursive: true });
    files.push(join(dir, 'cgroup.procs'));
  }
  return files;
}

/**
 * Removes the pod's cgroup directories in every hierarchy. Monitors leave a
 * moment after their container ends, so a busy directory is retried briefly.
 */
export async function removePodCgroups(podPath: string, mounts: CgroupMount[]): Promise<void> {
  const dirs = mounts.flatMap((m) => [join(m.mountPoint, podPath, 'monitors'), join(m.mountPoint, podPath)]);
  for (const dir of dirs) await removeDirRetrying(dir);
}

async function removeDirRetrying(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 100) throw e;
      await sleep(20);
    }
  }
}
