// The last steps shared by pull and import: with manifest, config and layer
// blobs in the store, unpack the layer chain and record the image in the
// index. Everything touched is protected by the caller's ingest lease first.

import { stat } from 'node:fs/promises';
import { tempPath } from './content.ts';
import type { ProgressCallback, StoreContext } from './context.ts';
import { chainIDs } from './digest.ts';
import { addImage, type ImageRecord, updateIndex } from './index-file.ts';
import { blobPath, layerPath } from './layout.ts';
import type { IngestLease } from './leases.ts';
import { withStoreLock } from './lock.ts';
import type { ImageConfig, ImageManifest } from './manifest.ts';
import { unpackLayer } from './unpack.ts';

export interface IngestedImage {
  digest: string;
  manifestDigest: string;
  manifest: ImageManifest;
  configDigest: string;
  config: ImageConfig;
  references: string[];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Makes sure layers/<chainID> exists for every layer, unpacking what is missing. */
export async function ensureLayers(
  ctx: StoreContext,
  lease: IngestLease | undefined,
  layers: readonly { digest: string; diffID: string }[],
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
): Promise<string[]> {
  const ids = chainIDs(layers.map((l) => l.diffID));
  for (const [i, layer] of layers.entries()) {
    const chainID = ids[i];
    const target = layerPath(ctx.layout, chainID);
    const present = await withStoreLock(
      ctx.layout,
      async () => {
        await lease?.protect({ chainIDs: [chainID], digests: [layer.digest] });
        return isDirectory(target);
      },
      signal,
    );
    if (present) continue;
    let running = ctx.unpacking.get(chainID);
    if (!running) {
      onProgress?.({ kind: 'unpacking', digest: layer.digest, chainID });
      running = unpackLayer({
        blob: blobPath(ctx.layout, layer.digest),
        diffID: layer.diffID,
        target,
        lowerDirs: ids
          .slice(0, i)
          .reverse()
          .map((id) => layerPath(ctx.layout, id)),
        workDir: tempPath(ctx.layout, ctx.owner, 'layer'),
        signal,
      }).finally(() => ctx.unpacking.delete(chainID));
      ctx.unpacking.set(chainID, running);
    }
    await running;
    onProgress?.({ kind: 'unpacked', digest: layer.digest, chainID });
  }
  return ids;
}

export async function recordImage(
  ctx: StoreContext,
  lease: IngestLease,
  image: IngestedImage,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
): Promise<ImageRecord> {
  const diffIDs = image.config.rootfs.diff_ids;
  const layers = image.manifest.layers.map((l, i) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    size: l.size,
    diffID: diffIDs[i],
  }));
  const ids = await ensureLayers(ctx, lease, layers, onProgress, signal);
  const record: ImageRecord = {
    digest: image.digest,
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    layers: layers.map((l, i) => ({ ...l, chainID: ids[i] })),
    references: image.references,
    size: image.manifest.config.size + layers.reduce((sum, l) => sum + l.size, 0),
    created: image.config.created,
  };
  await withStoreLock(ctx.layout, () => updateIndex(ctx.layout, (index) => addImage(index, record)), signal);
  onProgress?.({ kind: 'done', references: image.references, digest: image.digest });
  return record;
}
