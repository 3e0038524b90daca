// Writes container image archives from entries held in memory: docker-archive
// (`docker save` layout) or OCI image layout, with uncompressed, gzip or zstd
// layers. Output depends only on the input, so builds are reproducible. Used
// by build-test-image.ts and by tests that need images of a particular shape.

import { createHash } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { Header, Pax } from 'tar';

export type EntrySpec =
  | { type: 'dir'; path: string; mode?: number; uid?: number; gid?: number }
  | { type: 'file'; path: string; content: Buffer | string; mode?: number; uid?: number; gid?: number }
  | { type: 'symlink'; path: string; target: string; uid?: number; gid?: number }
  | { type: 'hardlink'; path: string; target: string }
  | { type: 'char' | 'block'; path: string; major: number; minor: number; mode?: number }
  | { type: 'fifo'; path: string; mode?: number };

export interface LayerSpec {
  entries: EntrySpec[];
  compression?: 'none' | 'gzip' | 'zstd';
}

export interface ImageSpec {
  /** Full reference stored in the archive, e.g. docker.io/library/busybox:latest. */
  reference: string;
  layers: LayerSpec[];
  config?: {
    Cmd?: string[];
    Entrypoint?: string[];
    Env?: string[];
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, object>;
    Labels?: Record<string, string>;
  };
  architecture?: string;
}

/** A fixed timestamp for every entry and the config, for reproducible output. */
export const fixedTime = new Date('2024-01-01T00:00:00Z');

const typeNames = {
  dir: 'Directory',
  file: 'File',
  symlink: 'SymbolicLink',
  hardlink: 'Link',
  char: 'CharacterDevice',
  block: 'BlockDevice',
  fifo: 'FIFO',
} as const;

function headerBlock(entry: EntrySpec, size: number): Buffer[] {
  const data = {
    path: entry.type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path,
    mode:
      'mode' in entry && entry.mode !== undefined
        ? entry.mode
        : entry.type === 'dir'
          ? 0o755
          : entry.type === 'symlink'
            ? 0o777
            : 0o644,
    uid: 'uid' in entry ? (entry.uid ?? 0) : 0,
    gid: 'gid' in entry ? (entry.gid ?? 0) : 0,
    size,
    mtime: fixedTime,
    type: typeNames[entry.type],
    linkpath: entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : undefined,
    devmaj: entry.type === 'char' || entry.type === 'block' ? entry.major : 0,
    devmin: entry.type === 'char' || entry.type === 'block' ? entry.minor : 0,
    uname: '',
    gname: '',
  };
  const header = new Header(data);
  const blocks: Buffer[] = [];
  if (header.encode()) {
    // Names past ustar's limits go in a pax extended header first.
    blocks.push(new Pax({ ...data, atime: undefined, ctime: undefined, mtime: undefined }).encode());
  }
  blocks.push(header.block!);
  return blocks;
}

function pad(length: number): Buffer {
  return Buffer.alloc((512 - (length % 512)) % 512);
}

/** A tar archive of the entries, in the order given. */
export function tarBytes(entries: EntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === 'file' ? Buffer.from(entry.content) : Buffer.alloc(0);
    parts.push(...headerBlock(entry, content.length), content, pad(content.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function sha256(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

function compress(tar: Buffer, how: LayerSpec['compression']): Buffer {
  if (how === 'gzip') return gzipSync(tar, { level: 6 });
  if (how === 'zstd') return zstdCompressSync(tar);
  return tar;
}

const ociLayerTypes = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: { blob: Buffer; digest: string; diffID: string; mediaType: string }[];
  manifest: Buffer;
  manifestDigest: string;
}

export function hostArchitecture(): string {
  return ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layers.map((layer) => {
    const tar = tarBytes(layer.entries);
    const blob = compress(tar, layer.compression);
    return {
      blob,
      digest: sha256(blob),
      diffID: sha256(tar),
      mediaType: ociLayerTypes[layer.compression ?? 'none'],
    };
  });
  const config = Buffer.from(
    JSON.stringify({
      created: fixedTime.toISOString(),
      architecture: spec.architecture ?? hostArchitecture(),
      os: 'linux',
      config: spec.config ?? {},
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
      history: layers.map(() => ({ created: fixedTime.toISOString(), created_by: 'orca image-archive.ts' })),
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.blob.length })),
    }),
  );
  return { config, configDigest, layers, manifest, manifestDigest: sha256(manifest) };
}

const hex = (digest: string) => digest.slice('sha256:'.length);

/** `docker save` layout: manifest.json, <config>.json, <layer>/layer.tar. */
export function dockerArchive(spec: ImageSpec): Buffer {
  const image = buildImage(spec);
  const manifestJson = [
    {
      Config: `${hex(image.configDigest)}.json`,
      RepoTags: [spec.reference],
      Layers: image.layers.map((l) => `${hex(l.digest)}/layer.tar`),
    },
  ];
  const entries: EntrySpec[] = [];
  for (const layer of image.layers) {
    entries.push({ type: 'dir', path: hex(layer.digest) });
    entries.push({ type: 'file', path: `${hex(layer.digest)}/layer.tar`, content: layer.blob });
  }
  entries.push({ type: 'file', path: `${hex(image.configDigest)}.json`, content: image.config });
  entries.push({ type: 'file', path: 'manifest.json', content: JSON.stringify(manifestJson) });
  return tarBytes(entries);
}

/** OCI image layout: oci-layout, index.json naming the image, blobs/sha256/. */
export function ociArchive(spec: ImageSpec): Buffer {
  const image = buildImage(spec);
  const tag = spec.reference.slice(spec.reference.lastIndexOf(':') + 1);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: image.manifestDigest,
        size: image.manifest.length,
        annotations: { 'io.containerd.image.name': spec.reference, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const blobs = new Map<string, Buffer>([
    [image.manifestDigest, image.manifest],
    [image.configDigest, image.config],
    ...image.layers.map((l) => [l.digest, l.blob] as [string, Buffer]),
  ]);
  const entries: EntrySpec[] = [
    { type: 'file', path: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', content: JSON.stringify(index) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
  ];
  for (const [digest, bytes] of [...blobs].sort(([a], [b]) => a.localeCompare(b))) {
    entries.push({ type: 'file', path: `blobs/sha256/${hex(digest)}`, content: bytes });
  }
  return tarBytes(entries);
}
