// Linux capabilities for a container: the same default set containerd and CRI-O
// give unprivileged containers, adjusted by the pod's securityContext.

/** Capability names by bit number (linux/capability.h). */
export const allCapabilities: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

function normalize(name: string): string {
  const upper = name.toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/**
 * The effective set: privileged means all; otherwise the defaults, emptied by a
 * drop of ALL, then add (ALL = all), then drop of named ones. Anything outside
 * `available` (our own bounding set) is left out: the kernel refuses to grant it.
 */
export function resolveCapabilities(
  request: { add?: string[]; drop?: string[] } | undefined,
  privileged: boolean,
  available: ReadonlySet<string>,
): string[] {
  const add = (request?.add ?? []).map(normalize);
  const drop = (request?.drop ?? []).map(normalize);
  let caps = new Set<string>(privileged ? allCapabilities : defaultCapabilities);
  if (!privileged) {
    if (drop.includes('ALL')) caps.clear();
    if (add.includes('ALL')) caps = new Set(allCapabilities);
    for (const c of add) if (c !== 'ALL') caps.add(c);
    for (const c of drop) if (c !== 'ALL') caps.delete(c);
  }
  return allCapabilities.filter((c) => caps.has(c) && available.has(c));
}
