// The node's image store: what the agent and `orca images` use. Several
// processes may open the same data directory at once; all coordination goes
// through the files under <dataDir>/images (see layout.ts), never memory.

import { mkdir } from 'node:fs/promises';
import { createLogger, type Logger } from '../util/log.ts';
import { localRunner, type ProcessRunner } from '../util/process-runner.ts';
import { credentialsFor, type DockerConfigJson, type RegistryCredentials } from './auth.ts';
import { readBlob } from './content.ts';
import type { ProgressCallback, StoreContext } from './context.ts';
import { ImageError } from './errors.ts';
import { collectGarbage, type GcResult } from './gc.ts';
import { importArchive } from './import-archive.ts';
import { type ImageRecord, readIndex, updateIndex } from './index-file.ts';
import { type StoreLayout, storeLayout } from './layout.ts';
import { listLeases } from './leases.ts';
import { withStoreLock } from './lock.ts';
import { hostPlatform, type ImageConfig, type Platform } from './manifest.ts';
import { mountPoints } from './mounts.ts';
import { currentOwner } from './owner.ts';
import { type PullResult, pullImage } from './pull.ts';
import { parseReference, repositoryName } from './reference.ts';
import { type PreparedRootfs, prepareRootfs, releaseRootfs } from './rootfs.ts';

export interface ImageSummary {
  references: string[];
  /** Digest the references resolve to (manifest, or index for multi-platform images). */
  digest: string;
  /** Image ID: the config digest. */
  id: string;
  size: number;
  created?: string;
}

export interface ImageStoreOptions {
  dataDir: string;
  logger?: Logger;
  platform?: Platform;
  /** Starts mount and umount for root filesystems (default: from this process). */
  runner?: ProcessRunner;
  /** Asked before removing an image; true refuses the removal (unless forced). */
  inUse?: (image: ImageSummary) => boolean | Promise<boolean>;
}

export interface PullOptions {
  /** Basic credentials, tried in order. */
  credentials?: readonly RegistryCredentials[];
  /** Contents of kubernetes.io/dockerconfigjson secrets (imagePullSecrets). */
  dockerConfigs?: readonly DockerConfigJson[];
  /** host:port of registries to reach over plain http although not on loopback. */
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface RemoveResult {
  /** References removed. */
  untagged: string[];
  /** Set when the image itself went away (no reference left). */
  deleted?: string;
}

/** What a container needs from its image. */
export interface ImageConfigInfo {
  /** The OCI image config's `config` section (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts …). */
  config: NonNullable<ImageConfig['config']>;
  /** Config digest, "sha256:…": the image ID. */
  imageID: string;
  /** "name@sha256:…" references, for pod status imageID. */
  repoDigests: string[];
  references: string[];
  digest: string;
}

function summary(image: ImageRecord): ImageSummary {
  return {
    references: image.references,
    digest: image.digest,
    id: image.configDigest,
    size: image.size,
    created: image.created,
  };
}

export class ImageStore {
  private readonly layout: StoreLayout;
  private readonly options: ImageStoreOptions;
  private readonly logger: Logger;
  private readonly platform: Platform;
  private readonly unpacking = new Map<string, Promise<void>>();
  private context: Promise<StoreContext> | undefined;

  constructor(options: ImageStoreOptions) {
    this.options = options;
    this.layout = storeLayout(options.dataDir);
    this.logger = options.logger ?? createLogger({ component: 'images', level: 'warn' });
    this.platform = options.platform ?? hostPlatform();
  }

  /** Creates the store's directories on first use. */
  private ctx(): Promise<StoreContext> {
    this.context ??= (async () => {
      for (const dir of [this.layout.blobs, this.layout.layers, this.layout.tmp, this.layout.leases]) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      }
      return {
        layout: this.layout,
        owner: await currentOwner(),
        logger: this.logger,
        unpacking: this.unpacking,
        runner: this.options.runner ?? localRunner,
      };
    })();
    return this.context;
  }

  async list(): Promise<ImageSummary[]> {
    const index = await readIndex(this.layout);
    return Object.values(index.images)
      .map(summary)
      .sort((a, b) => (a.references[0] ?? a.digest).localeCompare(b.references[0] ?? b.digest));
  }

  /**
   * Finds an image by reference ("busybox", "name:tag", "name@sha256:…") or by
   * a unique prefix (6+ hex digits) of its digest or ID.
   */
  async get(ref: string): Promise<ImageRecord | undefined> {
    return (await this.match(ref))?.image;
  }

  async has(ref: string): Promise<boolean> {
    return (await this.get(ref)) !== undefined;
  }

