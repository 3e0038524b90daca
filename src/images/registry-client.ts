// A client for one repository of an OCI distribution (registry API v2)
// server: manifests and blobs by digest, with the auth dance registries
// expect. A request answered 401 is retried once with what the challenge asks
// for: a bearer token from the realm it names (sent our basic credentials, if
// any, and the pull scope) or basic credentials. Loopback registries speak
// plain http, everything else https.

import { basicAuthorization, parseChallenges, type RegistryCredentials } from './auth.ts';
import { isDigest, sha256Of, verifyDigest } from './digest.ts';
import { ImageError } from './errors.ts';
import { mediaTypes } from './manifest.ts';
import { defaultDomain, isLoopbackRegistry } from './reference.ts';

const manifestAccept = [
  mediaTypes.ociIndex,
  mediaTypes.ociManifest,
  mediaTypes.dockerManifestList,
  mediaTypes.dockerManifest,
].join(', ');
// Manifests are small; a bigger answer is a broken or hostile server.
const maxManifestBytes = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  domain: string;
  repository: string;
  credentials?: RegistryCredentials;
  /** Registries (host:port) to reach over plain http although not on loopback. */
  insecureRegistries?: readonly string[];
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export class RegistryClient {
  private readonly base: string;
  private readonly options: RegistryClientOptions;
  private authorization: string | undefined;

  constructor(options: RegistryClientOptions) {
    this.options = options;
    const host = options.domain === defaultDomain ? 'registry-1.docker.io' : options.domain;
    const plain =
      isLoopbackRegistry(options.domain) || (options.insecureRegistries ?? []).includes(options.domain);
    this.base = `${plain ? 'http' : 'https'}://${host}/v2/${options.repository}`;
  }

  private describe(what: string): string {
    return `${this.options.domain}/${this.options.repository}${what}`;
  }

  private async send(url: string, accept: string | undefined, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (this.authorization) headers.authorization = this.authorization;
    try {
      return await fetch(url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new ImageError('Registry', `failed to reach registry ${this.options.domain}: ${cause}`, {
        cause: err,
      });
    }
  }

  /** GET with one retry after answering an authentication challenge. */
  private async get(url: string, accept: string | undefined, signal?: AbortSignal): Promise<Response> {
    let res = await this.send(url, accept, signal);
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate');
    await res.body?.cancel();
    await this.authorize(challenge ?? '', signal);
    res = await this.send(url, accept, signal);
    if (res.status === 401) {
      await res.body?.cancel();
      throw this.unauthorized();
    }
    return res;
  }

  private unauthorized(detail?: string): ImageError {
    const who = this.options.credentials ? 'the credentials given were refused' : 'no credentials were given';
    return new ImageError(
      'Unauthorized',
      `pull access denied for ${this.describe('')}: repository does not exist or requires authorization (${detail ?? who})`,
    );
  }

  private async authorize(header: string, signal?: AbortSignal): Promise<void> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const creds = this.options.credentials;
    if (bearer?.params.realm) {
      const url = new URL(bearer.params.realm);
      if (bearer.params.service) url.searchParams.set('service', bearer.params.service);
      url.searchParams.set('scope', bearer.params.scope ?? `repository:${this.options.repository}:pull`);
      const headers: Record<string, string> = {};
      if (creds) headers.authorization = basicAuthorization(creds);
      let res: Response;
      try {
        res = await fetch(url, { headers, signal });
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        throw new ImageError(
          'Registry',
          `failed to reach token service ${url.origin}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw this.unauthorized(`token service ${url.origin} refused the credentials`);
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new ImageError('Registry', `token service ${url.origin} answered ${res.status}`);
      }
      const body = (await res.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new ImageError('Registry', `token service ${url.origin} returned no token`);
      this.authorization = `Bearer ${token}`;
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic') && creds) {
      this.authorization = basicAuthorization(creds);
      return;
    }
    throw this.unauthorized();
  }

  private async failure(res: Response, what: string): Promise<ImageError> {
    let detail = '';
    try {
      const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? []).map((e) => e.message ?? e.code).join('; ');
    } catch {
      // not a registry error document
    }
    if (res.status === 404) return new ImageError('NotFound', `${what}: not found`);
    if (res.status === 403) return this.unauthorized(detail || 'forbidden');
    return new ImageError(
      'Registry',
      `${what}: registry answered ${res.status}${detail ? `: ${detail}` : ''}`,
    );
  }

  /** Fetches a manifest or index by tag or digest and checks its digest. */
  async fetchManifest(tagOrDigest: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const what = this.describe(isDigest(tagOrDigest) ? `@${tagOrDigest}` : `:${tagOrDigest}`);
    const res = await this.get(`${this.base}/manifests/${tagOrDigest}`, manifestAccept, signal);
    if (!res.ok) throw await this.failure(res, `failed to resolve reference "${what}"`);
    const bytes = await readCapped(res, maxManifestBytes, what);
    const digest = sha256Of(bytes);
    if (isDigest(tagOrDigest)) verifyDigest(tagOrDigest, digest, `manifest ${what}`);
    const announced = res.headers.get('docker-content-digest');
    if (announced && isDigest(announced)) verifyDigest(announced, digest, `manifest ${what}`);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    return { bytes, mediaType, digest };
  }

  /** Starts a blob download; the caller streams the body and verifies it. */
  async fetchBlob(digest: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.get(`${this.base}/blobs/${digest}`, undefined, signal);
    if (!res.ok) throw await this.failure(res, `blob ${digest} of ${this.describe('')}`);
    if (!res.body) throw new ImageError('Registry', `blob ${digest} of ${this.describe('')}: empty response`);
    return res.body;
  }
}

async function readCapped(res: Response, limit: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > limit) {
        await res.body.cancel().catch(() => {});
        throw new ImageError('InvalidImage', `manifest ${what} is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}
