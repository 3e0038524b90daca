// Pod networking for the node agent: CNI-wired pod namespaces on the node
// bridge, and the per-pod /etc/hosts and /etc/resolv.conf.

export { CommandError } from '../util/process-runner.ts';
export type { CniResult, NetworkConfigList } from './cni-chain.ts';
export type { CniCommand } from './cni-exec.ts';
export { CniError } from './cni-exec.ts';
export type { HostsFileInput, PodHostname, WriteHostsOptions } from './hosts-file.ts';
export {
  podHostname,
  renderHostNetworkHostsFile,
  renderManagedHostsFile,
  writePodHostsFile,
} from './hosts-file.ts';
export type {
  PodAttachment,
  PodNetworkOptions,
  PodNetworkRequest,
  PodNetworkStatus,
} from './pod-network.ts';
export { PodNetwork } from './pod-network.ts';
export type { HostPort } from './pod-records.ts';
export type { DnsPolicy, PodDnsConfig, PodHostAlias, PodNetworkShape } from './pod-shape.ts';
export type {
  ClusterDnsOptions,
  DnsSettings,
  DnsWarning,
  PodDnsResult,
  WriteResolvConfOptions,
} from './resolv-conf.ts';
export { parseResolvConf, podDnsSettings, renderResolvConf, writeResolvConf } from './resolv-conf.ts';
