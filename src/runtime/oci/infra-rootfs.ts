// The infra container's root filesystem: a directory holding only catatonit and
// the empty mount points runc needs. catatonit must be statically linked, since
// no libraries live there; Debian's is.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const mountPoints = ['proc', 'dev', 'sys', 'etc'];

/** Builds `dir` unless it is current; concurrent builders (two instances) settle through a rename. */
export async function ensureInfraRootfs(dir: string, catatonitPath: string): Promise<void> {
  if (await isCurrent(dir, catatonitPath)) return;
  if (await needsInterpreter(catatonitPath)) {
    throw new Error(`${catatonitPath} is dynamically linked; the infra container needs a static catatonit`);
  }
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    for (const m of mountPoints) await mkdir(join(tmp, m), { recursive: true });
    await copyFile(catatonitPath, join(tmp, 'catatonit'));
    try {
      await rename(tmp, dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      // Someone else's build, or a stale one (catatonit was upgraded).
      if (await isCurrent(dir, catatonitPath)) return;
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function isCurrent(dir: string, catatonitPath: string): Promise<boolean> {
  try {
    const [have, want] = await Promise.all([stat(join(dir, 'catatonit')), stat(catatonitPath)]);
    return have.size === want.size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** True when a 64-bit little-endian ELF file has a PT_INTERP program header, i.e. is dynamically linked. */
export async function needsInterpreter(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    await file.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
      throw new Error(`${path} is not a 64-bit little-endian ELF executable`);
    }
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return true;
    return false;
  } finally {
    await file.close();
  }
}
