// A minimal container root filesystem for tests: Debian's static busybox and a
// link per applet, so tests need no image store.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const busybox = '/bin/busybox';

export async function createBusyboxRootfs(dir: string): Promise<string> {
  for (const d of ['bin', 'proc', 'dev', 'sys', 'etc', 'tmp', 'root'])
    await mkdir(join(dir, d), { recursive: true });
  await copyFile(busybox, join(dir, 'bin/busybox'));
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') await symlink('busybox', join(dir, 'bin', applet));
  }
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  return dir;
}
