// The node's pod network as a CNI configuration list: a bridge that is the
// pods' gateway, host-local addresses from the node's /24, portmap for
// hostPorts, and loopback so `lo` is up in every pod. Masquerading traffic
// that leaves the range, and forwarding on hosts whose FORWARD policy is
// DROP, are rules for the whole range (range-rules.ts) rather than per pod by
// the bridge plugin's ipMasq and the firewall plugin. Records of pods set up
// before keep the list they were made with, so their DEL still undoes those.

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
    ipMasq: false,
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

/** Whether the list's plugins leave iptables rules of the pod's own, which a DEL may strand. */
export function hasPerPodRules(list: NetworkConfigList): boolean {
  return list.plugins.some(
    (p) => (p.type === 'bridge' && p.ipMasq === true) || p.type === 'portmap' || p.type === 'firewall',
  );
}
