// Resident memory read from /proc: one process's VmRSS, and the sum over
// the conmon monitors whose command line names something of ours.

import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of a process in bytes; 0 when it is gone. */
export function residentBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** RssAnon: the resident memory that is the process's own, not pages of files it shares. */
export function anonymousBytes(pid: number): number {
  return statusBytes(pid, 'RssAnon');
}

function statusBytes(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface ProcessSum {
  count: number;
  bytes: number;
}

/** The processes whose parent is `pid` and whose arguments contain `mark`. */
export function childrenMatching(pid: number, mark: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(mark)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** conmon processes whose arguments contain any of `marks` (a data dir, container ids). */
export function conmonResident(marks: readonly string[]): ProcessSum {
  let count = 0;
  let bytes = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!args[0]?.endsWith('conmon')) continue;
    if (!args.some((a) => marks.some((m) => a.includes(m)))) continue;
    const rss = residentBytes(Number(entry));
    if (rss === 0) continue;
    count++;
    bytes += rss;
  }
  return { count, bytes };
}
