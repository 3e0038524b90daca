// The image store on real files, real overlay mounts and real processes:
// archive import in both formats, listing and removal with garbage
// collection, container root filesystems, OCI whiteouts, unsafe archives, and
// the `orca images` CLI run as its own process beside another user of the store.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { buildImage, type EntrySpec, type ImageSpec, tarBytes } from '../../scripts/image-archive.ts';
import { ImageStore, isImageError } from '../../src/images/index.ts';
import {
  busyboxSpec,
  isRoot,
  mountsUnder,
  orcaImages,
  repoRoot,
  tempDir,
  writeArchive,
} from '../helpers/image-fixtures.ts';

const run = promisify(execFile);
const skip = isRoot ? false : 'needs root (overlay mounts, device nodes, chown)';
const busybox = 'docker.io/library/busybox:latest';

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

test('imports the test image from a docker-archive and an OCI archive, lists and removes it', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const dockerFile = await writeArchive(dir, 'docker.tar', busyboxSpec(busybox), 'docker');
  const ociFile = await writeArchive(
    dir,
    'oci.tar',
    busyboxSpec('example.com/tools/busybox:1.0', 'gzip'),
    'oci',
  );

  assert.deepEqual(await store.importArchive(dockerFile), [busybox]);
  assert.deepEqual(await store.importArchive(ociFile), ['example.com/tools/busybox:1.0']);

  const images = await store.list();
  assert.equal(images.length, 2);
  const oci = images.find((i) => i.references.includes('example.com/tools/busybox:1.0'))!;
  const built = buildImage(busyboxSpec('example.com/tools/busybox:1.0', 'gzip'));
  assert.equal(oci.digest, built.manifestDigest, 'an OCI import keeps the archive manifest digest');
  assert.equal(oci.id, built.configDigest);
  assert.equal(oci.created, '2024-01-01T00:00:00.000Z');
  const docker = images.find((i) => i.references.includes(busybox))!;
  assert.equal(docker.id, built.configDigest, 'both archives hold the same config');

  // Short names resolve as kubectl/containerd normalise them.
  assert.ok(await store.has('busybox'));
  assert.ok(await store.has('library/busybox:latest'));
  assert.ok(await store.has(built.manifestDigest.slice(7, 19)), 'a digest prefix finds the image');
  await assert.rejects(
    store.has(built.configDigest.slice(7, 19)),
    /more than one image/,
    'both share one config',
  );
  const info = await store.imageConfig('busybox');
  assert.deepEqual(info.config.Cmd, ['sh']);
  assert.equal(info.imageID, built.configDigest);

  // Both layers are the same tar (one gzip'd), so one unpacked tree serves both images.
  const data = join(dir, 'data', 'images');
  assert.deepEqual(await entries(join(data, 'layers')), [built.layers[0].diffID.slice(7)]);

  const removed = await store.remove('busybox');
  assert.deepEqual(removed.untagged, [busybox]);
  assert.equal(removed.deleted, docker.digest);
  assert.equal((await store.list()).length, 1);
  assert.equal(await store.has('busybox'), false);
  await store.remove('example.com/tools/busybox:1.0');
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await entries(join(data, 'blobs', 'sha256')), [], 'unreferenced blobs are collected');
  assert.deepEqual(await entries(join(data, 'layers')), [], 'unreferenced layers are collected');
  assert.deepEqual(await entries(join(data, 'tmp')), []);

  await assert.rejects(store.remove('busybox'), (err) => isImageError(err, 'NotFound'));
  await assert.rejects(store.importArchive(join(dir, 'missing.tar')), (err) => isImageError(err, 'NotFound'));
  await writeFile(join(dir, 'junk.tar'), 'not a tar archive at all');
  await assert.rejects(store.importArchive(join(dir, 'junk.tar')), (err) =>
    isImageError(err, 'InvalidImage'),
  );
});

