// hostPath volumes: the node's own path, checked against the volume's `type`
// with the kubelet's rules and wording (the messages surface in FailedMount
// events).
import type { Stats } from 'node:fs';
import { chmod, mkdir, open, stat } from 'node:fs/promises';

const kinds: Record<string, { test: (s: Stats) => boolean; description: string }> = {
  Directory: { test: (s) => s.isDirectory(), description: 'directory' },
  File: { test: (s) => s.isFile(), description: 'file' },
  Socket: { test: (s) => s.isSocket(), description: 'socket file' },
  CharDevice: { test: (s) => s.isCharacterDevice(), description: 'character device' },
  BlockDevice: { test: (s) => s.isBlockDevice(), description: 'block device' },
};

async function statOf(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** Checks (and for the *OrCreate types, makes) the host path; throws with upstream's message. */
export async function prepareHostPath(path: string, type: string | undefined): Promise<void> {
  if (path.split('/').includes('..')) throw new Error(`invalid HostPath \`${path}\`: must not contain '..'`);
  const t = type ?? '';
  if (t === '') return;
  let expected = t;
  if (t === 'DirectoryOrCreate' || t === 'FileOrCreate') {
    expected = t === 'DirectoryOrCreate' ? 'Directory' : 'File';
    if (!(await statOf(path))) {
      if (t === 'DirectoryOrCreate') {
        await mkdir(path, { recursive: true, mode: 0o755 });
      } else {
        const fh = await open(path, 'a', 0o644);
        await fh.close();
        await chmod(path, 0o644);
      }
      return;
    }
  }
  const kind = kinds[expected];
  if (!kind) throw new Error(`${t} is an invalid volume type`);
  const st = await statOf(path);
  if (!st || !kind.test(st))
    throw new Error(`hostPath type check failed: ${path} is not a ${kind.description}`);
}
