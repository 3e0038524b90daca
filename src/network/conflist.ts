// The node's pod network as a CNI configuration list: a bridge that is the
// pods' gateway and masquerades their traffic off the pod CIDR, host-local
// addresses from the node's /24, the firewall plugin so pods still forward
// on hosts whose FORWARD policy is DROP, portmap for hostPorts, and loopback
// so `lo` is up in every pod.

import type { NetworkConfigList, PluginConfig } from './cni-chain.ts';

/** The CNI spec version the Debian plugins (1.1.1) speak at their newest. */
export const cniVersion = '1.0.0';

export interface PodNetworkListOptions {
  networkName: string;
  bridgeName: string;
  podCIDR: string;
  gateway: string;
  ipamDataDir: string;
  mtu?: number;
  withPortMappings: boolean;
}

export function podNetworkList(o: PodNetworkListOptions): NetworkConfigList {
  const bridge: PluginConfig = {
    type: 'bridge',
    bridge: o.bridgeName,
    isGateway: true,
    ipMasq: true,
    // Hairpin lets a pod reach itself through its own hostPort or a service address.
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: o.podCIDR, gateway: o.gateway }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: o.ipamDataDir,
    },
  };
  if (o.mtu !== undefined) bridge.mtu = o.mtu;
  return {
    cniVersion,
    name: o.networkName,
    plugins: [
      bridge,
      { type: 'firewall' },
      ...(o.withPortMappings ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
      { type: 'loopback' },
    ],
  };
}
