// index.json: the images this store holds and the references naming them.
// Readers need no lock (it is replaced by rename); writers hold the store lock
// and go through updateIndex.

import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from './errors.ts';
import type { StoreLayout } from './layout.ts';

export interface LayerRecord {
  /** Digest of the layer blob as stored (compressed or not). */
  digest: string;
  mediaType: string;
  size: number;
  /** Digest of the uncompressed tar (config.rootfs.diff_ids). */
  diffID: string;
  /** Names the unpacked tree of this layer on top of the ones below it. */
  chainID: string;
}

export interface ImageRecord {
  /** What the reference resolved to: the index/manifest list or the manifest. */
  digest: string;
  /** The manifest for our platform (equals `digest` for single-platform images). */
  manifestDigest: string;
  /** The config blob digest, which is the image ID kubelet reports. */
  configDigest: string;
  layers: LayerRecord[];
  /** Normalised references: "name:tag" and, for pulled images, "name@digest". */
  references: string[];
  /** Bytes of config and layer blobs. */
  size: number;
  /** config.created, when the image has one. */
  created?: string;
}

export interface IndexFile {
  version: 1;
  images: Record<string, ImageRecord>;
}

export async function readIndex(layout: StoreLayout): Promise<IndexFile> {
  let text: string;
  try {
    text = await readFile(layout.index, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, images: {} };
    throw err;
  }
  const parsed = JSON.parse(text) as IndexFile;
  if (parsed.version !== 1 || typeof parsed.images !== 'object') {
    throw new ImageError('InvalidImage', `${layout.index}: unknown image index format`);
  }
  return parsed;
}

/** Read-modify-write of the index. The caller must hold the store lock. */
export async function updateIndex(
  layout: StoreLayout,
  change: (index: IndexFile) => void,
): Promise<IndexFile> {
  const index = await readIndex(layout);
  change(index);
  const temp = join(layout.tmp, `index-${randomBytes(8).toString('hex')}.json`);
  await writeFile(temp, JSON.stringify(index, null, 1));
  await rename(temp, layout.index);
  return index;
}

/**
 * Adds an image and points its references at it, taking those references
 * away from any image that had them; an image left with none is dropped
 * (garbage collection then frees what only it used).
 */
export function addImage(index: IndexFile, image: ImageRecord): void {
  const taken = new Set(image.references);
  for (const [digest, other] of Object.entries(index.images)) {
    if (digest === image.digest) continue;
    other.references = other.references.filter((ref) => !taken.has(ref));
    if (other.references.length === 0) delete index.images[digest];
  }
  const existing = index.images[image.digest];
  const references = new Set([...(existing?.references ?? []), ...image.references]);
  index.images[image.digest] = { ...image, references: [...references].sort() };
}
