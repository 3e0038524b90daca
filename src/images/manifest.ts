// The JSON documents an image is made of (OCI image spec and Docker's
// registry v2 schema 2, which share a shape), checked just enough that the
// rest of the code can trust the fields it reads.

import { digestHex } from './digest.ts';
import { ImageError } from './errors.ts';

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const indexTypes = new Set<string>([mediaTypes.ociIndex, mediaTypes.dockerManifestList]);
const manifestTypes = new Set<string>([mediaTypes.ociManifest, mediaTypes.dockerManifest]);
const foreignLayerTypes = new Set<string>([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The OCI image config fields orca uses (others are kept but not typed). */
export interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object>;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object>;
    WorkingDir?: string;
    Labels?: Record<string, string>;
    StopSignal?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
}

export type ParsedManifest =
  | { kind: 'index'; index: ImageIndex }
  | { kind: 'manifest'; manifest: ImageManifest };

function bad(what: string, why: string): ImageError {
  return new ImageError('InvalidImage', `${what}: ${why}`);
}

function checkDescriptor(value: unknown, what: string): Descriptor {
  const d = value as Descriptor;
  if (typeof d !== 'object' || d === null || typeof d.mediaType !== 'string')
    throw bad(what, 'descriptor without mediaType');
  digestHex(d.digest, `${what} digest`);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw bad(what, 'descriptor without a valid size');
  return d;
}

/**
 * Parses a manifest or index. The kind comes from the document's mediaType,
 * else from the one the registry sent, else from its shape.
 */
export function parseManifest(bytes: Uint8Array, what: string, headerType?: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad(what, 'not JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw bad(what, 'not a JSON object');
  if (doc.schemaVersion === 1)
    throw new ImageError('Unsupported', `${what}: Docker schema 1 manifests are not supported`);
  const type = typeof doc.mediaType === 'string' ? doc.mediaType : (headerType ?? '');
  const isIndex = indexTypes.has(type) || (!manifestTypes.has(type) && Array.isArray(doc.manifests));
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw bad(what, 'index without manifests');
    for (const [i, m] of doc.manifests.entries()) checkDescriptor(m, `${what} manifests[${i}]`);
    return { kind: 'index', index: doc as unknown as ImageIndex };
  }
  if (type !== '' && !manifestTypes.has(type) && !type.startsWith('application/vnd.oci.')) {
    throw new ImageError('Unsupported', `${what}: unsupported manifest media type ${type}`);
  }
  checkDescriptor(doc.config, `${what} config`);
  if (!Array.isArray(doc.layers)) throw bad(what, 'manifest without layers');
  for (const [i, l] of doc.layers.entries()) {
    const layer = checkDescriptor(l, `${what} layers[${i}]`);
    if (foreignLayerTypes.has(layer.mediaType)) {
      throw new ImageError('Unsupported', `${what}: foreign (non-distributable) layers are not supported`);
    }
  }
  return { kind: 'manifest', manifest: doc as unknown as ImageManifest };
}

export function parseConfig(bytes: Uint8Array, what: string, layerCount: number): ImageConfig {
  let config: ImageConfig;
  try {
    config = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad(what, 'config is not JSON');
  }
  const diffIDs = config?.rootfs?.diff_ids;
  if (!Array.isArray(diffIDs)) throw bad(what, 'config has no rootfs.diff_ids');
  for (const [i, d] of diffIDs.entries()) digestHex(d, `${what} rootfs.diff_ids[${i}]`);
  if (diffIDs.length !== layerCount) {
    throw bad(what, `config lists ${diffIDs.length} layers but the manifest has ${layerCount}`);
  }
  return config;
}

/** Node's process.arch in the names OCI platforms use. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** Picks the manifest for `platform` from an index; a missing variant matches any. */
export function selectPlatform(index: ImageIndex, platform: Platform, what: string): Descriptor {
  const candidates = index.manifests.filter(
    (m) =>
      m.platform?.os === platform.os &&
      m.platform.architecture === platform.architecture &&
      (platform.variant === undefined ||
        m.platform.variant === undefined ||
        m.platform.variant === platform.variant),
  );
  const chosen = candidates[0];
  if (!chosen) {
    const offered = index.manifests
      .filter((m) => m.platform)
      .map(
        (m) =>
          `${m.platform!.os}/${m.platform!.architecture}${m.platform!.variant ? '/' + m.platform!.variant : ''}`,
      );
    throw new ImageError(
      'NotFound',
      `${what}: no image for platform ${platform.os}/${platform.architecture} (has: ${offered.join(', ') || 'none'})`,
    );
  }
  return chosen;
}
