// Unpacks one layer blob into layers/<chainID>/, once: built under tmp/,
// checked against the diffID from the image config, then renamed into place.
// If another process finished the same layer first, its copy wins.

import { mkdir, rename, rm } from 'node:fs/promises';
import { verifyDigest } from './digest.ts';
import { LayerWriter } from './layer-writer.ts';
import { applyOpaqueDirectories } from './opaque.ts';
import { readTarEntries } from './tar-stream.ts';

export interface UnpackRequest {
  /** The layer blob (gzip, zstd or plain tar). */
  blob: string;
  /** Expected digest of the uncompressed tar. */
  diffID: string;
  /** Final directory, layers/<chainID hex>. */
  target: string;
  /** Unpacked directories of the layers below, top first. */
  lowerDirs: readonly string[];
  /** A fresh path under tmp/ to build in. */
  workDir: string;
  signal?: AbortSignal;
}

export async function unpackLayer(request: UnpackRequest): Promise<void> {
  await mkdir(request.workDir, { mode: 0o755 });
  try {
    const writer = new LayerWriter(request.workDir);
    const diffID = await readTarEntries(request.blob, (entry) => writer.apply(entry), request.signal);
    verifyDigest(request.diffID, diffID, `layer ${request.diffID}`);
    await applyOpaqueDirectories(writer, request.lowerDirs);
    await writer.finishDirectories();
    try {
      await rename(request.workDir, request.target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(request.workDir, { recursive: true, force: true });
  }
}
