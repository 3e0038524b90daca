// Applies the entries of one layer archive to a directory that will become an
// overlayfs lower layer. The archive is untrusted: names are cleaned of ".."
// and leading "/", and nothing is ever written through a symlink, so an entry
// cannot land outside the layer directory. OCI whiteouts become overlay
// whiteouts (character device 0:0); opaque-directory markers are collected for
// opaque.ts. Ownership, modes, times, symlinks, hard links, device nodes and
// FIFOs are kept. Node has no mknod(2), so device nodes are made by mknod(1).

import { execFile } from 'node:child_process';
import { lchown, link, lstat, lutimes, mkdir, open, rm, chmod as setMode, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReadEntry } from 'tar';
import { ImageError } from './errors.ts';

const run = promisify(execFile);
const whiteoutPrefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

interface DirMeta {
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
}

/** Splits an archive name into clean components; [] is the layer root. */
export function cleanEntryPath(raw: string): string[] {
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new ImageError(
      'InvalidImage',
      `layer entry ${JSON.stringify(raw)} escapes the layer (contains "..")`,
    );
  }
  return parts;
}

export async function makeNode(
  path: string,
  kind: 'c' | 'b' | 'p',
  mode: number,
  major = 0,
  minor = 0,
): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), path, kind];
  if (kind !== 'p') args.push(String(major), String(minor));
  await run('mknod', args);
}

export async function makeWhiteout(path: string): Promise<void> {
  await makeNode(path, 'c', 0);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export class LayerWriter {
  readonly root: string;
  /** Directories (relative, "/"-joined) that had an opaque marker. */
  readonly opaqueDirs = new Set<string>();
  /** Directories known to be real directories in this layer ("" is the root). */
  private readonly knownDirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, DirMeta>();

  constructor(root: string) {
    this.root = root;
  }

  /** Makes every parent of `parts` a real directory; refuses to pass a symlink. */
  private async ensureDir(parts: string[]): Promise<string> {
    let rel = '';
    for (const part of parts) {
      rel = rel === '' ? part : `${rel}/${part}`;
      if (this.knownDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = await lstatOrUndefined(abs);
      if (st?.isSymbolicLink()) {
        throw new ImageError(
          'InvalidImage',
          `layer entry under ${JSON.stringify(rel)} goes through a symlink`,
        );
      }
      if (st && !st.isDirectory()) await rm(abs, { force: true });
      if (!st?.isDirectory()) await mkdir(abs, { mode: 0o755 });
      this.knownDirs.add(rel);
    }
    return join(this.root, rel);
  }

  /** Clears the way for a new entry at `rel`, keeping an existing directory if `keepDir`. */
  private async clear(rel: string, keepDir: boolean): Promise<boolean> {
    const abs = join(this.root, rel);
    const st = await lstatOrUndefined(abs);
    if (!st) return false;
    if (st.isDirectory() && keepDir) return true;
    await rm(abs, { recursive: true, force: true });
    for (const dir of this.knownDirs)
      if (dir === rel || dir.startsWith(`${rel}/`)) this.knownDirs.delete(dir);
    return false;
  }

  async apply(entry: ReadEntry): Promise<void> {
    const parts = cleanEntryPath(entry.path);
    const name = parts.at(-1);
    if (name === undefined) {
      if (entry.type === 'Directory') this.dirMeta.set('', this.metaOf(entry));
      return;
    }
    const parentParts = parts.slice(0, -1);
    const parentAbs = await this.ensureDir(parentParts);
    const rel = parts.join('/');
    const abs = join(parentAbs, name);

    if (name === opaqueMarker) {
      this.opaqueDirs.add(parentParts.join('/'));
      return;
    }
    if (name.startsWith(whiteoutPrefix + whiteoutPrefix)) return; // other AUFS bookkeeping
    if (name.startsWith(whiteoutPrefix)) {
      const hidden = join(parentAbs, name.slice(whiteoutPrefix.length));
      // An entry this layer wrote itself already hides the lower one.
      if (!(await lstatOrUndefined(hidden))) await makeWhiteout(hidden);
      return;
    }

    const uid = entry.uid ?? 0;
    const gid = entry.gid ?? 0;
    const mode = (entry.mode ?? 0o644) & 0o7777;
    switch (entry.type) {
      case 'Directory': {
        if (!(await this.clear(rel, true))) await mkdir(abs, { mode: 0o755 });
        this.knownDirs.add(rel);
        this.dirMeta.set(rel, this.metaOf(entry));
        return;
      }
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        await this.clear(rel, false);
        const file = await open(abs, 'wx', 0o600);
        try {
          for await (const chunk of entry) await file.write(chunk as Buffer);
        } finally {
          await file.close();
        }
        await this.finish(abs, uid, gid, mode, entry.mtime);
        return;
      }
      case 'SymbolicLink': {
        await this.clear(rel, false);
        await symlink(entry.linkpath ?? '', abs);
        await lchown(abs, uid, gid);
        if (entry.mtime) await lutimes(abs, entry.mtime, entry.mtime);
        return;
      }
      case 'Link': {
        const targetParts = cleanEntryPath(entry.linkpath ?? '');
        if (targetParts.length === 0) throw new ImageError('InvalidImage', `hard link ${rel} has no target`);
        await this.ensureDir(targetParts.slice(0, -1));
        const target = join(this.root, ...targetParts);
        const st = await lstatOrUndefined(target);
        if (!st || st.isDirectory()) {
          throw new ImageError(
            'InvalidImage',
            `hard link ${rel} points at ${entry.linkpath}, not a file in this layer`,
          );
        }
        await this.clear(rel, false);
        await link(target, abs);
        return;
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO': {
        await this.clear(rel, false);
        const kind = entry.type === 'FIFO' ? 'p' : entry.type === 'BlockDevice' ? 'b' : 'c';
        await makeNode(abs, kind, mode, entry.header.devmaj, entry.header.devmin);
        await this.finish(abs, uid, gid, mode, entry.mtime);
        return;
      }
      default:
        return; // pax and GNU headers are consumed by the parser; nothing else belongs in a rootfs
    }
  }

  private metaOf(entry: ReadEntry): DirMeta {
    return {
      mode: (entry.mode ?? 0o755) & 0o7777,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime,
    };
  }

  private async finish(abs: string, uid: number, gid: number, mode: number, mtime?: Date): Promise<void> {
    await lchown(abs, uid, gid);
    await setMode(abs, mode); // after chown, which clears set-id bits
    if (mtime) await lutimes(abs, mtime, mtime);
  }

  /** Sets directory owners, modes and times last, as writing children changes them. */
  async finishDirectories(): Promise<void> {
    const dirs = [...this.dirMeta.keys()].sort((a, b) => b.length - a.length);
    for (const rel of dirs) {
      const meta = this.dirMeta.get(rel)!;
      const abs = rel === '' ? this.root : join(this.root, rel);
      const st = await lstatOrUndefined(abs);
      if (!st?.isDirectory()) continue;
      await this.finish(abs, meta.uid, meta.gid, meta.mode, meta.mtime);
    }
  }

  /** The directory for `rel` inside this layer, made if missing. */
  async directory(rel: string): Promise<string> {
    return this.ensureDir(rel === '' ? [] : rel.split('/'));
  }
}
