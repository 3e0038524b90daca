// Where the OCI runtime keeps its state. Everything the runtime knows lives in
// these files (plus the OCI runtime's own root), never only in memory, so a new
// instance after an agent restart sees exactly what the old one left:
//
//   <stateDir>/
//     infra-rootfs/            read-only root of every sandbox's infra container
//     sockets/                 conmon attach sockets
//     sandboxes/<id>/          sandbox.json, config.json (infra bundle), hostname, shm/, monitor files
//     containers/<id>/         container.json, config.json (bundle), monitor files
//
// Monitor files (written by conmon or by us next to a bundle): conmon.pid,
// pid (container init), started (ISO time), exit (exit code), oom (exists on OOM kill).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class StateLayout {
  readonly stateDir: string;

  constructor(stateDir: string) {
    this.stateDir = stateDir;
  }

  get infraRootfs(): string {
    return join(this.stateDir, 'infra-rootfs');
  }
  get socketsDir(): string {
    return join(this.stateDir, 'sockets');
  }
  get sandboxesDir(): string {
    return join(this.stateDir, 'sandboxes');
  }
  get containersDir(): string {
    return join(this.stateDir, 'containers');
  }
  sandboxDir(id: string): string {
    return join(this.sandboxesDir, id);
  }
  containerDir(id: string): string {
    return join(this.containersDir, id);
  }
}

export interface MonitorFiles {
  dir: string;
  conmonPidFile: string;
  pidFile: string;
  startedFile: string;
  exitFile: string;
  oomFile: string;
}

export function monitorFiles(dir: string): MonitorFiles {
  return {
    dir,
    conmonPidFile: join(dir, 'conmon.pid'),
    pidFile: join(dir, 'pid'),
    startedFile: join(dir, 'started'),
    exitFile: join(dir, 'exit'),
    oomFile: join(dir, 'oom'),
  };
}

/** Readers never see half a file: write aside, then rename over. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1));
}

/**
 * undefined when the file does not exist. Read synchronously: these are a few
 * bytes of local state, and a node's worth of pod workers reads them often;
 * the promise-based readFile costs some ten times the CPU of the read itself.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

const idPattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** Ids become file names, cgroup names and runc ids, so they must be plain. */
export function isValidId(id: string): boolean {
  return idPattern.test(id);
}
