// The node's pod network as a CNI configuration list: a bridge that is the
// pods' gateway and masquerades their traffic off the pod CIDR, host-local
// addresses from the node's /24, portmap for hostPorts, and loopback so `lo`
// is up in every pod. Forwarding on hosts whose FORWARD policy is DROP is
// allowed for the whole pod range by forward-rules.ts rather than per pod by
// the firewall plugin (records of pods set up with it still list it, so their
// DEL still runs it).

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
      ...(o.withPortMappings ? [{ type: 'portmap', capabilities: { portMappings: true }, snat: true }] : []),
      { type: 'loopback' },
    ],
  };
}