test('imports Docker 25+ archives, whose layer.tar entries are symlinks into an OCI blobs/ directory', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const built = buildImage({
    reference: 'new-docker:1',
    layers: [{ entries: [{ type: 'file', path: 'hello', content: 'hi' }] }],
  });
  const hex = (d: string) => d.slice(7);
  const archive = tarBytes([
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    { type: 'file', path: `blobs/sha256/${hex(built.configDigest)}`, content: built.config },
    { type: 'file', path: `blobs/sha256/${hex(built.layers[0].digest)}`, content: built.layers[0].blob },
    { type: 'dir', path: 'legacy-id' },
    {
      type: 'symlink',
      path: 'legacy-id/layer.tar',
      target: `../blobs/sha256/${hex(built.layers[0].digest)}`,
    },
    { type: 'file', path: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    {
      type: 'file',
      path: 'manifest.json',
      content: JSON.stringify([
        {
          Config: `blobs/sha256/${hex(built.configDigest)}`,
          RepoTags: ['new-docker:1'],
          Layers: ['legacy-id/layer.tar'],
        },
      ]),
    },
  ]);
  await writeFile(join(dir, 'docker25.tar'), archive);
  assert.deepEqual(await store.importArchive(join(dir, 'docker25.tar')), ['docker.io/library/new-docker:1']);
  const { rootfs } = await store.prepareRootfs({ image: 'new-docker:1', containerDir: join(dir, 'c') });
  assert.equal(await readFile(join(rootfs, 'hello'), 'utf8'), 'hi');
});

test('a re-tagged reference moves to the new image and the old one is collected', { skip }, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const first: ImageSpec = {
    reference: 'app:v1',
    layers: [{ entries: [{ type: 'file', path: 'version', content: '1' }] }],
  };
  const second: ImageSpec = {
    reference: 'app:v1',
    layers: [{ entries: [{ type: 'file', path: 'version', content: '2' }] }],
  };
  await store.importArchive(await writeArchive(dir, 'one.tar', first, 'docker'));
  await store.importArchive(await writeArchive(dir, 'two.tar', second, 'docker'));
  const images = await store.list();
  assert.equal(images.length, 1);
  assert.equal(images[0].id, buildImage(second).configDigest);
  assert.equal((await entries(join(dir, 'data', 'images', 'layers'))).length, 1);
});

test('prepareRootfs mounts the image read-only under a per-container upper dir, and release undoes it', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  await store.importArchive(await writeArchive(dir, 'bb.tar', busyboxSpec(busybox), 'docker'));
  const containerDir = join(dir, 'containers', 'c1');
  const prepared = await store.prepareRootfs({ image: 'busybox', containerDir });

  assert.deepEqual(await mountsUnder(dir), [prepared.rootfs]);
  assert.ok((await stat(join(prepared.rootfs, 'bin', 'busybox'))).isFile());
  assert.equal((await lstat(join(prepared.rootfs, 'bin', 'sh'))).isSymbolicLink(), true);
  assert.match(await readFile(join(prepared.rootfs, 'etc', 'passwd'), 'utf8'), /^nobody:x:65534:65534:/m);
  assert.equal((await stat(join(prepared.rootfs, 'tmp'))).mode & 0o7777, 0o1777);

  // The image really runs: busybox's shell inside the mounted rootfs.
  const { stdout } = await run('chroot', [
    prepared.rootfs,
    '/bin/sh',
    '-c',
    'echo hello > /tmp/greeting && cat /tmp/greeting && id -u nobody',
  ]);
  assert.equal(stdout, 'hello\n65534\n');

  // Writes land in the container's upper dir, never in the shared layer.
  assert.equal(await readFile(join(containerDir, 'upper', 'tmp', 'greeting'), 'utf8'), 'hello\n');
  const [layer] = await entries(join(dir, 'data', 'images', 'layers'));
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'layers', layer, 'tmp')), []);

  // A second container gets its own view.
  const other = await store.prepareRootfs({ image: busybox, containerDir: join(dir, 'containers', 'c2') });
  await assert.rejects(stat(join(other.rootfs, 'tmp', 'greeting')));

  // Preparing again (an agent that restarted) hands back the same mount.
  assert.equal((await store.prepareRootfs({ image: 'busybox', containerDir })).rootfs, prepared.rootfs);

  // The image cannot be removed while containers use it.
  await assert.rejects(store.remove('busybox'), (err) => isImageError(err, 'InUse'));
  const cli = await orcaImages(['rm', '--data-dir', join(dir, 'data'), 'busybox']);
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /in use/);

  await prepared.release();
  await other.cleanup();
  assert.deepEqual(await mountsUnder(dir), []);
  assert.deepEqual(await entries(containerDir), []);
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'leases')), []);
  await prepared.release(); // releasing twice is harmless
  await store.remove('busybox');
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'layers')), []);
});

