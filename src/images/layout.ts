// Where things live under <dataDir>/images/. Every writer builds in tmp/ and
// renames into place, so a reader (another process included) sees either
// nothing or a complete blob, layer or index.
//
//   blobs/sha256/<hex>   manifests, indexes, configs and layer archives
//   layers/<hex>/        unpacked layer trees, named by chain ID
//   index.json           references → images (see index-file.ts)
//   leases/              what running work still needs (see leases.ts)
//   tmp/                 partial downloads and unpacks, named by their owner
//   lock                 held while changing index.json, leases or deleting

import { join } from 'node:path';
import { digestHex } from './digest.ts';
import { holdingLockFile, LocalTurns } from './lock.ts';

export interface StoreLayout {
  root: string;
  blobs: string;
  layers: string;
  tmp: string;
  leases: string;
  index: string;
  lock: string;
  /** Callers in this process take turns at `lock` here, so only other processes are polled for. */
  lockTurns: LocalTurns;
}

export function storeLayout(dataDir: string): StoreLayout {
  const root = join(dataDir, 'images');
  const layout: StoreLayout = {
    root,
    blobs: join(root, 'blobs', 'sha256'),
    layers: join(root, 'layers'),
    tmp: join(root, 'tmp'),
    leases: join(root, 'leases'),
    index: join(root, 'index.json'),
    lock: join(root, 'lock'),
    lockTurns: new LocalTurns((work) => holdingLockFile(layout, work)),
  };
  return layout;
}

export function blobPath(layout: StoreLayout, digest: string): string {
  return join(layout.blobs, digestHex(digest));
}

export function layerPath(layout: StoreLayout, chainID: string): string {
  return join(layout.layers, digestHex(chainID, 'chain ID'));
}
