// A pod's fsGroup applied to a volume, as the kubelet's SetVolumeOwnership
// does: every file and directory gets the group, group read (and write, for
// writable volumes) access, and directories the setgid bit so new files
// inherit the group. Symlinks are re-grouped but never chmodded: a chmod
// would reach through to the file they point at.
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const rwMask = 0o660;
const roMask = 0o440;
const execMask = 0o110;
const setgid = 0o2000;

export function fsGroupMode(mode: number, o: { dir: boolean; readOnly: boolean }): number {
  let mask = o.readOnly ? roMask : rwMask;
  if (o.dir) mask |= setgid | execMask;
  return (mode & 0o7777) | mask;
}

/** Applies fsGroup to path and everything below it, without following symlinks. */
export async function applyFsGroup(path: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const st = await lstat(path);
  await lchown(path, -1, fsGroup);
  if (st.isSymbolicLink()) return;
  await chmod(path, fsGroupMode(st.mode, { dir: st.isDirectory(), readOnly }));
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await applyFsGroup(join(path, name), fsGroup, readOnly);
}
