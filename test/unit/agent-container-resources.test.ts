// Requests and limits as cgroup settings, with the kubelet's arithmetic, and
// the security settings that go with them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  containerResources,
  milliCpuToQuota,
  milliCpuToShares,
} from '../../src/agent/container-resources.ts';
import { effectiveSecurity } from '../../src/agent/container-security.ts';
import { memoryMediumSize, podMemoryLimit } from '../../src/agent/volumes/index.ts';

describe('CPU shares', () => {
  it('follows MilliCPUToShares: 1024 per CPU, at least 2, at most 262144', () => {
    assert.equal(milliCpuToShares(0), 2);
    assert.equal(milliCpuToShares(1), 2);
    assert.equal(milliCpuToShares(2), 2);
    assert.equal(milliCpuToShares(100), 102);
    assert.equal(milliCpuToShares(250), 256);
    assert.equal(milliCpuToShares(1000), 1024);
    assert.equal(milliCpuToShares(1500), 1536);
    assert.equal(milliCpuToShares(1_000_000), 262_144);
  });

  it('quota is the limit’s share of a 100 ms period, at least 1 ms', () => {
    assert.equal(milliCpuToQuota(0), 0);
    assert.equal(milliCpuToQuota(5), 1000);
    assert.equal(milliCpuToQuota(10), 1000);
    assert.equal(milliCpuToQuota(250), 25_000);
    assert.equal(milliCpuToQuota(2000), 200_000);
  });
});

describe('containerResources', () => {
  it('maps requests and limits', () => {
    assert.deepEqual(
      containerResources({
        name: 'c',
        resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '128Mi' } },
      }),
      { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitBytes: 134_217_728 },
    );
  });

  it('takes shares from the limit when only a limit is set', () => {
    assert.deepEqual(containerResources({ name: 'c', resources: { limits: { cpu: '2' } } }), {
      cpuShares: 2048,
      cpuPeriod: 100_000,
      cpuQuota: 200_000,
    });
  });

  it('gives a best-effort container the minimum weight and no limits', () => {
    assert.deepEqual(containerResources({ name: 'c' }), { cpuShares: 2, cpuPeriod: 100_000 });
  });

  it('reads quantities in any notation', () => {
    const r = containerResources({
      name: 'c',
      resources: { requests: { cpu: '0.1' }, limits: { memory: '1G' } },
    });
    assert.equal(r.cpuShares, 102);
    assert.equal(r.memoryLimitBytes, 1_000_000_000);
  });
});

describe('memory-backed volume size', () => {
  const gi = 1024 ** 3;
  const pod = (limits: (string | undefined)[], init: (string | undefined)[] = []) => ({
    spec: {
      containers: limits.map((m, i) => ({ name: `c${i}`, resources: m ? { limits: { memory: m } } : {} })),
      initContainers: init.map((m, i) => ({ name: `i${i}`, resources: m ? { limits: { memory: m } } : {} })),
    },
  });

  it('counts a pod limit only when every container declares one', () => {
    assert.equal(podMemoryLimit(pod(['1Gi', '1Gi'])), 2 * gi);
    assert.equal(podMemoryLimit(pod(['1Gi', undefined])), 0);
    assert.equal(podMemoryLimit(pod(['1Gi'], ['3Gi'])), 3 * gi);
  });

  it('is node allocatable, lowered by the pod limit, then by sizeLimit', () => {
    assert.equal(memoryMediumSize(pod([undefined]), undefined, 8 * gi), 8 * gi);
    assert.equal(memoryMediumSize(pod(['1Gi']), undefined, 8 * gi), gi);
    assert.equal(memoryMediumSize(pod(['1Gi']), '64Mi', 8 * gi), 64 * 1024 ** 2);
    assert.equal(memoryMediumSize(pod(['1Gi']), '4Gi', 8 * gi), gi);
    assert.equal(memoryMediumSize(pod([undefined]), '16Gi', 8 * gi), 8 * gi);
  });
});

describe('effectiveSecurity', () => {
  it('lets the container override the pod for shared fields', () => {
    const sec = effectiveSecurity(
      {
        spec: {
          containers: [],
          securityContext: {
            runAsUser: 1,
            runAsGroup: 2,
            runAsNonRoot: true,
            supplementalGroups: [5],
            fsGroup: 6,
          },
        },
      },
      {
        name: 'c',
        securityContext: {
          runAsUser: 10,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
        },
      },
    );
    assert.deepEqual(sec, {
      runAsUser: 10,
      runAsGroup: 2,
      runAsNonRoot: true,
      supplementalGroups: [5],
      fsGroup: 6,
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      noNewPrivileges: true,
    });
  });

  it('sets no_new_privs only when escalation is explicitly refused', () => {
    assert.equal(effectiveSecurity({}, { name: 'c' }).noNewPrivileges, false);
    assert.equal(
      effectiveSecurity({}, { name: 'c', securityContext: { allowPrivilegeEscalation: true } })
        .noNewPrivileges,
      false,
    );
  });
});
