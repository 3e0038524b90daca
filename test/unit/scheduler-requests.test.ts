// Pod resource requests as the scheduler counts them: app containers add up,
// init containers take the peak, native sidecars add to both, overhead on top.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1PodSpec } from '@kubernetes/client-node';
import {
  allocatableOf,
  defaultMemoryRequest,
  defaultMilliCpuRequest,
  podRequests,
} from '../../src/scheduler/requests.ts';

const c = (name: string, cpu?: string, memory?: string, extra: object = {}) => ({
  name,
  image: 'busybox',
  resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } },
  ...extra,
});
const sidecar = (name: string, cpu?: string, memory?: string) =>
  c(name, cpu, memory, { restartPolicy: 'Always' });
const spec = (s: object) => s as V1PodSpec;
const Mi = 1024 * 1024;

describe('podRequests', () => {
  it('adds up app containers', () => {
    const r = podRequests(spec({ containers: [c('a', '100m', '64Mi'), c('b', '1', '1Gi')] }));
    assert.equal(r.milliCpu, 1100);
    assert.equal(r.memory, 64 * Mi + 1024 * Mi);
    assert.equal(r.ephemeralStorage, 0);
  });

  it("takes the larger of the app containers' sum and each init container", () => {
    // Upstream's example: init 2 cpu/1G and 2 cpu/3G, apps 2 cpu/1G and 1 cpu/1G → 3 cpu, 3G.
    const r = podRequests(
      spec({
        initContainers: [c('i1', '2', '1G'), c('i2', '2', '3G')],
        containers: [c('a', '2', '1G'), c('b', '1', '1G')],
      }),
    );
    assert.equal(r.milliCpu, 3000);
    assert.equal(r.memory, 3e9);
  });

  it('adds native sidecars to the app containers and to init containers started after them', () => {
    const r = podRequests(
      spec({
        initContainers: [sidecar('proxy', '500m', '100Mi'), c('migrate', '2', '50Mi')],
        containers: [c('app', '1', '200Mi')],
      }),
    );
    // Running: app + proxy = 1.5 cpu, 300Mi. While migrating: migrate + proxy = 2.5 cpu, 150Mi.
    assert.equal(r.milliCpu, 2500);
    assert.equal(r.memory, 300 * Mi);
  });

  it('does not count a sidecar toward init containers that run before it', () => {
    const r = podRequests(
      spec({
        initContainers: [c('first', '3'), sidecar('late', '1')],
        containers: [c('app', '1')],
      }),
    );
    assert.equal(r.milliCpu, 3000);
  });

  it('adds pod overhead', () => {
    const r = podRequests(
      spec({ containers: [c('a', '250m', '10Mi')], overhead: { cpu: '250m', memory: '120Mi' } }),
    );
    assert.equal(r.milliCpu, 500);
    assert.equal(r.memory, 130 * Mi);
  });

  it('keeps ephemeral storage and extended resources', () => {
    const r = podRequests(
      spec({
        containers: [
          {
            name: 'a',
            resources: {
              requests: { 'ephemeral-storage': '1Gi', 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' },
            },
          },
        ],
      }),
    );
    assert.equal(r.ephemeralStorage, 1024 * Mi);
    assert.deepEqual(r.scalar, { 'example.com/gpu': 2, 'hugepages-2Mi': 4 * Mi });
  });

  it('fills in defaults for left-out cpu and memory only when asked (for scoring)', () => {
    const s = spec({ containers: [c('none'), c('cpu-only', '200m'), c('zero', '0', '0')] });
    assert.equal(podRequests(s).milliCpu, 200);
    assert.equal(podRequests(s).memory, 0);
    const nonZero = podRequests(s, { nonZero: true });
    // An explicit zero is kept; only a missing request gets the default.
    assert.equal(nonZero.milliCpu, defaultMilliCpuRequest + 200 + 0);
    assert.equal(nonZero.memory, defaultMemoryRequest * 2 + 0);
  });

  it('treats a pod without a spec as requesting nothing', () => {
    assert.deepEqual(podRequests(undefined), { milliCpu: 0, memory: 0, ephemeralStorage: 0, scalar: {} });
  });
});

describe('allocatableOf', () => {
  it("reads a node's status.allocatable, pods included", () => {
    const a = allocatableOf({
      metadata: { name: 'n' },
      status: { allocatable: { cpu: '3900m', memory: '7Gi', pods: '110', 'ephemeral-storage': '20Gi' } },
    });
    assert.equal(a.milliCpu, 3900);
    assert.equal(a.memory, 7 * 1024 * Mi);
    assert.equal(a.pods, 110);
    assert.equal(a.ephemeralStorage, 20 * 1024 * Mi);
  });

  it('counts what a node does not report as zero', () => {
    const a = allocatableOf({ metadata: { name: 'n' } });
    assert.equal(a.pods, 0);
    assert.equal(a.milliCpu, 0);
  });
});
