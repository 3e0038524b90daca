// How a pod's record maps onto CNI: the runtime arguments every call gets
// (the kubelet's K8S_POD_* CNI_ARGS, hostPorts as the portMappings
// capability), and how a CNI result maps back to the pod's address.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseIpv4Cidr } from './cidr.ts';
import type { ChainRuntime, CniResult } from './cni-chain.ts';
import { netnsPath } from './netns.ts';
import type { PodAttachment } from './pod-network.ts';
import type { PodNetworkRecord } from './pod-records.ts';

export function chainRuntime(record: PodNetworkRecord, withNetns: boolean): ChainRuntime {
  return {
    containerId: record.containerId,
    netns: withNetns ? netnsPath(record.netnsName) : '',
    ifName: record.ifName,
    args: {
      IgnoreUnknown: '1',
      K8S_POD_NAMESPACE: record.namespace,
      K8S_POD_NAME: record.name,
      K8S_POD_INFRA_CONTAINER_ID: record.containerId,
      K8S_POD_UID: record.podUid,
    },
    capabilityArgs: {
      portMappings: record.hostPorts.map((p) => ({
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol: (p.protocol ?? 'TCP').toLowerCase(),
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
    },
  };
}

/**
 * An interrupted ADD recorded no result, yet the firewall plugin can only
 * delete its rules given the pod's address. host-local's lease file (named
 * by the address, holding the container ID) still says which it was.
 */
export async function resultFromLease(
  record: PodNetworkRecord,
  ipamDir: string,
  podCIDR: string,
  gateway: string,
): Promise<CniResult | undefined> {
  const dir = path.join(ipamDir, record.networkList.name);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const { prefix } = parseIpv4Cidr(podCIDR);
  for (const name of names.filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n))) {
    const owner = (await readFile(path.join(dir, name), 'utf8').catch(() => '')).split(/\r?\n/)[0].trim();
    if (owner !== record.containerId) continue;
    return {
      cniVersion: record.networkList.cniVersion,
      interfaces: [{ name: record.ifName, sandbox: netnsPath(record.netnsName) }],
      ips: [{ address: `${name}/${prefix}`, gateway, interface: 0 }],
    };
  }
  return undefined;
}

export function attachmentOf(record: PodNetworkRecord & { state: 'ready' }): PodAttachment {
  const bridge = record.networkList.plugins.find((p) => p.type === 'bridge')?.bridge;
  const hostInterface = record.result.interfaces?.find((i) => !i.sandbox && i.name !== bridge);
  return {
    netnsName: record.netnsName,
    netnsPath: netnsPath(record.netnsName),
    ip: record.ip,
    gateway: record.gateway,
    hostInterface: hostInterface?.name,
  };
}

/** The pod's IPv4 address on its interface inside the namespace, from a CNI result. */
export function podAddress(result: CniResult, ifName: string): { ip: string; gateway: string } {
  const interfaces = result.interfaces ?? [];
  for (const entry of result.ips ?? []) {
    const iface = entry.interface === undefined ? undefined : interfaces[entry.interface];
    if (iface && (iface.name !== ifName || !iface.sandbox)) continue;
    const ip = entry.address.split('/')[0];
    if (!ip.includes('.')) continue;
    return { ip, gateway: entry.gateway ?? '' };
  }
  throw new Error(`CNI result has no IPv4 address on ${ifName}`);
}
