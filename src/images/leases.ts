// Leases say which blobs and layers running work still needs, so garbage
// collection (in this or another process) leaves them alone even though no
// image in index.json refers to them yet (a pull in progress) or any more (a
// container still running on a removed image).
//
// - ingest: held by a pull or import until its image is in the index; alive
//   while its owner process runs.
// - rootfs: held by a prepared container root filesystem; alive while its
//   owner runs or, after an agent restart, while the overlay is still mounted.

import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreLayout } from './layout.ts';
import { ownerAlive, ownerTag, type ProcessOwner } from './owner.ts';

export type Lease =
  | { kind: 'ingest'; owner: ProcessOwner; digests: string[]; chainIDs: string[] }
  | { kind: 'rootfs'; owner: ProcessOwner; target: string; image: string; chainIDs: string[] };

export async function writeLease(layout: StoreLayout, name: string, lease: Lease): Promise<void> {
  const temp = join(layout.tmp, `lease-${randomBytes(8).toString('hex')}`);
  await writeFile(temp, JSON.stringify(lease));
  await rename(temp, join(layout.leases, name));
}

export async function readLease(layout: StoreLayout, name: string): Promise<Lease | undefined> {
  try {
    return JSON.parse(await readFile(join(layout.leases, name), 'utf8')) as Lease;
  } catch {
    return undefined;
  }
}

export async function removeLease(layout: StoreLayout, name: string): Promise<void> {
  await rm(join(layout.leases, name), { force: true });
}

export interface LeaseEntry {
  name: string;
  lease: Lease;
  alive: boolean;
}

export async function listLeases(layout: StoreLayout, mounted: Set<string>): Promise<LeaseEntry[]> {
  let names: string[];
  try {
    names = await readdir(layout.leases);
  } catch {
    return [];
  }
  const out: LeaseEntry[] = [];
  for (const name of names) {
    const lease = await readLease(layout, name);
    if (!lease) continue;
    let alive = await ownerAlive(lease.owner);
    if (lease.kind === 'rootfs') alive ||= mounted.has(lease.target);
    out.push({ name, lease, alive });
  }
  return out;
}

/**
 * The lease of one pull or import. Call protect() under the store lock before
 * checking whether a blob or layer exists, so collection cannot delete it
 * between the check and the index update.
 */
export class IngestLease {
  readonly name: string;
  private readonly layout: StoreLayout;
  private readonly owner: ProcessOwner;
  private readonly digests = new Set<string>();
  private readonly chainIDs = new Set<string>();

  constructor(layout: StoreLayout, owner: ProcessOwner) {
    this.layout = layout;
    this.owner = owner;
    this.name = `ingest-${ownerTag(owner)}-${randomBytes(6).toString('hex')}.json`;
  }

  async protect(items: { digests?: string[]; chainIDs?: string[] }): Promise<void> {
    const before = this.digests.size + this.chainIDs.size;
    for (const d of items.digests ?? []) this.digests.add(d);
    for (const c of items.chainIDs ?? []) this.chainIDs.add(c);
    if (this.digests.size + this.chainIDs.size === before) return;
    await writeLease(this.layout, this.name, {
      kind: 'ingest',
      owner: this.owner,
      digests: [...this.digests],
      chainIDs: [...this.chainIDs],
    });
  }

  async release(): Promise<void> {
    await removeLease(this.layout, this.name);
  }
}
