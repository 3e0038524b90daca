// What the runtime remembers about each sandbox and container, one JSON file
// each, written once at creation. Live state is never stored here: it comes
// from runc and the monitor's files when asked.
import { readdir } from 'node:fs/promises';
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

export async function listSandboxRecords(layout: StateLayout): Promise<SandboxRecord[]> {
  const ids = await listDir(layout.sandboxesDir);
  const records = await Promise.all(ids.map((id) => readSandboxRecord(layout, id)));
  return records.filter((r) => r !== undefined);
}

export async function listContainerRecords(layout: StateLayout): Promise<ContainerRecord[]> {
  const ids = await listDir(layout.containersDir);
  const records = await Promise.all(ids.map((id) => readContainerRecord(layout, id)));
  return records.filter((r) => r !== undefined);
}

export function labelsMatch(have: Labels | undefined, want: Labels | undefined): boolean {
  return Object.entries(want ?? {}).every(([k, v]) => have?.[k] === v);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
