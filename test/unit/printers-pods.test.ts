// `kubectl get pods` columns: READY, STATUS and RESTARTS as kube-apiserver computes them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KubeObject, toTable } from '../../src/api/printers/index.ts';
import { findResource } from '../../src/api/resources.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const pods = findResource('', 'v1', 'pods')!;

type Json = Record<string, unknown>;

/** The pod's row as column name → cell. */
function podRow(pod: KubeObject): Record<string, unknown> {
  const table = toTable(pods, [pod], { includeObject: 'None', now });
  const row = table.rows[0];
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, row.cells[i]]));
}

function pod(spec: Json, status: Json, metadata: Json = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', creationTimestamp: ago(600), ...metadata },
    spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(500) } };
const readyApp = { name: 'app', ready: true, restartCount: 0, state: running };

describe('pod STATUS', () => {
  const cases: [string, KubeObject][] = [
    ['Pending', pod({}, { phase: 'Pending' })],
    [
      'ContainerCreating',
      pod(
        {},
        {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ContainerCreating' } },
            },
          ],
        },
      ),
    ],
    [
      'ErrImagePull',
      pod(
        {},
        {
          phase: 'Pending',
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } },
          ],
        },
      ),
    ],
    ['Running', pod({}, { phase: 'Running', containerStatuses: [readyApp] })],
    [
      'CrashLoopBackOff',
      pod(
        {},
        {
          phase: 'Running',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
            },
          ],
        },
      ),
    ],
    [
      'Completed',
      pod(
        {},
        {
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: 'Completed' } },
            },
          ],
        },
      ),
    ],
    [
      'Error',
      pod(
        {},
        {
          phase: 'Failed',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        },
      ),
    ],
    [
      'ExitCode:3',
      pod(
        {},
        {
          phase: 'Failed',
          containerStatuses: [
            { name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } },
          ],
        },
      ),
    ],
    [
      'Signal:9',
      pod(
        {},
        {
          phase: 'Failed',
          containerStatuses: [
            {
              name: 'app',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 137, signal: 9 } },
            },
          ],
        },
      ),
    ],
    ['Evicted', pod({}, { phase: 'Failed', reason: 'Evicted' })],
    [
      'SchedulingGated',
      pod(
        { schedulingGates: [{ name: 'example.com/gate' }] },
        {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        },
      ),
    ],
    [
      'Terminating',
      pod({}, { phase: 'Running', containerStatuses: [readyApp] }, { deletionTimestamp: ago(5) }),
    ],
    [
      'Unknown',
      pod(
        {},
        { phase: 'Running', reason: 'NodeLost', containerStatuses: [readyApp] },
        { deletionTimestamp: ago(5) },
      ),
    ],
  ];
  for (const [expected, p] of cases) {
    test(expected, () => assert.equal(podRow(p).Status, expected));
  }

  test('a deleted pod that already finished keeps its final status', () => {
    const done = pod(
      {},
      {
        phase: 'Succeeded',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
        ],
      },
      { deletionTimestamp: ago(5) },
    );
    assert.equal(podRow(done).Status, 'Completed');
  });

  test('the first container decides when several have reasons', () => {
    const p = pod(
      { containers: [{ name: 'a' }, { name: 'b' }] },
      {
        phase: 'Pending',
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } },
          { name: 'b', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    );
    assert.equal(podRow(p).Status, 'ImagePullBackOff');
  });

  test('a completed container beside a running one reads Running or NotReady by the Ready condition', () => {
    const statuses = [
      {
        name: 'job',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed' } },
      },
      { name: 'server', ready: true, restartCount: 0, state: running },
    ];
    const spec = { containers: [{ name: 'job' }, { name: 'server' }] };
    const ready = pod(spec, {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: statuses,
    });
    const notReady = pod(spec, {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: statuses,
    });
    assert.equal(podRow(ready).Status, 'Running');
    assert.equal(podRow(ready).Ready, '1/2');
    assert.equal(podRow(notReady).Status, 'NotReady');
  });
});

describe('pod STATUS while initialising', () => {
  const spec = { initContainers: [{ name: 'init', image: 'busybox' }] };
  const withInit = (state: Json, restartCount = 0) =>
    pod(spec, {
      phase: 'Pending',
      conditions: [{ type: 'Initialized', status: 'False' }],
      initContainerStatuses: [{ name: 'init', ready: false, restartCount, state }],
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    });

  test('Init:0/1 while the init container runs', () => {
    assert.equal(podRow(withInit(running)).Status, 'Init:0/1');
  });
  test('Init:0/1 while it waits to start', () => {
    assert.equal(podRow(withInit({ waiting: { reason: 'PodInitializing' } })).Status, 'Init:0/1');
  });
  test('Init:CrashLoopBackOff', () => {
    assert.equal(
      podRow(withInit({ waiting: { reason: 'CrashLoopBackOff' } })).Status,
      'Init:CrashLoopBackOff',
    );
  });
  test('Init:Error', () => {
    assert.equal(podRow(withInit({ terminated: { exitCode: 1, reason: 'Error' } })).Status, 'Init:Error');
  });
  test('Init:ExitCode:N and Init:Signal:N without a reason', () => {
    assert.equal(podRow(withInit({ terminated: { exitCode: 2 } })).Status, 'Init:ExitCode:2');
    assert.equal(podRow(withInit({ terminated: { exitCode: 143, signal: 15 } })).Status, 'Init:Signal:15');
  });
  test('counts finished init containers: Init:1/2', () => {
    const p = pod(
      { initContainers: [{ name: 'one' }, { name: 'two' }] },
      {
        phase: 'Pending',
        initContainerStatuses: [
          {
            name: 'one',
            ready: true,
            restartCount: 0,
            state: { terminated: { exitCode: 0, reason: 'Completed' } },
          },
          { name: 'two', ready: false, restartCount: 0, state: running },
        ],
      },
    );
    assert.equal(podRow(p).Status, 'Init:1/2');
  });
  test('RESTARTS counts init container restarts while initialising', () => {
    const p = withInit({ waiting: { reason: 'CrashLoopBackOff' } }, 5);
    assert.equal(podRow(p).Restarts, '5');
  });
});

