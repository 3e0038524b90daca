// Garbage collection: under the store lock, everything that no image in the
// index, no live lease and no mounted overlay needs is removed — blobs
// directly, layer trees by renaming them into tmp/ and deleting them after the
// lock is released (a big tree takes a while). Dead leases and the temp files
// of processes that died go too.

import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex } from './digest.ts';
import { readIndex } from './index-file.ts';
import type { StoreLayout } from './layout.ts';
import { listLeases, removeLease } from './leases.ts';
import { withStoreLock } from './lock.ts';
import { mountPoints, overlayLowerDirsUnder } from './mounts.ts';
import { ownerAlive, parseOwnerTag } from './owner.ts';

export interface GcResult {
  blobsRemoved: number;
  layersRemoved: number;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

export async function collectGarbage(layout: StoreLayout, signal?: AbortSignal): Promise<GcResult> {
  const trash: string[] = [];
  const result = await withStoreLock(
    layout,
    async () => {
      const keepBlobs = new Set<string>();
      const keepLayers = new Set<string>();
      const index = await readIndex(layout);
      for (const image of Object.values(index.images)) {
        for (const d of [image.digest, image.manifestDigest, image.configDigest]) keepBlobs.add(digestHex(d));
        for (const layer of image.layers) {
          keepBlobs.add(digestHex(layer.digest));
          keepLayers.add(digestHex(layer.chainID));
        }
      }
      for (const { name, lease, alive } of await listLeases(layout, await mountPoints())) {
        if (!alive) {
          await removeLease(layout, name);
          continue;
        }
        if (lease.kind === 'ingest') for (const d of lease.digests) keepBlobs.add(digestHex(d));
        for (const c of lease.chainIDs) keepLayers.add(digestHex(c));
      }
      for (const dir of await overlayLowerDirsUnder(layout.layers))
        keepLayers.add(dir.slice(layout.layers.length + 1));

      let blobsRemoved = 0;
      for (const name of await names(layout.blobs)) {
        if (keepBlobs.has(name)) continue;
        await rm(join(layout.blobs, name), { force: true });
        blobsRemoved++;
      }
      let layersRemoved = 0;
      for (const name of await names(layout.layers)) {
        if (keepLayers.has(name)) continue;
        const aside = join(layout.tmp, `gc-${randomBytes(6).toString('hex')}`);
        await rename(join(layout.layers, name), aside);
        trash.push(aside);
        layersRemoved++;
      }
      for (const name of await names(layout.tmp)) {
        if (trash.includes(join(layout.tmp, name))) continue;
        const owner = parseOwnerTag(name);
        // Untagged temp files are only made while holding the lock we hold now.
        if (owner === undefined || !(await ownerAlive(owner))) trash.push(join(layout.tmp, name));
      }
      return { blobsRemoved, layersRemoved };
    },
    signal,
  );
  for (const path of trash) await rm(path, { recursive: true, force: true });
  return result;
}
