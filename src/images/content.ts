// Content-addressed blobs: written to tmp/ while hashed, verified against the
// digest that named them, then renamed into blobs/sha256/<hex>. A blob that is
// present is therefore complete and correct.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Of, verifyDigest } from './digest.ts';
import { ImageError } from './errors.ts';
import { blobPath, type StoreLayout } from './layout.ts';
import { ownerTag, type ProcessOwner } from './owner.ts';

export async function hasBlob(layout: StoreLayout, digest: string): Promise<boolean> {
  try {
    return (await stat(blobPath(layout, digest))).isFile();
  } catch {
    return false;
  }
}

/** Reads a (small) blob and checks it still hashes to its name. */
export async function readBlob(layout: StoreLayout, digest: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(blobPath(layout, digest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ImageError('NotFound', `blob ${digest} is missing from the image store`);
    }
    throw err;
  }
  verifyDigest(digest, sha256Of(bytes), `blob ${digest}`);
  return bytes;
}

export function tempPath(layout: StoreLayout, owner: ProcessOwner, what: string): string {
  return join(layout.tmp, `${ownerTag(owner)}-${what}-${randomBytes(6).toString('hex')}`);
}

export interface WrittenBlob {
  digest: string;
  size: number;
}

export interface BlobExpectation {
  digest?: string;
  size?: number;
  /** Named in errors, e.g. "layer sha256:… of docker.io/library/busybox:latest". */
  what: string;
}

/**
 * Streams `source` into the store. With an expected digest, the content must
 * match it (and an expected size caps how much is read, so a lying server
 * cannot fill the disk); without one, the computed digest names the blob.
 */
export async function writeBlob(
  layout: StoreLayout,
  owner: ProcessOwner,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  expect: BlobExpectation,
  onBytes?: (written: number) => void,
): Promise<WrittenBlob> {
  const temp = tempPath(layout, owner, 'blob');
  const hash = createHash('sha256');
  let size = 0;
  const file = await open(temp, 'wx', 0o644);
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (expect.size !== undefined && size > expect.size) {
        throw new ImageError(
          'DigestMismatch',
          `${expect.what}: more than the ${expect.size} bytes announced`,
        );
      }
      hash.update(chunk);
      await file.write(chunk);
      onBytes?.(size);
    }
    await file.sync();
    await file.close();
    const digest = 'sha256:' + hash.digest('hex');
    if (expect.digest !== undefined) verifyDigest(expect.digest, digest, expect.what);
    if (expect.size !== undefined && size !== expect.size) {
      throw new ImageError('DigestMismatch', `${expect.what}: got ${size} bytes, expected ${expect.size}`);
    }
    await rename(temp, blobPath(layout, digest));
    return { digest, size };
  } catch (err) {
    await file.close().catch(() => {});
    await rm(temp, { force: true });
    throw err;
  }
}

export async function writeBlobBytes(
  layout: StoreLayout,
  owner: ProcessOwner,
  bytes: Uint8Array,
  expect: BlobExpectation,
): Promise<WrittenBlob> {
  return writeBlob(layout, owner, [bytes], expect);
}

/**
 * Moves a file we own (an extracted archive member under tmp/) into the
 * store, hashing it first. Same filesystem, so no copy.
 */
export async function adoptFile(
  layout: StoreLayout,
  file: string,
  expect: BlobExpectation,
  beforeRename?: (blob: WrittenBlob) => Promise<void>,
): Promise<WrittenBlob> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  const digest = 'sha256:' + hash.digest('hex');
  if (expect.digest !== undefined) verifyDigest(expect.digest, digest, expect.what);
  if (expect.size !== undefined && size !== expect.size) {
    throw new ImageError('DigestMismatch', `${expect.what}: got ${size} bytes, expected ${expect.size}`);
  }
  await beforeRename?.({ digest, size });
  await rename(file, blobPath(layout, digest));
  return { digest, size };
}
