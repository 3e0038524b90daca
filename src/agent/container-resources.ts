// A container's requests and limits as cgroup settings, with the kubelet's
// conversions: CPU shares from the request (or the limit when only that is
// set), a CFS quota per 100 ms period from the CPU limit, and the memory
// limit in bytes.
import type { V1Container } from '@kubernetes/client-node';
import { cpuMillis, memoryBytes } from '../api/quantity.ts';
import type { Resources } from '../runtime/types.ts';

// Linux's bounds for cpu.shares; 1024 shares is one CPU.
const minShares = 2;
const maxShares = 262_144;
const sharesPerCpu = 1024;
const milliPerCpu = 1000;
// The kernel refuses a quota under 1 ms.
const minQuota = 1000;
export const cfsPeriodMicros = 100_000;

export function milliCpuToShares(milli: number): number {
  if (milli <= 0) return minShares;
  const shares = Math.floor((milli * sharesPerCpu) / milliPerCpu);
  return Math.min(maxShares, Math.max(minShares, shares));
}

/** 0 means no quota (no CPU limit). */
export function milliCpuToQuota(milli: number, periodMicros = cfsPeriodMicros): number {
  if (milli <= 0) return 0;
  return Math.max(minQuota, Math.floor((milli * periodMicros) / milliPerCpu));
}

export function containerResources(container: V1Container): Resources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const requestMilli = requests.cpu !== undefined ? cpuMillis(requests.cpu) : 0;
  const limitMilli = limits.cpu !== undefined ? cpuMillis(limits.cpu) : 0;
  const out: Resources = {
    cpuShares: milliCpuToShares(requestMilli === 0 && limitMilli > 0 ? limitMilli : requestMilli),
    cpuPeriod: cfsPeriodMicros,
  };
  const quota = milliCpuToQuota(limitMilli);
  if (quota > 0) out.cpuQuota = quota;
  if (limits.memory !== undefined) {
    const bytes = memoryBytes(limits.memory);
    if (bytes > 0) out.memoryLimitBytes = bytes;
  }
  return out;
}