describe('pod READY with native sidecars', () => {
  const spec = {
    initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }],
    containers: [{ name: 'app', image: 'busybox' }],
  };
  const status = (sidecarReady: boolean) => ({
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: sidecarReady ? 'True' : 'False' },
    ],
    initContainerStatuses: [
      { name: 'proxy', ready: sidecarReady, started: true, restartCount: 0, state: running },
    ],
    containerStatuses: [readyApp],
  });

  test('a ready sidecar counts in READY and its total', () => {
    const row = podRow(pod(spec, status(true)));
    assert.equal(row.Ready, '2/2');
    assert.equal(row.Status, 'Running');
  });
  test('a started but unready sidecar counts only in the total', () => {
    assert.equal(podRow(pod(spec, status(false))).Ready, '1/2');
  });
  test('a sidecar that has not started holds the pod in Init', () => {
    const p = pod(spec, {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'proxy', ready: false, started: false, restartCount: 0, state: { waiting: {} } },
      ],
      containerStatuses: [
        { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
      ],
    });
    assert.equal(podRow(p).Status, 'Init:0/1');
    assert.equal(podRow(p).Ready, '0/2');
  });
  test('sidecar restarts add to app restarts, with the latest restart time', () => {
    const p = pod(spec, {
      ...status(true),
      initContainerStatuses: [
        {
          name: 'proxy',
          ready: true,
          started: true,
          restartCount: 2,
          state: running,
          lastState: { terminated: { exitCode: 1, finishedAt: ago(300) } },
        },
      ],
      containerStatuses: [
        { ...readyApp, restartCount: 1, lastState: { terminated: { exitCode: 1, finishedAt: ago(90) } } },
      ],
    });
    assert.equal(podRow(p).Restarts, '3 (90s ago)');
  });
});

describe('pod RESTARTS', () => {
  test('a count with how long ago the last container exit was', () => {
    const p = pod(
      {},
      {
        phase: 'Running',
        containerStatuses: [
          { ...readyApp, restartCount: 4, lastState: { terminated: { exitCode: 1, finishedAt: ago(192) } } },
        ],
      },
    );
    assert.equal(podRow(p).Restarts, '4 (3m12s ago)');
  });
  test('a bare count when no exit time is known', () => {
    const p = pod({}, { phase: 'Running', containerStatuses: [{ ...readyApp, restartCount: 2 }] });
    assert.equal(podRow(p).Restarts, '2');
  });
  test('0 for a pod that never restarted', () => {
    assert.equal(podRow(pod({}, { phase: 'Running', containerStatuses: [readyApp] })).Restarts, '0');
  });
});

describe('pod columns', () => {
  test('NAME READY STATUS RESTARTS AGE, then the wide ones at priority 1', () => {
    const table = toTable(pods, [], { includeObject: 'None', now });
    assert.deepEqual(
      table.columnDefinitions.map((c) => [c.name, c.type, c.priority]),
      [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Status', 'string', 0],
        ['Restarts', 'string', 0],
        ['Age', 'string', 0],
        ['IP', 'string', 1],
        ['Node', 'string', 1],
        ['Nominated Node', 'string', 1],
        ['Readiness Gates', 'string', 1],
      ],
    );
    assert.equal(table.columnDefinitions[0].format, 'name');
    for (const c of table.columnDefinitions)
      assert.ok(c.description.length > 0, `${c.name} has a description`);
  });

  test('wide cells: IP, node, nominated node and readiness gates', () => {
    const p = pod(
      {
        nodeName: 'node-1',
        readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }],
      },
      {
        phase: 'Running',
        podIP: '10.42.0.7',
        podIPs: [{ ip: '10.42.0.7' }],
        conditions: [
          { type: 'example.com/lb', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
        containerStatuses: [readyApp],
      },
    );
    const row = podRow(p);
    assert.deepEqual(
      [row.IP, row.Node, row['Nominated Node'], row['Readiness Gates']],
      ['10.42.0.7', 'node-1', '<none>', '1/2'],
    );
    assert.equal(row.Age, '10m');
    assert.equal(row.Name, 'p');
  });

  test('an unscheduled pod shows <none> for IP, node and gates', () => {
    const row = podRow(pod({}, { phase: 'Pending' }));
    assert.deepEqual(
      [row.IP, row.Node, row['Nominated Node'], row['Readiness Gates']],
      ['<none>', '<none>', '<none>', '<none>'],
    );
  });

  test('finished pods carry a Completed row condition', () => {
    const table = toTable(
      pods,
      [pod({}, { phase: 'Succeeded' }), pod({}, { phase: 'Failed' }), pod({}, { phase: 'Running' })],
      { includeObject: 'None', now },
    );
    assert.deepEqual(
      table.rows.map((r) => r.conditions?.map((c) => [c.type, c.status, c.reason])),
      [[['Completed', 'True', 'Succeeded']], [['Completed', 'True', 'Failed']], undefined],
    );
  });
});
