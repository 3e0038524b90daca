// Pulling an image from a registry: resolve the reference to a manifest
// (choosing our platform from an index), then fetch config and layers that
// are not yet in the store, each checked against its digest as it streams in,
// then unpack and record the image. Layers download a few at a time.

import type { RegistryCredentials } from './auth.ts';
import { hasBlob, readBlob, writeBlob, writeBlobBytes } from './content.ts';
import type { ProgressCallback, StoreContext } from './context.ts';
import { isImageError } from './errors.ts';
import type { ImageRecord } from './index-file.ts';
import { recordImage } from './ingest.ts';
import { IngestLease } from './leases.ts';
import { withStoreLock } from './lock.ts';
import { type Descriptor, type Platform, parseConfig, parseManifest, selectPlatform } from './manifest.ts';
import { formatReference, parseReference, repositoryName } from './reference.ts';
import { type FetchedManifest, RegistryClient } from './registry-client.ts';

const parallelDownloads = 3;

export interface PullRequest {
  platform: Platform;
  /** Tried in order until the registry accepts one; anonymous when empty. */
  credentials?: readonly RegistryCredentials[];
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface PullResult {
  /** The normalised reference that was pulled. */
  reference: string;
  image: ImageRecord;
}

async function resolveWithCredentials(
  request: PullRequest,
  domain: string,
  repository: string,
  tagOrDigest: string,
): Promise<{ client: RegistryClient; top: FetchedManifest }> {
  const attempts: (RegistryCredentials | undefined)[] = request.credentials?.length
    ? [...request.credentials]
    : [undefined];
  let lastError: unknown;
  for (const credentials of attempts) {
    const client = new RegistryClient({
      domain,
      repository,
      credentials,
      insecureRegistries: request.insecureRegistries,
    });
    try {
      return { client, top: await client.fetchManifest(tagOrDigest, request.signal) };
    } catch (err) {
      if (!isImageError(err, 'Unauthorized')) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

export async function pullImage(
  ctx: StoreContext,
  reference: string,
  request: PullRequest,
): Promise<PullResult> {
  const ref = parseReference(reference);
  const name = formatReference(ref);
  const { signal, onProgress } = request;
  const { client, top } = await resolveWithCredentials(request, ref.domain, ref.path, ref.digest ?? ref.tag!);
  onProgress?.({ kind: 'resolved', reference: name, digest: top.digest });

  const lease = new IngestLease(ctx.layout, ctx.owner);
  const protect = (digests: string[]) => withStoreLock(ctx.layout, () => lease.protect({ digests }), signal);
  const store = async (fetched: FetchedManifest) => {
    await protect([fetched.digest]);
    await writeBlobBytes(ctx.layout, ctx.owner, fetched.bytes, {
      digest: fetched.digest,
      what: `manifest ${fetched.digest}`,
    });
  };
  try {
    await store(top);
    let manifestFetched = top;
    let parsed = parseManifest(top.bytes, name, top.mediaType);
    while (parsed.kind === 'index') {
      const chosen = selectPlatform(parsed.index, request.platform, name);
      manifestFetched = await client.fetchManifest(chosen.digest, signal);
      await store(manifestFetched);
      parsed = parseManifest(manifestFetched.bytes, `${name} (${chosen.digest})`, manifestFetched.mediaType);
    }
    const manifest = parsed.manifest;

    const download = async (descriptor: Descriptor, what: string, downloadSignal = signal) => {
      await protect([descriptor.digest]);
      if (await hasBlob(ctx.layout, descriptor.digest)) {
        onProgress?.({ kind: 'blob-exists', digest: descriptor.digest, size: descriptor.size });
        return;
      }
      const body = await client.fetchBlob(descriptor.digest, downloadSignal);
      await writeBlob(
        ctx.layout,
        ctx.owner,
        body,
        { digest: descriptor.digest, size: descriptor.size, what },
        (completed) =>
          onProgress?.({ kind: 'downloading', digest: descriptor.digest, completed, total: descriptor.size }),
      );
      onProgress?.({ kind: 'downloaded', digest: descriptor.digest, size: descriptor.size });
    };

    await download(manifest.config, `config ${manifest.config.digest} of ${name}`);
    const configBytes = await readBlob(ctx.layout, manifest.config.digest);
    const config = parseConfig(configBytes, `${name} config`, manifest.layers.length);

    // One failed download stops the others; all are awaited before returning.
    const stop = new AbortController();
    const downloadSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const queue = [...manifest.layers];
    const worker = async () => {
      for (let layer = queue.shift(); layer && !stop.signal.aborted; layer = queue.shift()) {
        await download(layer, `layer ${layer.digest} of ${name}`, downloadSignal);
      }
    };
    let firstError: unknown;
    await Promise.all(
      Array.from({ length: Math.min(parallelDownloads, queue.length) }, () =>
        worker().catch((err) => {
          firstError ??= err;
          stop.abort();
        }),
      ),
    );
    if (firstError !== undefined) throw firstError;

    const references = [`${repositoryName(ref)}@${top.digest}`];
    if (ref.tag !== undefined && ref.digest === undefined)
      references.unshift(`${repositoryName(ref)}:${ref.tag}`);
    const image = await recordImage(
      ctx,
      lease,
      {
        digest: top.digest,
        manifestDigest: manifestFetched.digest,
        manifest,
        configDigest: manifest.config.digest,
        config,
        references,
      },
      onProgress,
      signal,
    );
    return { reference: name, image };
  } finally {
    await withStoreLock(ctx.layout, () => lease.release()).catch(() => {});
  }
}
