// The few pod fields the network's files are made from. Structural, so a
// client-node V1Pod or orca's own pod objects fit without conversion.

export interface PodDnsConfigOption {
  name?: string;
  value?: string;
}

export interface PodDnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: PodDnsConfigOption[];
}

export interface PodHostAlias {
  ip?: string;
  hostnames?: string[];
}

export type DnsPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

export interface PodNetworkShape {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    hostname?: string;
    subdomain?: string;
    hostNetwork?: boolean;
    hostAliases?: PodHostAlias[];
    dnsPolicy?: string;
    dnsConfig?: PodDnsConfig;
  };
}
