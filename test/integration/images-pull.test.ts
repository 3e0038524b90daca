// Pulling from a real registry (Debian's docker-registry on loopback, images
// pushed with skopeo): digests match what the registry serves, OCI/zstd and
// multi-platform images work, tampered content and missing images fail with
// clear errors, and basic and bearer-token authentication work.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { buildImage, hostArchitecture, type ImageSpec } from '../../scripts/image-archive.ts';
import { type ImageProgress, ImageStore, isImageError } from '../../src/images/index.ts';
import { busyboxSpec, isRoot, orcaImages, tempDir, writeArchive } from '../helpers/image-fixtures.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';

const run = promisify(execFile);
const haveTools = await Promise.all(
  ['/usr/bin/docker-registry', '/usr/bin/skopeo'].map((f) =>
    access(f).then(
      () => true,
      () => false,
    ),
  ),
);
const skip = !isRoot
  ? 'needs root (overlay mounts, chown)'
  : haveTools.includes(false)
    ? 'needs docker-registry and skopeo'
    : false;

const manifestAccept =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
  'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';

async function registryDigest(registry: TestRegistry, repository: string, tag: string): Promise<string> {
  const res = await fetch(`http://${registry.host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: manifestAccept },
  });
  assert.equal(res.status, 200);
  return res.headers.get('docker-content-digest')!;
}

/** A small image of its own, so tampering with its blobs touches no other test's. */
function uniqueSpec(name: string): ImageSpec {
  return {
    reference: `${name}:1`,
    layers: [{ entries: [{ type: 'file', path: 'id', content: `${name}-${Math.random()}` }] }],
    config: { Cmd: ['cat', '/id'] },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('pulling from a registry without auth', { skip }, () => {
  let registry: TestRegistry;
  let archive: string;
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'orca-pull-fixture-'));
    registry = await startRegistry();
    archive = await writeArchive(work, 'bb.tar', busyboxSpec('docker.io/library/busybox:latest'), 'docker');
    await registry.push(`docker-archive:${archive}`, 'test/busybox:1');
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('pulls the pushed image and its digests match the registry and the archive', async (t) => {
    const dir = await tempDir(t);
    const store = new ImageStore({ dataDir: join(dir, 'data') });
    const ref = `${registry.host}/test/busybox:1`;
    const events: ImageProgress[] = [];
    const { reference, image } = await store.pull(ref, { onProgress: (e) => events.push(e) });
    const built = buildImage(busyboxSpec('x'));

    assert.equal(reference, ref);
    assert.equal(image.digest, await registryDigest(registry, 'test/busybox', '1'));
    assert.equal(image.configDigest, built.configDigest, 'the config went through the registry unchanged');
    assert.deepEqual(
      image.layers.map((l) => l.diffID),
      [built.layers[0].diffID],
    );
    assert.deepEqual(image.references, [ref, `${registry.host}/test/busybox@${image.digest}`]);
    assert.ok(events.some((e) => e.kind === 'downloaded'));
    assert.ok(events.some((e) => e.kind === 'unpacking'));

    const info = await store.imageConfig(ref);
    assert.deepEqual(info.config.Cmd, ['sh']);
    assert.equal(info.imageID, built.configDigest);
    assert.deepEqual(info.repoDigests, [`${registry.host}/test/busybox@${image.digest}`]);

    const { rootfs } = await store.prepareRootfs({ image: ref, containerDir: join(dir, 'c') });
    const { stdout } = await run('chroot', [rootfs, '/bin/sh', '-c', 'echo pulled']);
    assert.equal(stdout, 'pulled\n');

    // Again, and by digest: nothing is downloaded twice.
    const again: ImageProgress[] = [];
    await store.pull(ref, { onProgress: (e) => again.push(e) });
    const byDigest = await store.pull(`${registry.host}/test/busybox@${image.digest}`, {
      onProgress: (e) => again.push(e),
    });
    assert.equal(byDigest.image.digest, image.digest);
    assert.equal(again.filter((e) => e.kind === 'downloading').length, 0);
    assert.equal(again.filter((e) => e.kind === 'blob-exists').length, 4, 'config and layer, twice');
    assert.equal((await store.list()).length, 1);
  });

  test('pulls OCI manifests with zstd layers', async (t) => {
    const dir = await tempDir(t);
    // Content of its own: skopeo would otherwise reuse the gzip copy of a layer the registry has.
    const spec = uniqueSpec('zstd');
    const source = await writeArchive(dir, 'zstd.tar', spec, 'docker');
    await registry.push(`docker-archive:${source}`, 'test/zstd:1', { format: 'oci', compression: 'zstd' });
    const store = new ImageStore({ dataDir: join(dir, 'data') });
    const { image } = await store.pull(`${registry.host}/test/zstd:1`);
    assert.equal(image.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.equal(image.digest, await registryDigest(registry, 'test/zstd', '1'));
    const { rootfs } = await store.prepareRootfs({
      image: image.digest.slice(7),
      containerDir: join(dir, 'c'),
    });
    const content = spec.layers[0].entries[0];
    assert.equal(
      await readFile(join(rootfs, 'id'), 'utf8'),
      content.type === 'file' ? content.content : undefined,
    );
  });

  test(`picks linux/${hostArchitecture()} from a multi-platform index`, async (t) => {
    const dir = await tempDir(t);
    const otherArch = hostArchitecture() === 'amd64' ? 'arm64' : 'amd64';
    const push = async (spec: ImageSpec) => {
      const built = buildImage(spec);
      await registry.putBlob('test/multi', built.config);
      for (const layer of built.layers) await registry.putBlob('test/multi', layer.blob);
      await registry.putManifest(
        'test/multi',
        built.manifestDigest,
        built.manifest,
        'application/vnd.oci.image.manifest.v1+json',
      );
      return built;
    };
    const foreign = await push({ ...uniqueSpec('foreign'), architecture: otherArch });
    const native = await push(uniqueSpec('native'));
    const index = (platforms: [typeof native, string][]) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: platforms.map(([built, architecture]) => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: built.manifestDigest,
            size: built.manifest.length,
            platform: { os: 'linux', architecture },
          })),
        }),
      );
    const multi = index([
      [foreign, otherArch],
      [native, hostArchitecture()],
    ]);
    await registry.putManifest('test/multi', 'both', multi, 'application/vnd.oci.image.index.v1+json');
    await registry.putManifest(
      'test/multi',
      'foreign-only',
      index([[foreign, otherArch]]),
      'application/vnd.oci.image.index.v1+json',
    );

    const store = new ImageStore({ dataDir: join(dir, 'data') });
    const { image } = await store.pull(`${registry.host}/test/multi:both`);
    assert.equal(
      image.digest,
      await registryDigest(registry, 'test/multi', 'both'),
      'the image is known by its index digest',
    );
    assert.equal(image.manifestDigest, native.manifestDigest);
    assert.equal(image.configDigest, native.configDigest);
    await assert.rejects(store.pull(`${registry.host}/test/multi:foreign-only`), (err) => {
      assert.ok(isImageError(err, 'NotFound'));
      assert.match(
        err.message,
        new RegExp(`no image for platform linux/${hostArchitecture()} \\(has: linux/${otherArch}\\)`),
      );
      return true;
    });
  });

  test('a layer whose bytes were changed in the registry is rejected', async (t) => {
    const dir = await tempDir(t);
    const spec = uniqueSpec('tampered-layer');
    const built = buildImage(spec);
    await registry.push(
      `docker-archive:${await writeArchive(dir, 'img.tar', spec, 'docker')}`,
      'test/tampered-layer:1',
    );
    const store = new ImageStore({ dataDir: join(dir, 'data') });
    // skopeo gzip-compresses layers on push; find the stored layer as the blob that is neither config nor manifest.
    const manifestDigest = await registryDigest(registry, 'test/tampered-layer', '1');
    const manifest = JSON.parse(await readFile(registry.blobFile(manifestDigest), 'utf8'));
    const layerFile = registry.blobFile(manifest.layers[0].digest);
    const bytes = await readFile(layerFile);
    bytes[bytes.length - 20] ^= 0xff;
    await writeFile(layerFile, bytes);

    await assert.rejects(store.pull(`${registry.host}/test/tampered-layer:1`), (err) => {
      assert.ok(isImageError(err, 'DigestMismatch'), String(err));
      assert.match(err.message, new RegExp(`layer ${manifest.layers[0].digest}.*digest mismatch`));
      return true;
    });
    assert.deepEqual(await store.list(), []);
    const blobs = await readdir(join(dir, 'data', 'images', 'blobs', 'sha256'));
    assert.ok(!blobs.includes(manifest.layers[0].digest.slice(7)), 'the bad layer was not stored');
    assert.equal(built.configDigest, manifest.config.digest);
    await store.collectGarbage();
    assert.deepEqual(await readdir(join(dir, 'data', 'images', 'tmp')), []);
  });

  test('a manifest changed in the registry is rejected, by tag and by digest', async (t) => {
    const dir = await tempDir(t);
    const spec = uniqueSpec('tampered-manifest');
    await registry.push(
      `docker-archive:${await writeArchive(dir, 'img.tar', spec, 'docker')}`,
      'test/tampered-manifest:1',
    );
    const digest = await registryDigest(registry, 'test/tampered-manifest', '1');
    const file = registry.blobFile(digest);
    await writeFile(file, `${await readFile(file, 'utf8')} `);
    const store = new ImageStore({ dataDir: join(dir, 'data') });
    for (const ref of [
      `${registry.host}/test/tampered-manifest:1`,
      `${registry.host}/test/tampered-manifest@${digest}`,
    ]) {
      await assert.rejects(
        store.pull(ref),
        (err) => isImageError(err, 'DigestMismatch') && /manifest .*digest mismatch/.test(err.message),
        ref,
      );
    }
    assert.deepEqual(await store.list(), []);
  });

  test('missing repositories, tags and digests give not-found errors naming the reference', async (t) => {
    const dir = await tempDir(t);
    const store = new ImageStore({ dataDir: join(dir, 'data') });
    const wrongDigest = `sha256:${'0'.repeat(64)}`;
    for (const ref of [
      `${registry.host}/test/nope:1`,
      `${registry.host}/test/busybox:nope`,
      `${registry.host}/test/busybox@${wrongDigest}`,
    ]) {
      await assert.rejects(store.pull(ref), (err) => {
        assert.ok(isImageError(err, 'NotFound'), String(err));
        assert.equal(err.message, `failed to resolve reference "${ref}": not found`);
        return true;
      });
    }
    const unreachable = `127.0.0.1:${await freePort()}/test/busybox:1`;
    await assert.rejects(
      store.pull(unreachable),
      (err) => isImageError(err, 'Registry') && /failed to reach registry/.test(err.message),
    );
    await assert.rejects(store.pull('Busybox:1'), (err) => isImageError(err, 'InvalidReference'));
  });

  test('orca images pull shows progress and prints the digest', async (t) => {
    const dir = await tempDir(t);
    const dataDir = join(dir, 'data');
    const ref = `${registry.host}/test/busybox:1`;
    const pulled = await orcaImages(['pull', '--data-dir', dataDir, ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(pulled.stdout, `${ref}@${await registryDigest(registry, 'test/busybox', '1')}\n`);
    assert.match(pulled.stderr, /resolved to sha256:/);
    assert.match(pulled.stderr, /downloaded/);
    assert.match(pulled.stderr, /unpacking/);
    const ls = await orcaImages(['ls', '--data-dir', dataDir, '--quiet']);
    assert.equal(ls.stdout, `${ref}\n`);
    const missing = await orcaImages([
      'pull',
      '--data-dir',
      dataDir,
      '--quiet',
      `${registry.host}/test/nope:1`,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not found/);
  });
});

for (const kind of ['basic', 'token'] as const) {
  describe(`pulling from a registry with ${kind} auth`, { skip }, () => {
    const username = 'orca-user';
    const password = 'p4ss:word';
    let registry: TestRegistry;
    let ref: string;
    let work: string;
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'orca-pull-fixture-'));
      registry = await startRegistry({ kind, username, password });
      const archive = await writeArchive(
        work,
        'bb.tar',
        busyboxSpec('docker.io/library/busybox:latest'),
        'docker',
      );
      await registry.push(`docker-archive:${archive}`, 'test/private:1');
      ref = `${registry.host}/test/private:1`;
    });
    after(async () => {
      await registry?.stop();
      await rm(work, { recursive: true, force: true });
    });

    test('refuses without or with wrong credentials', async (t) => {
      const dir = await tempDir(t);
      const store = new ImageStore({ dataDir: join(dir, 'data') });
      await assert.rejects(
        store.pull(ref),
        (err) => isImageError(err, 'Unauthorized') && /pull access denied/.test(err.message),
      );
      await assert.rejects(store.pull(ref, { credentials: [{ username, password: 'wrong' }] }), (err) =>
        isImageError(err, 'Unauthorized'),
      );
      assert.deepEqual(await store.list(), []);
    });

    test('pulls with credentials, given directly or from an imagePullSecret dockerconfigjson', async (t) => {
      const dir = await tempDir(t);
      const store = new ImageStore({ dataDir: join(dir, 'data') });
      const { image } = await store.pull(ref, { credentials: [{ username, password }] });
      assert.equal(image.references[0], ref);
      const removed = await store.remove(ref);
      assert.deepEqual(removed.untagged, image.references, 'the last tag takes the digest reference along');
      assert.deepEqual(await store.list(), []);

      const auth = Buffer.from(`${username}:${password}`).toString('base64');
      const dockerConfigs = [
        { auths: { 'other.example.com': { auth: Buffer.from('x:y').toString('base64') } } },
        { auths: { [`http://${registry.host}`]: { auth } } },
      ];
      const again = await store.pull(ref, { dockerConfigs });
      assert.equal(again.image.digest, image.digest);
      if (kind === 'token') {
        assert.ok(
          registry.tokenService!.requests.some(
            (r) => r.user === username && r.scopes.includes('repository:test/private:pull'),
          ),
          'the client asked the token service for pull access with our user',
        );
      }
    });

    test('orca images pull --creds', async (t) => {
      const dir = await tempDir(t);
      const dataDir = join(dir, 'data');
      const denied = await orcaImages(['pull', '--data-dir', dataDir, '--quiet', ref]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /pull access denied/);
      const ok = await orcaImages([
        'pull',
        '--data-dir',
        dataDir,
        '--quiet',
        '--creds',
        `${username}:${password}`,
        ref,
      ]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(`^${ref.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}\\n$`));
    });
  });
}