test('a forced removal keeps the layers a mounted container still uses until it is released', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  await store.importArchive(await writeArchive(dir, 'bb.tar', busyboxSpec(busybox), 'docker'));
  const prepared = await store.prepareRootfs({ image: 'busybox', containerDir: join(dir, 'c') });
  await store.remove('busybox', { force: true });
  assert.deepEqual(await store.list(), []);
  assert.ok(
    (await stat(join(prepared.rootfs, 'bin', 'busybox'))).isFile(),
    'the running container keeps its files',
  );
  await prepared.release();
  await store.collectGarbage();
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'layers')), []);
});

test('a layer still mounted is kept even when its lease is lost, and the mount names it briefly', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  await store.importArchive(await writeArchive(dir, 'bb.tar', busyboxSpec(busybox), 'docker'));
  const prepared = await store.prepareRootfs({ image: 'busybox', containerDir: join(dir, 'c') });
  const mountLine = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .find((l) => l.split(' ')[4] === prepared.rootfs);
  assert.match(
    mountLine ?? '',
    /[ ,]lowerdir=l\/0,upperdir=upper,workdir=work(,|$)/,
    String(prepared.rootfs),
  );

  await store.remove('busybox', { force: true });
  const leases = join(dir, 'data', 'images', 'leases');
  for (const name of await entries(leases)) await rm(join(leases, name));
  await store.collectGarbage();
  assert.equal((await entries(join(dir, 'data', 'images', 'layers'))).length, 1, 'the mounted layer stays');
  assert.ok((await stat(join(prepared.rootfs, 'bin', 'busybox'))).isFile());

  await prepared.release();
  await store.collectGarbage();
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'layers')), []);
});

test('the inUse hook can refuse a removal', { skip }, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({
    dataDir: join(dir, 'data'),
    inUse: (image) => image.references.includes(busybox),
  });
  await store.importArchive(await writeArchive(dir, 'bb.tar', busyboxSpec(busybox), 'docker'));
  await assert.rejects(store.remove('busybox'), (err) => isImageError(err, 'InUse'));
  await store.remove('busybox', { force: true });
});

const lowerLayer: EntrySpec[] = [
  { type: 'dir', path: 'a' },
  { type: 'file', path: 'a/keep', content: 'keep' },
  { type: 'file', path: 'a/gone', content: 'old' },
  { type: 'dir', path: 'd' },
  { type: 'file', path: 'd/x', content: 'x' },
  { type: 'dir', path: 'd/sub' },
  { type: 'file', path: 'd/sub/y', content: 'y' },
  { type: 'dir', path: 'e' },
  { type: 'file', path: 'e/old', content: 'old' },
  { type: 'file', path: 'top', content: 'top' },
  { type: 'dir', path: 'whole' },
  { type: 'file', path: 'whole/inside', content: 'i' },
];
const middleLayer: EntrySpec[] = [
  { type: 'file', path: 'a/.wh.gone', content: '' },
  { type: 'dir', path: 'd' },
  { type: 'file', path: 'd/.wh..wh..opq', content: '' },
  { type: 'file', path: 'd/new', content: 'new' },
  { type: 'dir', path: 'd/sub' },
  { type: 'file', path: 'd/sub/z', content: 'z' },
  { type: 'file', path: '.wh.top', content: '' },
  { type: 'file', path: '.wh.whole', content: '' },
  { type: 'file', path: 'e/new', content: 'new' },
];
const upperLayer: EntrySpec[] = [
  { type: 'file', path: 'a/gone', content: 'back' },
  { type: 'file', path: 'owned', content: '#!/bin/sh\n', mode: 0o4755, uid: 1234, gid: 5678 },
  { type: 'hardlink', path: 'owned-link', target: 'owned' },
  { type: 'symlink', path: 'to-keep', target: 'a/keep' },
  { type: 'fifo', path: 'pipe', mode: 0o600 },
  { type: 'char', path: 'null', major: 1, minor: 3, mode: 0o666 },
];

