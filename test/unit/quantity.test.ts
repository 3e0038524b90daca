import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { computeQosClass } from '../../src/api/qos.ts';
import {
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  cpuMillis,
  formatQuantity,
  memoryBytes,
  parseQuantity,
  QuantityError,
  quantityProblem,
  resourceAmount,
  roundUpToMilli,
} from '../../src/api/quantity.ts';

describe('quantity parsing', () => {
  test('cpu in millicores', () => {
    assert.equal(cpuMillis('100m'), 100);
    assert.equal(cpuMillis('2'), 2000);
    assert.equal(cpuMillis('0.5'), 500);
    assert.equal(cpuMillis(1), 1000);
    assert.equal(cpuMillis('1e3'), 1_000_000);
    // Finer than a millicore rounds up, never down to nothing.
    assert.equal(cpuMillis('0.0001'), 1);
  });

  test('memory in bytes', () => {
    assert.equal(memoryBytes('1Gi'), 1073741824);
    assert.equal(memoryBytes('500Mi'), 524288000);
    assert.equal(memoryBytes('1k'), 1000);
    assert.equal(memoryBytes('1e3'), 1000);
    assert.equal(memoryBytes('1.5Ki'), 1536);
    assert.equal(memoryBytes(128974848), 128974848);
  });

  test('resourceAmount picks the unit by resource', () => {
    assert.equal(resourceAmount('cpu', '250m'), 250);
    assert.equal(resourceAmount('memory', '64Mi'), 67108864);
    assert.equal(resourceAmount('nvidia.com/gpu', '2'), 2);
  });

  test('malformed quantities are rejected with upstream wording', () => {
    const pattern =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    for (const bad of ['', 'abc', '1x', '1.2.3', '1Gi '.repeat(2)]) {
      assert.throws(
        () => parseQuantity(bad),
        (e: unknown) => e instanceof QuantityError && e.message === pattern,
        bad,
      );
    }
    for (const bad of ['1Ki3', '1e', '5K', '1i']) {
      assert.throws(() => parseQuantity(bad), { message: "unable to parse quantity's suffix" }, bad);
    }
    assert.equal(quantityProblem('1Gi'), undefined);
    assert.equal(quantityProblem({}), pattern);
  });
});

describe('canonical form', () => {
  const cases: [string | number, string][] = [
    ['100m', '100m'],
    ['1Gi', '1Gi'],
    ['2', '2'],
    ['1e3', '1e3'],
    ['500Mi', '500Mi'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1000m', '1'],
    ['1500', '1500'],
    ['2000', '2k'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1.5e3', '1500'],
    ['12e6', '12e6'],
    ['0', '0'],
    ['0Mi', '0'],
    ['-1', '-1'],
    ['-500m', '-500m'],
    [0.25, '250m'],
    [3, '3'],
    ['1E', '1E'],
    ['1Ei', '1Ei'],
  ];
  for (const [input, want] of cases) {
    test(`${JSON.stringify(input)} → ${want}`, () => assert.equal(canonicalQuantity(input), want));
  }

  test('below a nanounit rounds up to one', () => {
    assert.equal(canonicalQuantity('0.0000000001'), '1n');
  });

  test('resource lists round up to milli', () => {
    assert.equal(formatQuantity(roundUpToMilli(parseQuantity('0.1m'))), '1m');
    assert.equal(formatQuantity(roundUpToMilli(parseQuantity('1.0001'))), '1001m');
    assert.equal(formatQuantity(roundUpToMilli(parseQuantity('250m'))), '250m');
  });
});

describe('arithmetic', () => {
  test('compare across notations', () => {
    assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi')), 0);
    assert.equal(compareQuantities(parseQuantity('1'), parseQuantity('1000m')), 0);
    assert.equal(compareQuantities(parseQuantity('1G'), parseQuantity('1Gi')), -1);
    assert.equal(compareQuantities(parseQuantity('2'), parseQuantity('1500m')), 1);
    assert.equal(compareQuantities(parseQuantity('-1'), parseQuantity('0')), -1);
  });

  test('sums are exact and keep the first notation', () => {
    assert.equal(formatQuantity(addQuantities(parseQuantity('100m'), parseQuantity('0.9'))), '1');
    assert.equal(formatQuantity(addQuantities(parseQuantity('512Mi'), parseQuantity('512Mi'))), '1Gi');
    assert.equal(formatQuantity(addQuantities(parseQuantity('0.1'), parseQuantity('0.2'))), '300m');
  });
});

describe('QoS class', () => {
  const c = (resources: object) => ({ name: 'c', image: 'i', resources });

  test('no requests or limits is BestEffort', () => {
    assert.equal(computeQosClass({ containers: [c({})] }), 'BestEffort');
    assert.equal(computeQosClass({ containers: [c({ requests: { 'nvidia.com/gpu': '1' } })] }), 'BestEffort');
  });

  test('equal cpu and memory requests and limits everywhere is Guaranteed', () => {
    const both = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '0.5', memory: '1024Mi' } };
    assert.equal(computeQosClass({ containers: [c(both), c(both)] }), 'Guaranteed');
  });

  test('anything in between is Burstable', () => {
    assert.equal(computeQosClass({ containers: [c({ requests: { cpu: '100m' } })] }), 'Burstable');
    assert.equal(
      computeQosClass({ containers: [c({ limits: { cpu: '1' }, requests: { cpu: '1' } })] }),
      'Burstable',
    );
    const guaranteed = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
    assert.equal(computeQosClass({ containers: [c(guaranteed), c({})] }), 'Burstable');
    assert.equal(
      computeQosClass({
        containers: [c({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })],
      }),
      'Burstable',
    );
  });

  test('init containers count', () => {
    const guaranteed = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
    assert.equal(
      computeQosClass({ containers: [c(guaranteed)], initContainers: [c({ requests: { cpu: '1' } })] }),
      'Burstable',
    );
  });
});
