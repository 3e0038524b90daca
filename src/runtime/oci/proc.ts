// Facts about host processes, read from /proc.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * True while pid names a live process. A zombie counts as gone: it has exited and
 * only waits for its parent (often init, for detached monitors) to reap it.
 */
export async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    // procfs answers from memory: a synchronous read never waits on a disk.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; the state follows the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The pids of a process's direct children (needs CONFIG_PROC_CHILDREN, standard on distribution kernels). */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The capability names in this process's bounding set; nothing outside it can be granted to a container. */
export async function boundingCapabilities(allNames: readonly string[]): Promise<Set<string>> {
  const status = await readFile('/proc/self/status', 'utf8');
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const mask = BigInt(`0x${hex}`);
  return new Set(allNames.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
}
