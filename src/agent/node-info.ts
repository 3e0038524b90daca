// What a node reports about itself: capacity, addresses and system info,
// read from the machine it runs on.
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';

export interface NodeFacts {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  addresses: { type: string; address: string }[];
  nodeInfo: Record<string, string>;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readOr('/etc/os-release', ''));
  return m ? m[1] : 'Linux';
}

/** The first non-internal IPv4 address (the node's InternalIP). */
export function primaryAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

export function nodeFacts(opts: {
  dataDir: string;
  maxPods: number;
  runtimeVersion: string;
  address?: string;
}): NodeFacts {
  const fs = statfsSync(opts.dataDir);
  const capacity = {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(opts.maxPods),
    'ephemeral-storage': `${Math.floor((fs.blocks * fs.bsize) / 1024)}Ki`,
  };
  return {
    capacity,
    allocatable: { ...capacity },
    addresses: [
      { type: 'InternalIP', address: opts.address ?? primaryAddress() },
      { type: 'Hostname', address: hostname() },
    ],
    nodeInfo: {
      machineID: readOr('/etc/machine-id', ''),
      systemUUID: readOr('/sys/class/dmi/id/product_uuid', readOr('/etc/machine-id', '')),
      bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: opts.runtimeVersion,
      kubeletVersion: 'v1.32.0+orca',
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  };
}
