// The /etc/hosts the kubelet gives every pod container. A pod on the pod
// network gets a managed file: localhost for IPv4 and IPv6, the pod's own
// name on each of its IPs, then hostAliases. A hostNetwork pod gets the
// node's file under a header of its own, plus hostAliases.

import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { PodHostAlias, PodNetworkShape } from './pod-shape.ts';

const managedHeader = '# Kubernetes-managed hosts file.\n';
const hostNetworkHeader = '# Kubernetes-managed hosts file (host network).\n';
const hostnameMaxLength = 63;

export interface PodHostname {
  hostname: string;
  /** `<subdomain>.<namespace>.svc.<clusterDomain>` when the pod has a subdomain, else empty. */
  hostDomain: string;
}

/** spec.hostname or the pod name, cut to 63 characters without a trailing '-' or '.'. */
export function podHostname(pod: PodNetworkShape, clusterDomain: string): PodHostname {
  const name = pod.metadata?.name ?? '';
  let hostname = pod.spec?.hostname || name;
  if (hostname.length > hostnameMaxLength) {
    hostname = hostname.slice(0, hostnameMaxLength).replace(/[-.]+$/, '');
  }
  if (hostname === '') throw new Error(`pod ${name} has no usable hostname`);
  const subdomain = pod.spec?.subdomain;
  const hostDomain = subdomain
    ? `${subdomain}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}`
    : '';
  return { hostname, hostDomain };
}

function hostAliasLines(aliases: PodHostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  let text = '\n# Entries added by HostAliases.\n';
  for (const alias of aliases) text += `${alias.ip ?? ''}\t${(alias.hostnames ?? []).join('\t')}\n`;
  return text;
}

export interface HostsFileInput {
  podIPs: string[];
  hostname: string;
  hostDomain: string;
  hostAliases?: PodHostAlias[];
}

export function renderManagedHostsFile(input: HostsFileInput): string {
  let text = managedHeader;
  text += '127.0.0.1\tlocalhost\n';
  text += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  text += 'fe00::0\tip6-localnet\n';
  text += 'fe00::0\tip6-mcastprefix\n';
  text += 'fe00::1\tip6-allnodes\n';
  text += 'fe00::2\tip6-allrouters\n';
  for (const ip of input.podIPs) {
    text += input.hostDomain
      ? `${ip}\t${input.hostname}.${input.hostDomain}\t${input.hostname}\n`
      : `${ip}\t${input.hostname}\n`;
  }
  return text + hostAliasLines(input.hostAliases);
}

export function renderHostNetworkHostsFile(nodeHosts: string, hostAliases?: PodHostAlias[]): string {
  return hostNetworkHeader + nodeHosts + hostAliasLines(hostAliases);
}

export interface WriteHostsOptions {
  clusterDomain: string;
  /** The node's hosts file, copied for hostNetwork pods. */
  nodeHostsFile?: string;
}

/**
 * Writes the pod's hosts file, mode 0644. Written in place rather than
 * renamed over, so containers that already bind-mount it see the new text.
 */
export async function writePodHostsFile(
  filePath: string,
  pod: PodNetworkShape,
  podIPs: string[],
  options: WriteHostsOptions,
): Promise<void> {
  let content: string;
  if (pod.spec?.hostNetwork) {
    const nodeHosts = await readFile(options.nodeHostsFile ?? '/etc/hosts', 'utf8');
    content = renderHostNetworkHostsFile(nodeHosts, pod.spec.hostAliases);
  } else {
    const { hostname, hostDomain } = podHostname(pod, options.clusterDomain);
    content = renderManagedHostsFile({ podIPs, hostname, hostDomain, hostAliases: pod.spec?.hostAliases });
  }
  await writePodFile(filePath, content);
}

export async function writePodFile(filePath: string, content: string): Promise<void> {
  await writeFile(filePath, content, { mode: 0o644 });
  await chmod(filePath, 0o644);
}