  private async match(ref: string): Promise<{ image: ImageRecord; reference?: string } | undefined> {
    const images = Object.values((await readIndex(this.layout)).images);
    const hex = /^(?:sha256:)?([a-f0-9]{6,64})$/.exec(ref)?.[1];
    let parsed: ReturnType<typeof parseReference> | undefined;
    try {
      parsed = parseReference(ref);
    } catch (err) {
      if (hex === undefined) throw err;
    }
    if (parsed) {
      const name = repositoryName(parsed);
      const wanted = parsed.digest ? `${name}@${parsed.digest}` : `${name}:${parsed.tag}`;
      const exact = images.find((image) => image.references.includes(wanted));
      if (exact) return { image: exact, reference: wanted };
      if (parsed.digest) {
        const byDigest = images.find(
          (image) =>
            (image.digest === parsed.digest || image.manifestDigest === parsed.digest) &&
            image.references.some((r) => r.startsWith(`${name}:`) || r.startsWith(`${name}@`)),
        );
        if (byDigest) return { image: byDigest };
      }
    }
    if (hex !== undefined) {
      const found = images.filter((image) =>
        [image.digest, image.manifestDigest, image.configDigest].some((d) =>
          d.slice('sha256:'.length).startsWith(hex),
        ),
      );
      if (found.length > 1)
        throw new ImageError('InvalidReference', `${ref} matches more than one image; give more digits`);
      if (found[0]) return { image: found[0] };
    }
    return undefined;
  }

  private async require(ref: string): Promise<{ image: ImageRecord; reference?: string }> {
    const found = await this.match(ref);
    if (!found) throw new ImageError('NotFound', `image ${JSON.stringify(ref)} not found`);
    return found;
  }

  /** Imports a docker-archive or OCI layout archive; returns the references imported. */
  async importArchive(file: string, options: ImportOptions = {}): Promise<string[]> {
    const references = await importArchive(await this.ctx(), file, { platform: this.platform, ...options });
    await this.collectGarbage(); // an image whose references moved to the new one may be gone
    return references;
  }

  async pull(reference: string, options: PullOptions = {}): Promise<PullResult> {
    const ref = parseReference(reference);
    const credentials = [
      ...(options.credentials ?? []),
      ...credentialsFor(options.dockerConfigs ?? [], ref.domain, ref.path),
    ];
    const result = await pullImage(await this.ctx(), reference, {
      platform: this.platform,
      credentials,
      insecureRegistries: options.insecureRegistries,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    await this.collectGarbage(); // an image whose tag moved to the new one may be gone
    return result;
  }

  /**
   * Removes a reference, and the whole image (digest references included)
   * once no tag is left; given a digest or image ID (prefix), the whole image.
   * Refuses with ImageError('InUse') while a container rootfs made from the
   * image is mounted or the inUse hook says so, unless `force`. Unreferenced
   * blobs and layers are then collected (a forced removal leaves the layers
   * of mounted containers until they are released).
   */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<RemoveResult> {
    const ctx = await this.ctx();
    const { image, reference } = await this.require(ref);
    // Like `docker rmi`: a tag goes alone while other tags remain; the last
    // tag takes the digest references (name@sha256:…) and the image with it.
    const otherTags = image.references.filter((r) => r !== reference && !r.includes('@'));
    const dropping = reference && otherTags.length > 0 ? [reference] : image.references;
    const removesImage = dropping.length === image.references.length;
    if (removesImage && !options.force) {
      const leases = await listLeases(this.layout, await mountPoints());
      const mounted = leases.some(
        (l) => l.alive && l.lease.kind === 'rootfs' && l.lease.image === image.digest,
      );
      if (mounted || (await this.options.inUse?.(summary(image)))) {
        throw new ImageError(
          'InUse',
          `image ${ref} (${image.configDigest.slice(7, 19)}) is in use by a container`,
        );
      }
    }
    await withStoreLock(ctx.layout, () =>
      updateIndex(ctx.layout, (index) => {
        const current = index.images[image.digest];
        if (!current) return;
        current.references = current.references.filter((r) => !dropping.includes(r));
        if (current.references.length === 0) delete index.images[image.digest];
      }),
    );
    await this.collectGarbage();
    return { untagged: dropping, deleted: removesImage ? image.digest : undefined };
  }

  async collectGarbage(signal?: AbortSignal): Promise<GcResult> {
    return collectGarbage((await this.ctx()).layout, signal);
  }

  async imageConfig(ref: string): Promise<ImageConfigInfo> {
    const { image } = await this.require(ref);
    const config = JSON.parse(
      (await readBlob(this.layout, image.configDigest)).toString('utf8'),
    ) as ImageConfig;
    return {
      config: config.config ?? {},
      imageID: image.configDigest,
      repoDigests: image.references.filter((r) => r.includes('@')),
      references: image.references,
      digest: image.digest,
    };
  }

  /** Mounts a fresh root filesystem for a container from a stored image. */
  async prepareRootfs(request: {
    image: string;
    containerDir: string;
    signal?: AbortSignal;
  }): Promise<PreparedRootfs> {
    const { image } = await this.require(request.image);
    return prepareRootfs(await this.ctx(), image, request.containerDir, request.signal);
  }

  /** Undoes prepareRootfs for a container directory, e.g. after an agent restart lost the handle. */
  async releaseRootfs(containerDir: string): Promise<void> {
    await releaseRootfs(await this.ctx(), containerDir);
  }
}
