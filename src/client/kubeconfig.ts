// Reads the connection settings of a kubeconfig's current context (the file
// `orca server --write-kubeconfig` writes, or any kubectl config using
// certificates or a bearer token) into HttpClient options.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { HttpTransportOptions } from './http-transport.ts';

interface Named<T> {
  name: string;
  [key: string]: T | string;
}

function pick<T>(list: unknown, name: string, field: string, what: string): T {
  const entry = ((list as Named<T>[] | undefined) ?? []).find((e) => e.name === name);
  if (!entry?.[field]) throw new Error(`kubeconfig: no ${what} named "${name}"`);
  return entry[field] as T;
}

/** Inline base64 data, or the file a path names (relative to the kubeconfig). */
function material(data: string | undefined, file: string | undefined, base: string): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readFileSync(resolve(base, file), 'utf8');
  return undefined;
}

export function kubeconfigConnection(path: string): HttpTransportOptions {
  const kc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const base = dirname(path);
  const contextName = kc['current-context'] as string | undefined;
  if (!contextName) throw new Error('kubeconfig: no current-context');
  const context = pick<{ cluster: string; user: string }>(kc.contexts, contextName, 'context', 'context');
  const cluster = pick<Record<string, string>>(kc.clusters, context.cluster, 'cluster', 'cluster');
  const user = pick<Record<string, string>>(kc.users, context.user, 'user', 'user');
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], base);
  if (!ca) throw new Error(`kubeconfig: cluster "${context.cluster}" has no certificate authority`);
  const cert = material(user['client-certificate-data'], user['client-certificate'], base);
  const key = material(user['client-key-data'], user['client-key'], base);
  const token =
    user.token ?? (user.tokenFile ? readFileSync(resolve(base, user.tokenFile), 'utf8').trim() : undefined);
  if (cert && key) return { server: cluster.server, ca, auth: { kind: 'certificate', cert, key } };
  if (token) return { server: cluster.server, ca, auth: { kind: 'token', token } };
  throw new Error(`kubeconfig: user "${context.user}" has neither a client certificate nor a token`);
}
