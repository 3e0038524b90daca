// OCI runtime configs (config.json) for the sandbox's infra container and for
// the pod's containers. Defaults follow what containerd's CRI plugin gives a
// Kubernetes container: the same mounts, masked paths and capabilities.
import type { ContainerConfig, Mount, PidMode, SandboxNetwork } from '../types.ts';

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

interface OciNamespace {
  type: 'pid' | 'network' | 'ipc' | 'uts' | 'mount';
  path?: string;
}

export interface OciSpec {
  ociVersion: string;
  process: Record<string, unknown>;
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: Record<string, unknown> & { namespaces: OciNamespace[]; cgroupsPath: string };
}

const defaultPath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const maskedPaths = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const procMount: OciMount = {
  destination: '/proc',
  type: 'proc',
  source: 'proc',
  options: ['nosuid', 'noexec', 'nodev'],
};
const devMount: OciMount = {
  destination: '/dev',
  type: 'tmpfs',
  source: 'tmpfs',
  options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
};

/** What a container needs to know of its sandbox. */
export interface SandboxView {
  infraPid: number;
  network: SandboxNetwork;
  hostIPC: boolean;
  pidMode: PidMode;
  hostname: string;
  hostnamePath: string;
  hostsPath?: string;
  resolvConfPath?: string;
  shmPath: string;
}

/** The pause container: catatonit as PID 1, owning the pod's namespaces and nothing else. */
export function sandboxSpec(input: {
  rootfs: string;
  hostname: string;
  network: SandboxNetwork;
  hostIPC: boolean;
  pidMode: PidMode;
  cgroupsPath: string;
}): OciSpec {
  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  if (input.pidMode !== 'host') namespaces.push({ type: 'pid' });
  if (!input.hostIPC) namespaces.push({ type: 'ipc' });
  if (input.network.kind === 'pod') {
    namespaces.push({ type: 'uts' }, { type: 'network', path: input.network.netnsPath });
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      // -P: pause mode, run nothing and wait; as PID 1 it also reaps the pod's orphans under a shared PID namespace.
      args: ['/catatonit', '-P'],
      env: [defaultPath],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [], inheritable: [], ambient: [] },
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: true },
    ...(input.network.kind === 'pod' ? { hostname: input.hostname } : {}),
    mounts: [procMount, devMount],
    linux: {
      namespaces,
      cgroupsPath: input.cgroupsPath,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths,
      readonlyPaths,
    },
  };
}

export function containerSpec(
  config: ContainerConfig,
  sandbox: SandboxView,
  cgroupsPath: string,
  capabilities: string[],
): OciSpec {
  const privileged = config.privileged ?? false;
  const nsPath = (ns: string) => `/proc/${sandbox.infraPid}/ns/${ns}`;
  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  if (sandbox.network.kind === 'pod') {
    namespaces.push(
      { type: 'network', path: sandbox.network.netnsPath },
      { type: 'uts', path: nsPath('uts') },
    );
  }
  if (!sandbox.hostIPC) namespaces.push({ type: 'ipc', path: nsPath('ipc') });
  if (sandbox.pidMode === 'container') namespaces.push({ type: 'pid' });
  if (sandbox.pidMode === 'pod') namespaces.push({ type: 'pid', path: nsPath('pid') });

  const r = config.resources;
  const cpu = {
    ...(r?.cpuShares ? { shares: r.cpuShares } : {}),
    ...(r?.cpuQuota ? { quota: r.cpuQuota, period: r.cpuPeriod ?? 100000 } : {}),
  };
  // swap = limit: a container may not dodge its memory limit by swapping.
  const memory = r?.memoryLimitBytes ? { limit: r.memoryLimitBytes, swap: r.memoryLimitBytes } : undefined;

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: config.tty ?? false,
      user: {
        uid: config.user?.uid ?? 0,
        gid: config.user?.gid ?? 0,
        ...(config.user?.additionalGids?.length ? { additionalGids: config.user.additionalGids } : {}),
      },
      args: config.args,
      env: containerEnv(config, sandbox.hostname),
      cwd: config.cwd || '/',
      capabilities: {
        bounding: capabilities,
        effective: capabilities,
        permitted: capabilities,
        inheritable: [],
        ambient: [],
      },
      noNewPrivileges: config.noNewPrivileges ?? false,
      // No rlimits: containers inherit the agent's. A process without
      // CAP_SYS_RESOURCE (as on some VMs) cannot raise a hard limit, and asking
      // for more than we have makes runc fail to start the container.
    },
    root: { path: config.rootfs, readonly: config.readOnlyRootfs ?? false },
    mounts: containerMounts(config, sandbox, privileged),
    linux: {
      namespaces,
      cgroupsPath,
      resources: {
        devices: [{ allow: privileged, access: 'rwm' }],
        ...(Object.keys(cpu).length ? { cpu } : {}),
        ...(memory ? { memory } : {}),
      },
      ...(privileged ? {} : { maskedPaths, readonlyPaths }),
    },
  };
}

function containerEnv(config: ContainerConfig, hostname: string): string[] {
  const env = [...(config.env ?? [])];
  const has = (name: string) => env.some((e) => e.startsWith(`${name}=`));
  if (!has('PATH')) env.unshift(defaultPath);
  if (!has('HOSTNAME')) env.push(`HOSTNAME=${hostname}`);
  if (config.tty && !has('TERM')) env.push('TERM=xterm');
  return env;
}

function containerMounts(config: ContainerConfig, sandbox: SandboxView, privileged: boolean): OciMount[] {
  const etcMode = config.readOnlyRootfs ? 'ro' : 'rw';
  const bind = (destination: string, source: string, extra: string[]): OciMount => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', ...extra],
  });
  const defaults: OciMount[] = [
    procMount,
    devMount,
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'],
    },
    // The pod's one /dev/shm: a tmpfs the sandbox owns, shared like its IPC namespace.
    bind('/dev/shm', sandbox.shmPath, ['nosuid', 'nodev', 'noexec']),
    bind('/etc/hostname', sandbox.hostnamePath, [etcMode]),
    ...(sandbox.hostsPath ? [bind('/etc/hosts', sandbox.hostsPath, [etcMode])] : []),
    ...(sandbox.resolvConfPath ? [bind('/etc/resolv.conf', sandbox.resolvConfPath, [etcMode])] : []),
  ];
  const own = (config.mounts ?? []).map(toOciMount);
  const taken = new Set(own.map((m) => m.destination));
  return [...defaults.filter((m) => !taken.has(m.destination)), ...own];
}

function toOciMount(m: Mount): OciMount {
  switch (m.kind) {
    case 'bind':
      return {
        destination: m.destination,
        type: 'bind',
        source: m.source,
        options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
      };
    case 'tmpfs':
      return {
        destination: m.destination,
        type: 'tmpfs',
        source: 'tmpfs',
        options: [
          'nosuid',
          'nodev',
          'mode=1777',
          ...(m.sizeBytes ? [`size=${m.sizeBytes}`] : []),
          m.readOnly ? 'ro' : 'rw',
        ],
      };
  }
}
