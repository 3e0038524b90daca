// `docker save` archives (manifest.json + config + layer tars; Docker 25+
// adds an OCI layout beside it and makes layer.tar a symlink into blobs/) and
// OCI image layout archives (oci-layout + index.json + blobs/). The archive is
// extracted under tmp/ by the tar package (which refuses ".." and writes
// through no symlink), its members are hashed and moved into the store, and
// any member path the archive's JSON names is resolved inside the extraction.

import { mkdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { x as extract } from 'tar';
import { adoptFile, tempPath, type WrittenBlob, writeBlobBytes } from './content.ts';
import type { ProgressCallback, StoreContext } from './context.ts';
import { digestHex, sha256Of } from './digest.ts';
import { ImageError } from './errors.ts';
import { type IngestedImage, recordImage } from './ingest.ts';
import { IngestLease } from './leases.ts';
import { withStoreLock } from './lock.ts';
import {
  type ImageIndex,
  type ImageManifest,
  mediaTypes,
  type Platform,
  parseConfig,
  parseManifest,
  selectPlatform,
} from './manifest.ts';
import { normalizeReference } from './reference.ts';
import { detectCompression } from './tar-stream.ts';

export interface ImportOptions {
  platform: Platform;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

class ExtractedArchive {
  readonly root: string;
  private readonly adopted = new Map<string, WrittenBlob>();
  private readonly ctx: StoreContext;
  private readonly lease: IngestLease;
  private readonly archive: string;

  constructor(ctx: StoreContext, lease: IngestLease, root: string, archive: string) {
    this.ctx = ctx;
    this.lease = lease;
    this.root = root;
    this.archive = archive;
  }

  /** Resolves a member name (symlinks included) and refuses anything outside the archive. */
  async member(name: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(join(this.root, name));
    } catch {
      throw new ImageError('InvalidImage', `${this.archive}: archive has no member ${JSON.stringify(name)}`);
    }
    if (!real.startsWith(this.root + sep)) {
      throw new ImageError(
        'InvalidImage',
        `${this.archive}: member ${JSON.stringify(name)} points outside the archive`,
      );
    }
    return real;
  }

  async read(name: string): Promise<Buffer> {
    return readFile(await this.member(name));
  }

  async exists(name: string): Promise<boolean> {
    return stat(join(this.root, name)).then(
      () => true,
      () => false,
    );
  }

  /** Moves a member into the blob store (once, however many images share it). */
  async adopt(name: string, expectDigest?: string, expectSize?: number): Promise<WrittenBlob> {
    const file = await this.member(name);
    const done = this.adopted.get(file);
    if (done) return done;
    const blob = await adoptFile(
      this.ctx.layout,
      file,
      { digest: expectDigest, size: expectSize, what: `${this.archive}: ${name}` },
      (b) => withStoreLock(this.ctx.layout, () => this.lease.protect({ digests: [b.digest] })),
    );
    this.adopted.set(file, blob);
    return blob;
  }

  async storeBytes(bytes: Buffer, what: string): Promise<string> {
    const digest = sha256Of(bytes);
    await withStoreLock(this.ctx.layout, () => this.lease.protect({ digests: [digest] }));
    await writeBlobBytes(this.ctx.layout, this.ctx.owner, bytes, { digest, what });
    return digest;
  }
}

function layerMediaType(compression: 'gzip' | 'zstd' | 'none'): string {
  if (compression === 'gzip') return mediaTypes.ociLayerGzip;
  if (compression === 'zstd') return mediaTypes.ociLayerZstd;
  return mediaTypes.ociLayer;
}

async function importDockerArchive(archive: ExtractedArchive): Promise<IngestedImage[]> {
  let entries: DockerArchiveEntry[];
  try {
    entries = JSON.parse((await archive.read('manifest.json')).toString('utf8'));
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError('InvalidImage', 'manifest.json of the archive is not JSON');
  }
  if (!Array.isArray(entries))
    throw new ImageError('InvalidImage', 'manifest.json of the archive is not a list');
  const images: IngestedImage[] = [];
  for (const entry of entries) {
    const references = (entry.RepoTags ?? []).map(normalizeReference);
    if (references.length === 0) continue; // an untagged image has nothing to be found by
    const configBytes = await archive.read(entry.Config);
    const config = parseConfig(configBytes, entry.Config, entry.Layers.length);
    const configDigest = await archive.storeBytes(configBytes, entry.Config);
    const layers = [];
    for (const name of entry.Layers) {
      const compression = await detectCompression(await archive.member(name));
      const blob = await archive.adopt(name);
      layers.push({ mediaType: layerMediaType(compression), digest: blob.digest, size: blob.size });
    }
    // docker save has no registry manifest; write the OCI one a registry would hold.
    const manifest: ImageManifest & { schemaVersion: 2 } = {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      config: { mediaType: mediaTypes.ociConfig, digest: configDigest, size: configBytes.length },
      layers,
    };
    const manifestDigest = await archive.storeBytes(Buffer.from(JSON.stringify(manifest)), 'manifest');
    images.push({ digest: manifestDigest, manifestDigest, manifest, configDigest, config, references });
  }
  return images;
}

async function readOciBlob(archive: ExtractedArchive, digest: string, size: number): Promise<Buffer> {
  const bytes = await archive.read(`blobs/sha256/${digestHex(digest)}`);
  if (sha256Of(bytes) !== digest || bytes.length !== size) {
    throw new ImageError('DigestMismatch', `archive blob ${digest} does not match its digest or size`);
  }
  return bytes;
}

async function importOciLayout(archive: ExtractedArchive, opts: ImportOptions): Promise<IngestedImage[]> {
  const indexBytes = await archive.read('index.json');
  const top = parseManifest(indexBytes, 'index.json', mediaTypes.ociIndex);
  if (top.kind !== 'index')
    throw new ImageError('InvalidImage', 'index.json of the archive is not an image index');
  const images: IngestedImage[] = [];
  for (const descriptor of top.index.manifests) {
    const annotations = descriptor.annotations ?? {};
    const name = annotations['io.containerd.image.name'] ?? annotations['org.opencontainers.image.ref.name'];
    // A bare tag ("latest") names no repository, so there is nothing to file the image under.
    if (!name || !/[/:]/.test(name)) continue;
    const reference = normalizeReference(name);
    let current = descriptor;
    let parsed = parseManifest(
      await readOciBlob(archive, current.digest, current.size),
      current.digest,
      current.mediaType,
    );
    await archive.adopt(`blobs/sha256/${digestHex(current.digest)}`, current.digest, current.size);
    while (parsed.kind === 'index') {
      current = selectPlatform(parsed.index as ImageIndex, opts.platform, reference);
      parsed = parseManifest(
        await readOciBlob(archive, current.digest, current.size),
        current.digest,
        current.mediaType,
      );
      await archive.adopt(`blobs/sha256/${digestHex(current.digest)}`, current.digest, current.size);
    }
    const manifest = parsed.manifest;
    const configBytes = await readOciBlob(archive, manifest.config.digest, manifest.config.size);
    const config = parseConfig(configBytes, manifest.config.digest, manifest.layers.length);
    await archive.adopt(
      `blobs/sha256/${digestHex(manifest.config.digest)}`,
      manifest.config.digest,
      manifest.config.size,
    );
    for (const layer of manifest.layers) {
      await archive.adopt(`blobs/sha256/${digestHex(layer.digest)}`, layer.digest, layer.size);
    }
    images.push({
      digest: descriptor.digest,
      manifestDigest: current.digest,
      manifest,
      configDigest: manifest.config.digest,
      config,
      references: [reference],
    });
  }
  return images;
}

/** Imports every named image in the archive; returns the references imported. */
export async function importArchive(ctx: StoreContext, file: string, opts: ImportOptions): Promise<string[]> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new ImageError('NotFound', `${file}: no such archive file`);
  const workDir = tempPath(ctx.layout, ctx.owner, 'import');
  await mkdir(workDir);
  const lease = new IngestLease(ctx.layout, ctx.owner);
  try {
    try {
      await extract({ file, cwd: workDir, preserveOwner: false, strict: true });
    } catch (err) {
      throw new ImageError('InvalidImage', `${file}: not a readable tar archive: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const archive = new ExtractedArchive(ctx, lease, await realpath(workDir), file);
    let images: IngestedImage[];
    if (await archive.exists('manifest.json')) images = await importDockerArchive(archive);
    else if (await archive.exists('oci-layout')) images = await importOciLayout(archive, opts);
    else
      throw new ImageError(
        'InvalidImage',
        `${file}: neither a docker-archive (manifest.json) nor an OCI layout (oci-layout)`,
      );
    if (images.length === 0)
      throw new ImageError('InvalidImage', `${file}: the archive holds no named image`);
    const references: string[] = [];
    for (const image of images) {
      opts.signal?.throwIfAborted();
      await recordImage(ctx, lease, image, opts.onProgress, opts.signal);
      references.push(...image.references);
    }
    return references;
  } finally {
    await lease.release();
    await rm(workDir, { recursive: true, force: true });
  }
}
