// Which uid, gid and groups a container's process gets: runAsUser/runAsGroup
// over the image's `User` ("uid", "name", "uid:gid", "name:group"), names
// and primary groups looked up in the container's own /etc/passwd and
// /etc/group, plus the groups that list the user and the pod's
// supplementalGroups and fsGroup — what containerd does for the kubelet.
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { ContainerConfigError } from './container-config-error.ts';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

/** The user part of an image's `User`, as the kubelet reads it for runAsNonRoot. */
export type ImageUserIdentity = { kind: 'uid'; uid: number } | { kind: 'name'; name: string };

const numeric = /^\d+$/;

export function imageUserIdentity(user: string | undefined): ImageUserIdentity {
  const name = (user ?? '').split(':')[0];
  if (name === '') return { kind: 'uid', uid: 0 };
  return numeric.test(name) ? { kind: 'uid', uid: Number(name) } : { kind: 'name', name };
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function lines(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4 && numeric.test(f[2]) && numeric.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]) }));
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3 && numeric.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const maxLinks = 40;

/**
 * Reads a file of the container's filesystem with its symlinks resolved
 * inside the root, so an image's absolute link cannot make the agent read a
 * host file. Missing files read as undefined.
 */
export async function readInRoot(root: string, path: string): Promise<string | undefined> {
  let pending = path.split('/').filter(Boolean);
  let resolved: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const st = await lstat(host).catch(() => undefined);
    if (!st) return undefined;
    if (st.isSymbolicLink()) {
      if (++links > maxLinks) return undefined;
      const target = await readlink(host);
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (posix.isAbsolute(target)) resolved = [];
      continue;
    }
    resolved.push(part);
  }
  return readFile(join(root, ...resolved), 'utf8').catch(() => undefined);
}

export interface UserRequest {
  rootfs: string;
  /** The image config's User. */
  imageUser?: string;
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  fsGroup?: number;
}

function fail(message: string): never {
  throw new ContainerConfigError(message, 'CreateContainerError');
}

export async function resolveProcessUser(req: UserRequest): Promise<ProcessUser> {
  const [imageName = '', imageGroup] = (req.imageUser ?? '').split(':');
  const userPart = req.runAsUser !== undefined ? String(req.runAsUser) : imageName;
  // The image's group only applies to the image's user; runAsGroup beats both.
  const groupPart =
    req.runAsGroup !== undefined
      ? String(req.runAsGroup)
      : req.runAsUser === undefined
        ? imageGroup
        : undefined;
  const passwd = parsePasswd(await readInRoot(req.rootfs, '/etc/passwd'));
  const groups = parseGroup(await readInRoot(req.rootfs, '/etc/group'));

  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (userPart === '' || numeric.test(userPart)) {
    uid = userPart === '' ? 0 : Number(userPart);
    const entry = passwd.find((p) => p.uid === uid);
    gid = entry?.gid ?? 0;
    name = entry?.name;
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) fail(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
    gid = entry.gid;
    name = entry.name;
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (numeric.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = groups.find((g) => g.name === groupPart);
      if (!entry) fail(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = entry.gid;
    }
  }
  const memberOf = name
    ? groups.filter((g) => g.name !== name && g.members.includes(name!)).map((g) => g.gid)
    : [];
  const extra = [...(req.supplementalGroups ?? []), ...(req.fsGroup !== undefined ? [req.fsGroup] : [])];
  return { uid, gid, additionalGids: [...new Set([gid, ...memberOf, ...extra])] };
}