test('whiteouts and opaque directories in later layers hide files below (gzip, none and zstd layers)', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const spec: ImageSpec = {
    reference: 'layered:1',
    layers: [
      { entries: lowerLayer, compression: 'gzip' },
      { entries: middleLayer, compression: 'none' },
      { entries: upperLayer, compression: 'zstd' },
    ],
  };
  await store.importArchive(await writeArchive(dir, 'layered.tar', spec, 'oci'));
  const { rootfs, release } = await store.prepareRootfs({ image: 'layered:1', containerDir: join(dir, 'c') });

  const names = async (path: string) => (await readdir(join(rootfs, path))).sort();
  assert.deepEqual(await names('.'), ['a', 'd', 'e', 'null', 'owned', 'owned-link', 'pipe', 'to-keep']);
  assert.deepEqual(await names('a'), ['gone', 'keep']);
  assert.equal(
    await readFile(join(rootfs, 'a', 'gone'), 'utf8'),
    'back',
    'a file whited out below can come back',
  );
  assert.deepEqual(await names('d'), ['new', 'sub'], 'an opaque directory hides everything below it');
  assert.deepEqual(await names('d/sub'), ['z'], '… including inside a directory it re-creates');
  assert.deepEqual(await names('e'), ['new', 'old'], 'a plain directory merges with the one below');

  const owned = await stat(join(rootfs, 'owned'));
  assert.equal(owned.uid, 1234);
  assert.equal(owned.gid, 5678);
  assert.equal(owned.mode & 0o7777, 0o4755, 'set-uid survives the chown');
  assert.equal(owned.mtime.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.equal((await stat(join(rootfs, 'owned-link'))).ino, owned.ino, 'hard links share an inode');
  assert.equal(await readFile(join(rootfs, 'to-keep'), 'utf8'), 'keep');
  assert.ok((await stat(join(rootfs, 'pipe'))).isFIFO());
  const dev = await stat(join(rootfs, 'null'));
  assert.ok(dev.isCharacterDevice());
  assert.equal(dev.rdev, (1 << 8) | 3);

  // Deleting inside the container hides the file without touching the layer.
  const { stdout } = await run('sh', ['-c', `rm ${join(rootfs, 'a', 'keep')} && ls ${join(rootfs, 'a')}`]);
  assert.equal(stdout, 'gone\n');
  assert.ok(
    (await stat(join(dir, 'c', 'upper', 'a', 'keep'))).isCharacterDevice(),
    'the deletion is a whiteout in the upper dir',
  );
  await release();
  assert.deepEqual(await mountsUnder(dir), []);
});

test('an image with more layers than one mount option string holds still mounts', { skip }, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const layers = Array.from({ length: 60 }, (_, i) => ({
    entries: [
      { type: 'file', path: `layer-${i}`, content: String(i) },
      { type: 'file', path: 'last', content: String(i) },
    ] as EntrySpec[],
  }));
  await store.importArchive(await writeArchive(dir, 'deep.tar', { reference: 'deep:1', layers }, 'docker'));
  const { rootfs, release } = await store.prepareRootfs({ image: 'deep:1', containerDir: join(dir, 'c') });
  assert.equal((await readdir(rootfs)).length, 61);
  assert.equal(await readFile(join(rootfs, 'last'), 'utf8'), '59', 'the top layer wins');
  await release();
  assert.deepEqual(await mountsUnder(dir), []);
});

test('archives that try to write outside the layer are refused', { skip }, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const outside = join(dir, 'escaped');
  const cases: [string, EntrySpec[]][] = [
    ['dot-dot', [{ type: 'file', path: '../../../../escaped', content: 'x' }]],
    [
      'symlink',
      [
        { type: 'symlink', path: 'link', target: dir },
        { type: 'file', path: 'link/escaped', content: 'x' },
      ],
    ],
    ['hardlink', [{ type: 'hardlink', path: 'h', target: '../../../escaped' }]],
  ];
  for (const [name, layer] of cases) {
    const file = await writeArchive(
      dir,
      `${name}.tar`,
      { reference: `evil:${name}`, layers: [{ entries: layer }] },
      'docker',
    );
    await assert.rejects(store.importArchive(file), (err) => isImageError(err, 'InvalidImage'), name);
  }
  await assert.rejects(stat(outside));
  assert.deepEqual(await store.list(), []);
  await store.collectGarbage();
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'tmp')), []);
  assert.deepEqual(await entries(join(dir, 'data', 'images', 'layers')), []);
});

test('a layer whose content does not match its diffID is refused', { skip }, async (t) => {
  const dir = await tempDir(t);
  const store = new ImageStore({ dataDir: join(dir, 'data') });
  const good = buildImage({
    reference: 'x:1',
    layers: [{ entries: [{ type: 'file', path: 'f', content: 'good' }] }],
  });
  const config = JSON.parse(good.config.toString());
  config.rootfs.diff_ids = [`sha256:${'0'.repeat(64)}`];
  const configBytes = Buffer.from(JSON.stringify(config));
  const archive = tarBytes([
    { type: 'file', path: 'config.json', content: configBytes },
    { type: 'file', path: 'layer.tar', content: good.layers[0].blob },
    {
      type: 'file',
      path: 'manifest.json',
      content: JSON.stringify([{ Config: 'config.json', RepoTags: ['x:1'], Layers: ['layer.tar'] }]),
    },
  ]);
  await writeFile(join(dir, 'bad.tar'), archive);
  await assert.rejects(store.importArchive(join(dir, 'bad.tar')), (err) =>
    isImageError(err, 'DigestMismatch'),
  );
  assert.deepEqual(await store.list(), []);
});

