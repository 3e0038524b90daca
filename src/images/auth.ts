// Registry credentials and challenges. Credentials come from
// kubernetes.io/dockerconfigjson secrets (imagePullSecrets) or the CLI; which
// entry applies to an image follows kubelet: the key's host must equal the
// image's registry, its path (if any) must prefix the repository, and more
// specific keys are tried first.

import { defaultDomain } from './reference.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface DockerConfigJson {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

const dockerHubAliases = new Set([
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
  defaultDomain,
]);

function parseKey(key: string): { host: string; path: string } {
  const bare = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
  const slash = bare.indexOf('/');
  let host = (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
  let path = slash < 0 ? '' : bare.slice(slash + 1);
  if (dockerHubAliases.has(host)) host = defaultDomain;
  // "https://index.docker.io/v1/" names the whole registry, not a repository "v1".
  if (/^v[12]$/.test(path)) path = '';
  return { host, path };
}

function decode(entry: {
  auth?: string;
  username?: string;
  password?: string;
}): RegistryCredentials | undefined {
  if (entry.username !== undefined && entry.password !== undefined) {
    return { username: entry.username, password: entry.password };
  }
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return undefined;
}

/** Credentials that apply to `domain/repository`, most specific first. */
export function credentialsFor(
  configs: readonly DockerConfigJson[],
  domain: string,
  repository: string,
): RegistryCredentials[] {
  const matches: { specificity: number; creds: RegistryCredentials }[] = [];
  for (const config of configs) {
    for (const [key, entry] of Object.entries(config.auths ?? {})) {
      const { host, path } = parseKey(key);
      if (host !== domain.toLowerCase()) continue;
      if (path !== '' && repository !== path && !repository.startsWith(`${path}/`)) continue;
      const creds = decode(entry);
      if (creds) matches.push({ specificity: path.length, creds });
    }
  }
  return matches.sort((a, b) => b.specificity - a.specificity).map((m) => m.creds);
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const token = /\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,]*))?\s*,?/y;
  let current: Challenge | undefined;
  while (token.lastIndex < header.length) {
    const start = token.lastIndex;
    const m = token.exec(header);
    if (!m || token.lastIndex === start) break;
    const [, name, rawValue, quoted] = m;
    if (rawValue === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
    } else if (current) {
      current.params[name.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : rawValue;
    }
  }
  return challenges;
}

export function basicAuthorization(creds: RegistryCredentials): string {
  return 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
}
