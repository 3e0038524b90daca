// Image references, normalised the way kubelet/containerd do, so that
// `busybox`, `library/busybox:latest` and `docker.io/library/busybox:latest`
// all name the same image: a missing registry means docker.io, a one-part
// docker.io path gets "library/", and a missing tag (without a digest) means
// "latest".

import { isDigest } from './digest.ts';
import { ImageError } from './errors.ts';

export interface ImageReference {
  /** Registry host with optional port, e.g. "docker.io", "127.0.0.1:5000". */
  domain: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

export const defaultDomain = 'docker.io';
const legacyDefaultDomain = 'index.docker.io';

// One path component: lowercase alphanumerics joined by ".", "_", "__" or runs of "-".
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainComponent = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const maxNameLength = 255;

function invalid(input: string, why: string): ImageError {
  return new ImageError('InvalidReference', `invalid image reference ${JSON.stringify(input)}: ${why}`);
}

function validDomain(domain: string): boolean {
  const hostPort = /^(\[[0-9a-fA-F:]+\]|[^:]+)(?::([0-9]+))?$/.exec(domain);
  if (!hostPort) return false;
  const host = hostPort[1];
  if (host.startsWith('[')) return true;
  return host.split('.').every((part) => domainComponent.test(part));
}

/** Parses and normalises a reference; throws ImageError('InvalidReference'). */
export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'empty');
  if (input !== input.trim()) throw invalid(input, 'surrounding whitespace');

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) throw invalid(input, 'digest must be sha256:<64 hex digits>');
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(input, `bad tag ${JSON.stringify(tag)}`);
  }

  let domain = defaultDomain;
  let path = rest;
  const firstSlash = rest.indexOf('/');
  if (firstSlash >= 0) {
    const first = rest.slice(0, firstSlash);
    // The first component is a registry only if it looks like a host: it has a
    // dot or a port, is "localhost", or has uppercase (which a repository can't).
    if (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(firstSlash + 1);
    }
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (!validDomain(domain)) throw invalid(input, `bad registry host ${JSON.stringify(domain)}`);
  if (domain === defaultDomain && !path.includes('/')) path = `library/${path}`;

  if (path.length === 0) throw invalid(input, 'empty repository name');
  for (const part of path.split('/')) {
    if (!pathComponent.test(part)) {
      const why =
        part !== part.toLowerCase()
          ? 'repository name must be lowercase'
          : `bad name component ${JSON.stringify(part)}`;
      throw invalid(input, why);
    }
  }
  if (domain.length + 1 + path.length > maxNameLength)
    throw invalid(input, 'name longer than 255 characters');

  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, tag, digest };
}

/** "domain/path", the repository without tag or digest. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The normalised string form: name:tag, name@digest or name:tag@digest. */
export function formatReference(ref: ImageReference): string {
  let out = repositoryName(ref);
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** Normalises a reference string, e.g. "busybox" → "docker.io/library/busybox:latest". */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** Loopback registries are spoken to over plain http; everything else over https. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