test('orca images import/ls/rm work as a separate process while another process uses the store', {
  skip,
}, async (t) => {
  const dir = await tempDir(t);
  const dataDir = join(dir, 'data');
  const archive = join(dir, 'bb.tar');
  await run(join(repoRoot, 'scripts', 'build-test-image.sh'), [archive]);
  const ociArchive = join(dir, 'bb-oci.tar');
  await run(join(repoRoot, 'scripts', 'build-test-image.sh'), [
    ociArchive,
    'registry.test/team/bb:2',
    '--format',
    'oci',
  ]);

  // "The agent": this process holds a mounted rootfs from the store throughout.
  const agent = new ImageStore({ dataDir });
  await agent.importArchive(archive);
  const prepared = await agent.prepareRootfs({ image: 'busybox', containerDir: join(dir, 'c') });

  // Two CLI imports racing each other and the agent's store.
  const [one, two] = await Promise.all([
    orcaImages(['import', '--data-dir', dataDir, ociArchive]),
    orcaImages(['import', '--data-dir', dataDir, archive]),
  ]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'registry.test/team/bb:2\n');
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stdout, `${busybox}\n`);

  const ls = await orcaImages(['ls', '--data-dir', dataDir]);
  assert.equal(ls.code, 0, ls.stderr);
  const lines = ls.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^REFERENCE\s+DIGEST\s+SIZE\s+CREATED$/);
  assert.equal(lines.length, 3);
  assert.match(
    ls.stdout,
    /^docker\.io\/library\/busybox:latest\s+sha256:[0-9a-f]{12}\s+\d[\d.]*[kM]?B\s+\d+ years? ago$/m,
  );
  assert.match(ls.stdout, /^registry\.test\/team\/bb:2\s+sha256:[0-9a-f]{12}\s/m);
  assert.equal(
    (await orcaImages(['ls', '-q', '--data-dir', dataDir])).code,
    2,
    'unknown short flags are usage errors',
  );
  assert.deepEqual(
    (await orcaImages(['ls', '--quiet', '--data-dir', dataDir])).stdout.split('\n').filter(Boolean).sort(),
    [busybox, 'registry.test/team/bb:2'],
  );

  const rm = await orcaImages(['rm', '--data-dir', dataDir, 'registry.test/team/bb:2']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /^Untagged: registry\.test\/team\/bb:2$/m);
  assert.match(rm.stdout, /^Deleted: sha256:/m);
  assert.deepEqual(
    (await agent.list()).map((i) => i.references),
    [[busybox]],
    'the agent sees the change',
  );
  assert.ok(
    (await stat(join(prepared.rootfs, 'bin', 'busybox'))).isFile(),
    'the running container is untouched',
  );

  const missing = await orcaImages(['rm', '--data-dir', dataDir, 'nope:1']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /image "nope:1" not found/);
});

test('orca images reports bad usage with help text and exit code 2', async (t) => {
  const dir = await tempDir(t);
  const help = await orcaImages(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /import FILE\.\.\./);
  for (const sub of ['import', 'ls', 'rm', 'pull']) {
    const r = await orcaImages([sub, '--help']);
    assert.equal(r.code, 0, sub);
    assert.match(r.stdout, /--data-dir DIR\s+.*\(default \/var\/lib\/orca\)/, sub);
  }
  const pullHelp = await orcaImages(['pull', '--help']);
  for (const flag of ['--creds', '--docker-config', '--insecure-registry', '--quiet'])
    assert.ok(pullHelp.stdout.includes(flag), flag);

  for (const args of [
    [],
    ['frobnicate'],
    ['import', '--data-dir', dir],
    ['pull', '--data-dir', dir],
    ['rm', '--data-dir', dir],
    ['ls', '--bogus'],
  ]) {
    const r = await orcaImages(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.notEqual(r.stderr, '', args.join(' '));
  }
  const badRef = await orcaImages(['pull', '--data-dir', dir, 'Not_A/Valid:ref:at:all']);
  assert.equal(badRef.code, 1);
  assert.match(badRef.stderr, /invalid image reference/);
});
