// Which process owns a lock, lease or temp file, and whether it still runs.
// A pid alone can be reused after a crash, so the owner is the pid plus the
// process start time from /proc/<pid>/stat (field 22, clock ticks since boot).

import { readFile } from 'node:fs/promises';

export interface ProcessOwner {
  pid: number;
  start: string;
}

async function startTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 counted from 1, less the 2 before ")"
  } catch {
    return undefined;
  }
}

export async function currentOwner(): Promise<ProcessOwner> {
  const start = await startTime(process.pid);
  return { pid: process.pid, start: start ?? '0' };
}

export async function ownerAlive(owner: ProcessOwner): Promise<boolean> {
  if (owner.pid === process.pid) return true;
  const start = await startTime(owner.pid);
  return start !== undefined && start === owner.start;
}

/** "pid-start", used in file names under tmp/ so stale ones can be found. */
export function ownerTag(owner: ProcessOwner): string {
  return `${owner.pid}-${owner.start}`;
}

export function parseOwnerTag(name: string): ProcessOwner | undefined {
  const m = /^(\d+)-(\d+)-/.exec(name);
  return m ? { pid: Number(m[1]), start: m[2] } : undefined;
}
