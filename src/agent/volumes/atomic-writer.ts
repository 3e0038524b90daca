// Publishes a set of files into a volume directory so that a running
// container never sees a half-written update, the way the kubelet's
// AtomicWriter does:
//
//   <dir>/..2024_05_01_10_20_30.a1b2c3/   one complete version of every file
//   <dir>/..data -> ..2024_05_01_...       switched by rename(2), atomically
//   <dir>/<key>  -> ..data/<key>           what users open; never changes
//
// A new version is written beside the old one, `..data` is swapped with a
// rename, then the old version is removed. Readers that opened a file keep
// the old contents; every later open sees the new set as a whole.
import {
  chmod,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { fsGroupMode } from './ownership.ts';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** Relative path → contents. */
export type Payload = Map<string, FileProjection>;

const dataLink = '..data';
const dataLinkTmp = '..data_tmp';
const maxPathLength = 4096;
const maxFileNameLength = 255;

/** Refuses paths that could escape the volume or collide with the writer's own entries. */
export function validatePayloadPath(p: string): void {
  if (p === '') throw new Error(`invalid path: must not be empty: ""`);
  if (posix.isAbsolute(p)) throw new Error(`invalid path: must be relative path: ${p}`);
  if (p.length > maxPathLength)
    throw new Error(`invalid path: must be less than or equal to ${maxPathLength} characters`);
  const parts = p.split('/');
  for (const part of parts) {
    if (part === '..') throw new Error(`invalid path: must not contain '..': ${p}`);
    if (part.length > maxFileNameLength)
      throw new Error(
        `invalid path: filenames must be less than or equal to ${maxFileNameLength} characters`,
      );
  }
  if (parts[0].startsWith('..') && parts[0].length > 2)
    throw new Error(`invalid path: must not start with '..': ${p}`);
}

function cleaned(payload: Payload): Payload {
  const out: Payload = new Map();
  for (const [p, f] of payload) {
    validatePayloadPath(p);
    out.set(posix.normalize(p).replace(/\/$/, ''), f);
  }
  return out;
}

/** Every regular file under dir, as relative paths. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export interface WriteOptions {
  /** The pod's fsGroup: files and directories get this group and group read access. */
  fsGroup?: number;
  now?: Date;
}

function fileMode(f: FileProjection, o: WriteOptions): number {
  return o.fsGroup === undefined ? f.mode : fsGroupMode(f.mode, { dir: false, readOnly: true });
}

async function sameAsPublished(versionDir: string, payload: Payload, o: WriteOptions): Promise<boolean> {
  const present = await filesUnder(versionDir).catch(() => undefined);
  if (!present || present.length !== payload.size) return false;
  for (const rel of present) {
    const want = payload.get(rel);
    if (!want) return false;
    const full = join(versionDir, rel);
    const [st, data] = await Promise.all([stat(full), readFile(full)]);
    if ((st.mode & 0o7777) !== fileMode(want, o) || !data.equals(want.data)) return false;
    if (o.fsGroup !== undefined && st.gid !== o.fsGroup) return false;
  }
  return true;
}

async function mkdirOwned(path: string, o: WriteOptions): Promise<void> {
  await mkdir(path, { recursive: true });
  // 0755 whatever the umask: group and others must be able to walk into the volume.
  await chmod(path, o.fsGroup === undefined ? 0o755 : fsGroupMode(0o755, { dir: true, readOnly: true }));
  if (o.fsGroup !== undefined) await lchown(path, -1, o.fsGroup);
}

function timestampPrefix(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

async function currentVersion(dir: string): Promise<string | undefined> {
  try {
    return await readlink(join(dir, dataLink));
  } catch {
    return undefined;
  }
}

/**
 * Makes `dir` show exactly `payload`. Returns false when it already did
 * (nothing was touched), true when a new version was published.
 */
export async function writeAtomically(dir: string, input: Payload, o: WriteOptions = {}): Promise<boolean> {
  const payload = cleaned(input);
  await mkdir(dir, { recursive: true });
  const old = await currentVersion(dir);
  if (old && (await sameAsPublished(join(dir, old), payload, o))) return false;

  const version = await mkdtemp(join(dir, timestampPrefix(o.now ?? new Date())));
  await mkdirOwned(version, o);
  for (const [rel, f] of payload) {
    const full = join(version, rel);
    for (let d = posix.dirname(rel); d !== '.'; d = posix.dirname(d)) await mkdirOwned(join(version, d), o);
    await writeFile(full, f.data, { mode: f.mode });
    if (o.fsGroup !== undefined) await lchown(full, -1, o.fsGroup);
    await chmod(full, fileMode(f, o));
  }

  const tmp = join(dir, dataLinkTmp);
  await rm(tmp, { force: true });
  await symlink(basename(version), tmp);
  await rename(tmp, join(dir, dataLink));

  const visible = new Set([...payload.keys()].map((rel) => rel.split('/')[0]));
  for (const top of visible) {
    const link = join(dir, top);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(posix.join(dataLink, top), link);
  }
  for (const name of await readdir(dir)) {
    if (name === dataLink || name === basename(version) || visible.has(name)) continue;
    // Older versions, including any a crash left half-written, go.
    if (name.startsWith('..')) await rm(join(dir, name), { recursive: true, force: true });
    // So do links to keys that are gone; anything else here is not the writer's to remove.
    else if ((await lstat(join(dir, name))).isSymbolicLink()) await unlink(join(dir, name));
  }
  return true;
}

/** Whether dir holds a published version (setUp ran at least once). */
export async function isPublished(dir: string): Promise<boolean> {
  return (await currentVersion(dir)) !== undefined;
}
