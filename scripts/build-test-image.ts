// Builds orca's small test image from the host's static busybox: /bin/busybox
// with a symlink per applet, /etc/passwd and /etc/group with root and nobody
// (65534), and the usual top-level directories. No network; same input, same
// bytes. Usage: build-test-image.ts OUT.tar [REF] [--format docker|oci] [--compression none|gzip|zstd]

import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dockerArchive, type EntrySpec, type ImageSpec, ociArchive } from './image-archive.ts';

export const defaultTestImage = 'docker.io/library/busybox:latest';
const busybox = '/bin/busybox';

export function testImageSpec(reference: string, compression: 'none' | 'gzip' | 'zstd' = 'none'): ImageSpec {
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((p) => p !== '' && p !== 'bin/busybox')
    .sort();
  const dirs = [
    'bin',
    'dev',
    'etc',
    'home',
    'proc',
    'sbin',
    'sys',
    'usr',
    'usr/bin',
    'usr/sbin',
    'var',
    'var/www',
  ];
  const entries: EntrySpec[] = [
    ...dirs.map((path): EntrySpec => ({ type: 'dir', path })),
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', content: readFileSync(busybox), mode: 0o755 },
    ...applets.map((path): EntrySpec => ({ type: 'symlink', path, target: '/bin/busybox' })),
    {
      type: 'file',
      path: 'etc/passwd',
      content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    },
    { type: 'file', path: 'etc/group', content: 'root:x:0:\nnobody:x:65534:\n' },
  ];
  return {
    reference,
    layers: [{ entries, compression }],
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
    },
  };
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'docker' },
      compression: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || positionals.length < 1 || positionals.length > 2) {
    process.stderr.write(
      'Usage: build-test-image.sh OUT.tar [REF] [--format docker|oci] [--compression none|gzip|zstd]\n' +
        `  REF defaults to ${defaultTestImage}; docker-archive layers default to none, OCI to gzip.\n`,
    );
    return values.help ? 0 : 2;
  }
  const [out, reference = defaultTestImage] = positionals;
  const format = values.format;
  if (format !== 'docker' && format !== 'oci') {
    process.stderr.write(`build-test-image: --format must be docker or oci, not ${format}\n`);
    return 2;
  }
  const compression = values.compression ?? (format === 'oci' ? 'gzip' : 'none');
  if (compression !== 'none' && compression !== 'gzip' && compression !== 'zstd') {
    process.stderr.write(`build-test-image: --compression must be none, gzip or zstd, not ${compression}\n`);
    return 2;
  }
  const spec = testImageSpec(reference, compression);
  const bytes = format === 'oci' ? ociArchive(spec) : dockerArchive(spec);
  writeFileSync(`${out}.partial`, bytes);
  renameSync(`${out}.partial`, out);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
