// Serves /openapi/v3 the way upstream's handler does: the root lists each
// group-version document under a URL carrying the SHA-512 of its bytes; a
// request with the current hash may be cached forever, a stale hash is
// redirected to the current one, and If-None-Match is answered with 304.
// Documents are built on first use and only their serialized form is kept.
import { createHash } from 'node:crypto';
import { buildDocument, documentPaths } from './document.ts';

export interface Serialized {
  body: string;
  /** Upper-case hex SHA-512 of body, as upstream computes it. */
  hash: string;
}

export interface OpenApiRequest {
  /** "" for the root, else the group-version path ("api/v1", "apis/apps/v1"). */
  path: string;
  /** The hash query parameter, if any. */
  hash?: string;
  accept?: string;
  ifNoneMatch?: string;
  now: Date;
}

export interface OpenApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function hashOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

const serialize = (doc: unknown): Serialized => {
  const body = JSON.stringify(doc);
  return { body, hash: hashOf(body) };
};

export class OpenApiV3Service {
  private readonly docs = new Map<string, Serialized>();
  private rootDoc: Serialized | undefined;

  /** The serialized document for a group-version path, or undefined if not served. */
  document(path: string): Serialized | undefined {
    const cached = this.docs.get(path);
    if (cached) return cached;
    const doc = buildDocument(path);
    if (!doc) return undefined;
    const out = serialize(doc);
    this.docs.set(path, out);
    return out;
  }

  /** The root: every served group-version with its hash-carrying URL. */
  root(): Serialized {
    if (this.rootDoc) return this.rootDoc;
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const path of documentPaths().sort()) {
      const doc = this.document(path) as Serialized;
      paths[path] = { serverRelativeURL: serverRelativeURL(path, doc.hash) };
    }
    this.rootDoc = serialize({ paths });
    return this.rootDoc;
  }

  respond(req: OpenApiRequest): OpenApiResponse {
    const json = { 'Content-Type': 'application/json' };
    if (req.path === '') return withEtag(this.root(), json, req.ifNoneMatch);
    const doc = this.document(req.path);
    if (!doc) {
      return { status: 404, headers: { 'Content-Type': 'text/plain' }, body: '404 page not found\n' };
    }
    if (!acceptsJson(req.accept)) return { status: 406, headers: { Vary: 'Accept' }, body: '' };
    const headers: Record<string, string> = { ...json, Vary: 'Accept' };
    if (req.hash) {
      if (req.hash !== doc.hash) {
        return {
          status: 301,
          headers: { Location: serverRelativeURL(req.path, doc.hash), ETag: `"${doc.hash}"`, Vary: 'Accept' },
          body: '',
        };
      }
      // The URL names the content exactly, so it never changes.
      headers['Cache-Control'] = 'public, immutable';
      const inAYear = new Date(req.now);
      inAYear.setUTCFullYear(inAYear.getUTCFullYear() + 1);
      headers.Expires = inAYear.toUTCString();
    }
    return withEtag(doc, headers, req.ifNoneMatch);
  }
}

export function serverRelativeURL(path: string, hash: string): string {
  return `/openapi/v3/${path}?hash=${hash}`;
}

function withEtag(doc: Serialized, headers: Record<string, string>, ifNoneMatch?: string): OpenApiResponse {
  const etag = `"${doc.hash}"`;
  const out = { ...headers, ETag: etag };
  if (ifNoneMatch?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    return { status: 304, headers: out, body: '' };
  }
  return { status: 200, headers: out, body: doc.body };
}

/** Whether an Accept header allows application/json (no header allows anything). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept?.trim()) return true;
  return accept.split(',').some((clause) => {
    const type = clause.split(';')[0].trim().toLowerCase();
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

/** The root as an object (built afresh; the service caches, this does not). */
export function openapiRoot(): Record<string, unknown> {
  return JSON.parse(new OpenApiV3Service().root().body);
}

/** One group-version document as an object, built afresh; undefined if not served. */
export function openapiDocument(groupVersionPath: string): Record<string, unknown> | undefined {
  return buildDocument(groupVersionPath);
}
