// The pod's /etc/resolv.conf, composed the way the kubelet composes it:
//  - ClusterFirst (on the pod network) and ClusterFirstWithHostNet: only the
//    cluster DNS servers, the cluster search domains ahead of the host's, and
//    ndots:5;
//  - Default, and ClusterFirst on the host network: the host's settings;
//  - None: nothing but what dnsConfig says.
// dnsConfig is then merged in: servers and searches appended without
// duplicates, options overriding those of the same name. Limits are applied
// last (3 servers, 32 search domains, 2048 characters of search line), each
// cut reported as a warning the agent can turn into a pod event.

import { readFile } from 'node:fs/promises';
import { writePodFile } from './hosts-file.ts';
import type { PodDnsConfig, PodNetworkShape } from './pod-shape.ts';

export interface DnsSettings {
  nameservers: string[];
  searches: string[];
  /** Each `name` or `name:value`, as they appear on an options line. */
  options: string[];
}

export interface DnsWarning {
  /** The kubelet's event reason: MissingClusterDNS or DNSConfigForming. */
  reason: string;
  message: string;
}

export interface PodDnsResult {
  settings: DnsSettings;
  warnings: DnsWarning[];
}

export interface ClusterDnsOptions {
  clusterDNS: string[];
  clusterDomain: string;
}

const maxNameservers = 3;
const maxSearchPaths = 32;
const maxSearchLineChars = 2048;
const maxSearchDomainLength = 253;

/** Nameserver lines accumulate; the last search line and the last options line win, as in the kubelet. */
export function parseResolvConf(text: string): DnsSettings {
  const settings: DnsSettings = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields.length >= 2) settings.nameservers.push(fields[1]);
    if (fields[0] === 'search') settings.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') settings.options = fields.slice(1);
  }
  return settings;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function mergeOptions(existing: string[], extra: PodDnsConfig['options']): string[] {
  const merged = new Map<string, string>();
  for (const option of existing) {
    const colon = option.indexOf(':');
    if (colon === -1) merged.set(option, '');
    else merged.set(option.slice(0, colon), option.slice(colon + 1));
  }
  for (const option of extra ?? []) {
    if (option.name) merged.set(option.name, option.value ?? '');
  }
  return [...merged].map(([name, value]) => (value ? `${name}:${value}` : name));
}

type DnsType = 'cluster' | 'host' | 'none';

function dnsType(pod: PodNetworkShape): DnsType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
      return pod.spec?.hostNetwork ? 'host' : 'cluster';
    default:
      // The apiserver rejects other policies; the kubelet treats a stray one as ClusterFirst.
      return 'cluster';
  }
}

function fitLimits(settings: DnsSettings, warnings: DnsWarning[]): DnsSettings {
  let nameservers = settings.nameservers;
  if (nameservers.length > maxNameservers) {
    nameservers = nameservers.slice(0, maxNameservers);
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(' ')}`,
    });
  }
  let searches = settings.searches.slice(0, maxSearchPaths);
  let exceeded = searches.length < settings.searches.length;
  const fitting = searches.filter((s) => s.length <= maxSearchDomainLength);
  exceeded ||= fitting.length < searches.length;
  searches = fitting;
  while (searches.join(' ').length > maxSearchLineChars) {
    searches = searches.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
  }
  return { nameservers, searches, options: settings.options };
}

/**
 * The DNS settings for a pod. `host` is the node's parsed resolv.conf, or
 * undefined when the node is configured with none (the kubelet's
 * `--resolv-conf=""`), which points host-policy pods at 127.0.0.1.
 */
export function podDnsSettings(
  pod: PodNetworkShape,
  cluster: ClusterDnsOptions,
  host: DnsSettings | undefined,
): PodDnsResult {
  const warnings: DnsWarning[] = [];
  let type = dnsType(pod);
  if (type === 'cluster' && cluster.clusterDNS.length === 0) {
    warnings.push({
      reason: 'MissingClusterDNS',
      message: `node has no cluster DNS IP configured and cannot create Pod using "${pod.spec?.dnsPolicy ?? 'ClusterFirst'}" policy. Falling back to "Default" policy.`,
    });
    type = 'host';
  }

  let settings: DnsSettings;
  switch (type) {
    case 'none':
      settings = { nameservers: [], searches: [], options: [] };
      break;
    case 'cluster': {
      const domain = cluster.clusterDomain;
      const namespace = pod.metadata?.namespace ?? 'default';
      const clusterSearch = domain ? [`${namespace}.svc.${domain}`, `svc.${domain}`, domain] : [];
      settings = {
        nameservers: [...cluster.clusterDNS],
        searches: unique([...clusterSearch, ...(host?.searches ?? [])]),
        options: ['ndots:5'],
      };
      break;
    }
    case 'host':
      settings = host
        ? { nameservers: [...host.nameservers], searches: [...host.searches], options: [...host.options] }
        : { nameservers: ['127.0.0.1'], searches: ['.'], options: [] };
      break;
  }

  const extra = pod.spec?.dnsConfig;
  if (extra) {
    settings = {
      nameservers: unique([...settings.nameservers, ...(extra.nameservers ?? [])]),
      searches: unique([...settings.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(settings.options, extra.options),
    };
  }
  return { settings: fitLimits(settings, warnings), warnings };
}

/** The file text, in the order container runtimes write it: search, nameservers, options. */
export function renderResolvConf(settings: DnsSettings): string {
  let text = '';
  if (settings.searches.length > 0) text += `search ${settings.searches.join(' ')}\n`;
  for (const server of settings.nameservers) text += `nameserver ${server}\n`;
  if (settings.options.length > 0) text += `options ${settings.options.join(' ')}\n`;
  return text;
}

export interface WriteResolvConfOptions extends ClusterDnsOptions {
  /** The node's resolver file (default /etc/resolv.conf); '' means the node has none. */
  hostResolvConf?: string;
}

/** Writes the pod's resolv.conf and returns the warnings worth a pod event. */
export async function writeResolvConf(
  filePath: string,
  pod: PodNetworkShape,
  options: WriteResolvConfOptions,
): Promise<DnsWarning[]> {
  const hostFile = options.hostResolvConf ?? '/etc/resolv.conf';
  const host = hostFile === '' ? undefined : parseResolvConf(await readFile(hostFile, 'utf8'));
  const { settings, warnings } = podDnsSettings(pod, options, host);
  await writePodFile(filePath, renderResolvConf(settings));
  return warnings;
}
