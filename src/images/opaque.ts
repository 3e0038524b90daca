// Opaque directories without extended attributes. overlayfs marks an opaque
// directory with the xattr trusted.overlay.opaque=y, but Node cannot set
// xattrs and we do not want to depend on setfattr. Layers are unpacked per
// chain ID, so the layers below are fixed and known; an opaque directory is
// made equivalent by whiting out every name the lower layers show in it (and,
// for a name that is a directory both here and below, doing the same one
// level down, since overlayfs would otherwise merge the two).

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LayerWriter } from './layer-writer.ts';
import { makeWhiteout } from './layer-writer.ts';

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
}

function isWhiteout(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** The copies of directory `rel` that the merged lower layers (top first) show. */
async function mergedDirectory(lowerDirs: readonly string[], rel: string): Promise<string[]> {
  let current = [...lowerDirs];
  for (const part of rel === '' ? [] : rel.split('/')) {
    const next: string[] = [];
    for (const dir of current) {
      const candidate = join(dir, part);
      const st = await lstatOrUndefined(candidate);
      if (!st) continue;
      // A whiteout or a non-directory hides this name in every layer below it.
      if (!st.isDirectory()) break;
      next.push(candidate);
    }
    current = next;
  }
  return current;
}

/** Names visible in merged directory `rel` of the lower layers, with whether each is a directory. */
async function visibleNames(lowerDirs: readonly string[], rel: string): Promise<Map<string, boolean>> {
  const visible = new Map<string, boolean>();
  const decided = new Set<string>();
  for (const dir of await mergedDirectory(lowerDirs, rel)) {
    for (const name of await readdir(dir)) {
      if (decided.has(name)) continue;
      decided.add(name);
      const st = await lstatOrUndefined(join(dir, name));
      if (st && !isWhiteout(st)) visible.set(name, st.isDirectory());
    }
  }
  return visible;
}

async function hideLower(writer: LayerWriter, lowerDirs: readonly string[], rel: string): Promise<void> {
  const here = await writer.directory(rel);
  for (const [name, lowerIsDir] of await visibleNames(lowerDirs, rel)) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const own = await lstatOrUndefined(join(here, name));
    if (!own) await makeWhiteout(join(here, name));
    else if (own.isDirectory() && lowerIsDir && !writer.opaqueDirs.has(childRel)) {
      await hideLower(writer, lowerDirs, childRel);
    }
  }
}

/** Turns every opaque marker the writer saw into explicit whiteouts. */
export async function applyOpaqueDirectories(
  writer: LayerWriter,
  lowerDirs: readonly string[],
): Promise<void> {
  if (lowerDirs.length === 0) return;
  for (const rel of [...writer.opaqueDirs].sort()) await hideLower(writer, lowerDirs, rel);
}
