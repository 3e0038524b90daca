// What the pod network remembers about each pod, one JSON file per pod under
// the state directory. The record is written before anything is created and
// deleted only after everything is gone, so a crash at any point leaves a
// record that tells teardown what to undo, and a restarted agent can read a
// pod's address back without running CNI again.

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CniResult, NetworkConfigList } from './cni-chain.ts';

export interface HostPort {
  containerPort: number;
  hostPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

interface RecordBase {
  podUid: string;
  namespace: string;
  name: string;
  netnsName: string;
  containerId: string;
  ifName: string;
  hostPorts: HostPort[];
  /** The list ADD ran with; DEL and CHECK must see the same plugins and settings. */
  networkList: NetworkConfigList;
}

/** `adding`: CNI ADD started but its result was never recorded. `ready`: the pod has its address. */
export type PodNetworkRecord =
  | (RecordBase & { state: 'adding' })
  | (RecordBase & { state: 'ready'; ip: string; gateway: string; result: CniResult });

export class PodRecords {
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = path.join(stateDir, 'pods');
  }

  #file(podUid: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(podUid)) throw new Error(`invalid pod uid: ${podUid}`);
    return path.join(this.#dir, `${podUid}.json`);
  }

  async get(podUid: string): Promise<PodNetworkRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(podUid), 'utf8')) as PodNetworkRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Written to a temporary name and renamed, so a reader never sees half a record. */
  async put(record: PodNetworkRecord): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const file = this.#file(record.podUid);
    const temp = `${file}.tmp`;
    await writeFile(temp, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(temp, file);
  }

  async remove(podUid: string): Promise<void> {
    await rm(this.#file(podUid), { force: true });
  }

  async list(): Promise<PodNetworkRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: PodNetworkRecord[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const record = await this.get(name.slice(0, -'.json'.length));
      if (record) records.push(record);
    }
    return records;
  }
}
