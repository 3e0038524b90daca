// Shared pieces for image tests: a temp directory that is unmounted and
// removed after the test (even when it fails), the busybox test image as
// docker-archive and OCI archives, and a runner for `orca images` as a
// separate process, the way a user (or a second process beside the agent)
// would run it.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { testImageSpec } from '../../scripts/build-test-image.ts';
import { dockerArchive, type ImageSpec, ociArchive } from '../../scripts/image-archive.ts';

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, '..', '..');
const node = join(repoRoot, 'node_modules', '.bin', 'node');

export const isRoot = process.getuid?.() === 0;

async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point?.startsWith(`${dir}/`) === true)
    .sort((a, b) => b.length - a.length);
}

/**
 * A fresh directory; after the test, anything mounted under it (container
 * root filesystems included) is unmounted and it is removed. Tests keep every
 * mount under it, so this one hook cleans up even after a failure.
 */
export async function tempDir(t: TestContext, prefix = 'orca-images-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(async () => {
    for (const point of await mountsUnder(dir)) await run('umount', ['--lazy', point]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

export { mountsUnder };

export async function writeArchive(
  dir: string,
  name: string,
  spec: ImageSpec,
  format: 'docker' | 'oci',
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, format === 'oci' ? ociArchive(spec) : dockerArchive(spec));
  return file;
}

/** The busybox test image (scripts/build-test-image.sh's content) under `reference`. */
export function busyboxSpec(reference: string, compression: 'none' | 'gzip' | 'zstd' = 'none'): ImageSpec {
  return testImageSpec(reference, compression);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `orca images ARGS…` in its own process. */
export async function orcaImages(args: string[]): Promise<CliResult> {
  const entry =
    `import { runImagesCommand } from ${JSON.stringify(join(repoRoot, 'src/cli/images.ts'))};` +
    'process.exitCode = await runImagesCommand(process.argv.slice(1));';
  try {
    const { stdout, stderr } = await run(
      node,
      ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', entry, '--', ...args],
      {
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
