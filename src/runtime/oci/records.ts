// What the runtime remembers about each sandbox and container, one JSON file
// each, written once at creation. Live state is never stored here: it comes
// from runc and the monitor's files when asked.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, Labels, PidMode, SandboxNetwork } from '../types.ts';
import { readJsonIfExists, type StateLayout } from './layout.ts';

export interface SandboxRecord {
  id: string;
  podUid: string;
  name: string;
  namespace: string;
  attempt: number;
  hostname: string;
  network: SandboxNetwork;
  hostIPC: boolean;
  pidMode: PidMode;
  hostsPath?: string;
  resolvConfPath?: string;
  labels: Labels;
  annotations: Labels;
  createdAt: string;
  /** The pod's cgroup path, relative to each hierarchy's root. */
  podCgroup: string;
}

export interface ContainerRecord {
  config: ContainerConfig;
  createdAt: string;
  podCgroup: string;
}

export const sandboxRecordFile = (layout: StateLayout, id: string) =>
  join(layout.sandboxDir(id), 'sandbox.json');
export const containerRecordFile = (layout: StateLayout, id: string) =>
  join(layout.containerDir(id), 'container.json');

export function readSandboxRecord(layout: StateLayout, id: string): Promise<SandboxRecord | undefined> {
  return readJsonIfExists<SandboxRecord>(sandboxRecordFile(layout, id));
}

export function readContainerRecord(layout: StateLayout, id: string): Promise<ContainerRecord | undefined> {
  return readJsonIfExists<ContainerRecord>(containerRecordFile(layout, id));
}

/** Files read at once when many records are new (an agent restarted under hundreds of containers). */
const readsAtOnce = 32;

/**
 * Every record in one directory, parsed once: a record never changes after
 * it is written, so it is kept until its directory is gone from a listing.
 * Each list still reads the directory, so records another process made or
 * removed are seen; the runtime's own removes forget theirs at once, so an id
 * removed and made again is read afresh. Without it every pod worker's look
 * at its own containers read and parsed every record on the node.
 */
export class RecordCache<T> {
  readonly #dir: string;
  readonly #file: (id: string) => string;
  readonly #known = new Map<string, T>();

  constructor(dir: string, file: (id: string) => string) {
    this.#dir = dir;
    this.#file = file;
  }

  async list(): Promise<T[]> {
    const ids = await listDir(this.#dir);
    const present = new Set(ids);
    for (const id of this.#known.keys()) if (!present.has(id)) this.#known.delete(id);
    const unread = ids.filter((id) => !this.#known.has(id));
    for (let i = 0; i < unread.length; i += readsAtOnce) {
      const batch = unread.slice(i, i + readsAtOnce);
      const read = await Promise.all(batch.map((id) => readJsonIfExists<T>(this.#file(id))));
      // Not yet written (a create under way) stays unknown until a later list.
      batch.forEach((id, j) => {
        if (read[j] !== undefined) this.#known.set(id, read[j]);
      });
    }
    return ids.map((id) => this.#known.get(id)).filter((r) => r !== undefined);
  }

  forget(id: string): void {
    this.#known.delete(id);
  }
}

export function sandboxRecordCache(layout: StateLayout): RecordCache<SandboxRecord> {
  return new RecordCache(layout.sandboxesDir, (id) => sandboxRecordFile(layout, id));
}

export function containerRecordCache(layout: StateLayout): RecordCache<ContainerRecord> {
  return new RecordCache(layout.containersDir, (id) => containerRecordFile(layout, id));
}

export function labelsMatch(have: Labels | undefined, want: Labels | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
}

/** Synchronous for the reason readTextIfExists is (layout.ts). */
async function listDir(dir: string): Promise<string[]> {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
