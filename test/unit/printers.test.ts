// `kubectl get` tables for every served resource besides pods: columns, cells,
// durations and what each row carries.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  humanDuration,
  type KubeObject,
  printerFor,
  type Table,
  toTable,
  wrapTable,
} from '../../src/api/printers/index.ts';
import { findResource, type ResourceInfo, resources } from '../../src/api/resources.ts';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();
const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

function resource(group: string, plural: string): ResourceInfo {
  const info = resources.find((r) => r.group === group && r.plural === plural);
  assert.ok(info, `${group}/${plural} is served`);
  return info;
}

/** Each object's row as column name → cell. */
function rows(res: ResourceInfo, objects: object[]): Record<string, unknown>[] {
  const table = toTable(res, objects as KubeObject[], { includeObject: 'None', now });
  return table.rows.map((row) =>
    Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, row.cells[i]])),
  );
}

function columns(table: Table): [string, number][] {
  return table.columnDefinitions.map((c) => [c.name, c.priority]);
}

const meta = (name: string, extra: object = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: ago(3600),
  ...extra,
});
const template = {
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'log', image: 'busybox' },
    ],
  },
};

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-1500, '0s'],
    [-2 * second, '<invalid>'],
    [5 * second, '5s'],
    [119 * second, '119s'],
    [2 * minute, '2m'],
    [3 * minute + 12 * second, '3m12s'],
    [10 * minute + 30 * second, '10m'],
    [179 * minute, '179m'],
    [3 * hour, '3h'],
    [3 * hour + 5 * minute, '3h5m'],
    [8 * hour + 5 * minute, '8h'],
    [47 * hour, '47h'],
    [2 * day, '2d'],
    [2 * day + 3 * hour, '2d3h'],
    [8 * day + 3 * hour, '8d'],
    [400 * day, '400d'],
    [2 * 365 * day + 10 * day, '2y10d'],
    [3 * 365 * day, '3y'],
    [9 * 365 * day + 20 * day, '9y'],
  ];
  for (const [ms, text] of cases) test(`${ms}ms → ${text}`, () => assert.equal(humanDuration(ms), text));

  test('AGE is <unknown> without a creation time', () => {
    const [row] = rows(resource('', 'configmaps'), [{ metadata: { name: 'c' } }]);
    assert.equal(row.Age, '<unknown>');
  });
});

describe('every served resource', () => {
  for (const res of resources) {
    test(`${res.group || 'core'}/${res.plural} has its own printer with one cell per column`, () => {
      const printer = printerFor(res);
      assert.notEqual(printer, printerFor({ group: 'example.com', version: 'v1', plural: 'widgets' }));
      const definitions = printer.columns();
      assert.equal(printer.cells({ metadata: { name: 'x' } }, now).length, definitions.length);
      assert.equal(printer.cells({ metadata: {} }, now).length, definitions.length);
      assert.equal(definitions.filter((c) => c.format === 'name').length, 1);
    });
  }

  test('a resource without a printer gets NAME and CREATED AT', () => {
    const widgets = { ...resource('', 'configmaps'), group: 'example.com', plural: 'widgets' };
    const table = toTable(widgets, [{ metadata: { name: 'w', creationTimestamp: '2024-04-01T10:00:00Z' } }], {
      includeObject: 'None',
      now,
    });
    assert.deepEqual(columns(table), [
      ['Name', 0],
      ['Created At', 0],
    ]);
    assert.deepEqual(table.rows[0].cells, ['w', '2024-04-01T10:00:00Z']);
  });
});

describe('row objects and table wrapping', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('c', { uid: 'u-1', resourceVersion: '7' }),
    data: { a: '1' },
  };
  const configmaps = resource('', 'configmaps');

  test('None leaves the object out', () => {
    const table = toTable(configmaps, [cm], { includeObject: 'None', now });
    assert.equal('object' in table.rows[0], false);
  });
  test('Metadata carries PartialObjectMetadata with the full metadata', () => {
    const table = toTable(configmaps, [cm], { includeObject: 'Metadata', now });
    assert.deepEqual(table.rows[0].object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: cm.metadata,
    });
  });
  test('Object carries the whole object', () => {
    const table = toTable(configmaps, [cm], { includeObject: 'Object', now });
    assert.deepEqual(table.rows[0].object, cm);
  });
  test('noHeaders drops the column definitions but keeps the cells', () => {
    const table = toTable(configmaps, [cm], { includeObject: 'None', now, noHeaders: true });
    assert.deepEqual(table.columnDefinitions, []);
    assert.deepEqual(table.rows[0].cells, ['c', 1, '60m']);
  });
  test('wrapTable adds kind, apiVersion and the list metadata', () => {
    const table = toTable(configmaps, [cm], {
      includeObject: 'None',
      now,
      metadata: { resourceVersion: '42' },
    });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42' });
    const wrapped = wrapTable(
      { columnDefinitions: [], rows: [] },
      { continue: 'abc', remainingItemCount: 3 },
    );
    assert.deepEqual(wrapped.metadata, { continue: 'abc', remainingItemCount: 3 });
  });
});

describe('workloads', () => {
  test('deployments: READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR', () => {
    const deployments = resource('apps', 'deployments');
    const table = toTable(deployments, [], { includeObject: 'None', now });
    assert.deepEqual(columns(table), [
      ['Name', 0],
      ['Ready', 0],
      ['Up-to-date', 0],
      ['Available', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    const deployment = {
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }],
        },
        template,
      },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(rows(deployments, [deployment])[0], {
      Name: 'web',
      Ready: '2/3',
      'Up-to-date': 3,
      Available: 2,
      Age: '60m',
      Containers: 'web,log',
      Images: 'nginx:1.27,busybox',
      Selector: 'app=web,tier in (edge,front)',
    });
    const fresh = { metadata: meta('new'), spec: { template, selector: { matchLabels: { app: 'new' } } } };
    assert.equal(rows(deployments, [fresh])[0].Ready, '0/1');
  });

  test('replicasets and daemonsets', () => {
    const [rs] = rows(resource('apps', 'replicasets'), [
      {
        metadata: meta('web-abc'),
        spec: { replicas: 2, template },
        status: { replicas: 2, readyReplicas: 1 },
      },
    ]);
    assert.deepEqual([rs.Desired, rs.Current, rs.Ready, rs.Selector], [2, 2, 1, '<none>']);
    const [ds] = rows(resource('apps', 'daemonsets'), [
      {
        metadata: meta('agent'),
        spec: {
          selector: { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] },
          template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } },
        },
        status: {
          desiredNumberScheduled: 3,
          currentNumberScheduled: 3,
          numberReady: 2,
          updatedNumberScheduled: 3,
          numberAvailable: 2,
        },
      },
    ]);
    assert.deepEqual(
      [ds.Desired, ds.Current, ds.Ready, ds['Up-to-date'], ds.Available, ds['Node Selector'], ds.Selector],
      [3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '!legacy'],
    );
  });

  test('statefulsets: READY ready/desired', () => {
    const [sts] = rows(resource('apps', 'statefulsets'), [
      { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 1 } },
    ]);
    assert.deepEqual([sts.Ready, sts.Containers], ['1/3', 'web,log']);
  });

  test('jobs: STATUS COMPLETIONS DURATION AGE', () => {
    const jobs = resource('batch', 'jobs');
    assert.deepEqual(columns(toTable(jobs, [], { includeObject: 'None', now })).slice(0, 5), [
      ['Name', 0],
      ['Status', 0],
      ['Completions', 0],
      ['Duration', 0],
      ['Age', 0],
    ]);
    const job = (spec: object, status: object, metadata: object = {}) => ({
      metadata: meta('j', metadata),
      spec: { template, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } }, ...spec },
      status,
    });
    const [complete, running, parallel, failed, suspended, terminating, pending] = rows(jobs, [
      job(
        { completions: 1 },
        {
          succeeded: 1,
          startTime: ago(3000),
          completionTime: ago(2988),
          conditions: [{ type: 'Complete', status: 'True' }],
        },
      ),
      job({ completions: 3 }, { succeeded: 1, startTime: ago(192) }),
      job({ parallelism: 3 }, { startTime: ago(30) }),
      job({ completions: 1 }, { startTime: ago(90), conditions: [{ type: 'Failed', status: 'True' }] }),
      job({ completions: 1 }, { conditions: [{ type: 'Suspended', status: 'True' }] }),
      job({ completions: 1 }, { startTime: ago(60) }, { deletionTimestamp: ago(1) }),
      job({}, {}),
    ]);
    assert.deepEqual([complete.Status, complete.Completions, complete.Duration], ['Complete', '1/1', '12s']);
    assert.deepEqual([running.Status, running.Completions, running.Duration], ['Running', '1/3', '3m12s']);
    assert.equal(parallel.Completions, '0/1 of 3');
    assert.equal(failed.Status, 'Failed');
    assert.deepEqual([suspended.Status, suspended.Duration], ['Suspended', '']);
    assert.equal(terminating.Status, 'Terminating');
    assert.deepEqual(
      [pending.Completions, pending.Selector],
      ['0/1', 'batch.kubernetes.io/controller-uid=u-1'],
    );
  });

  test('cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE', () => {
    const [cj, never] = rows(resource('batch', 'cronjobs'), [
      {
        metadata: meta('nightly'),
        spec: {
          schedule: '0 3 * * *',
          timeZone: 'Etc/UTC',
          suspend: false,
          jobTemplate: { spec: { template } },
        },
        status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(300) },
      },
      { metadata: meta('idle'), spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } },
    ]);
    assert.deepEqual(
      [cj.Schedule, cj.Timezone, cj.Suspend, cj.Active, cj['Last Schedule'], cj.Selector],
      ['0 3 * * *', 'Etc/UTC', 'False', 1, '5m', '<none>'],
    );
    assert.deepEqual(
      [never.Timezone, never.Suspend, never.Active, never['Last Schedule']],
      ['<none>', '<unset>', 0, '<none>'],
    );
  });
});

describe('services and endpoints', () => {
  const services = resource('', 'services');

  test('NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR', () => {
    assert.deepEqual(columns(toTable(services, [], { includeObject: 'None', now })), [
      ['Name', 0],
      ['Type', 0],
      ['Cluster-IP', 0],
      ['External-IP', 0],
      ['Port(s)', 0],
      ['Age', 0],
      ['Selector', 1],
    ]);
    const [web] = rows(services, [
      {
        metadata: meta('web'),
        spec: {
          type: 'NodePort',
          clusterIP: '10.43.0.20',
          clusterIPs: ['10.43.0.20'],
          selector: { tier: 'front', app: 'web' },
          ports: [
            { port: 80, protocol: 'TCP', nodePort: 30080 },
            { port: 53, protocol: 'UDP' },
          ],
        },
      },
    ]);
    assert.deepEqual(web, {
      Name: 'web',
      Type: 'NodePort',
      'Cluster-IP': '10.43.0.20',
      'External-IP': '<none>',
      'Port(s)': '80:30080/TCP,53/UDP',
      Age: '60m',
      Selector: 'app=web,tier=front',
    });
  });

  test('EXTERNAL-IP per service type', () => {
    const svc = (spec: object, status: object = {}) => ({ metadata: meta('s'), spec, status });
    const cells = rows(services, [
      svc({ type: 'ClusterIP', clusterIP: 'None', externalIPs: ['192.0.2.1'] }),
      svc({
        type: 'LoadBalancer',
        clusterIP: '10.43.0.5',
        ports: [{ port: 443, protocol: 'TCP', nodePort: 31443 }],
      }),
      svc(
        { type: 'LoadBalancer', clusterIP: '10.43.0.6', externalIPs: ['192.0.2.9'] },
        {
          loadBalancer: {
            ingress: [{ ip: '198.51.100.2' }, { hostname: 'lb.example.com' }, { ip: '198.51.100.1' }],
          },
        },
      ),
      svc({ type: 'ExternalName', externalName: 'db.example.com' }),
    ]).map((r) => [r['Cluster-IP'], r['External-IP'], r['Port(s)'], r.Selector]);
    assert.deepEqual(cells, [
      ['None', '192.0.2.1', '<none>', '<none>'],
      ['10.43.0.5', '<pending>', '443:31443/TCP', '<none>'],
      ['10.43.0.6', '198.51.100.1,198.51.100.2,lb.example.com,192.0.2.9', '<none>', '<none>'],
      ['<none>', 'db.example.com', '<none>', '<none>'],
    ]);
  });

  test('endpoints list three addresses then a count', () => {
    const [many, bare, none] = rows(resource('', 'endpoints'), [
      {
        metadata: meta('web'),
        subsets: [
          {
            addresses: [{ ip: '10.42.0.1' }, { ip: '10.42.0.2' }, { ip: 'fd00::3' }, { ip: '10.42.0.4' }],
            ports: [{ port: 80 }],
          },
        ],
      },
      { metadata: meta('headless'), subsets: [{ addresses: [{ ip: '10.42.0.9' }] }] },
      { metadata: meta('empty') },
    ]);
    assert.equal(many.Endpoints, '10.42.0.1:80,10.42.0.2:80,[fd00::3]:80 + 1 more...');
    assert.equal(bare.Endpoints, '10.42.0.9');
    assert.equal(none.Endpoints, '<none>');
  });

  test('endpointslices: ADDRESSTYPE PORTS ENDPOINTS', () => {
    const [slice, empty] = rows(resource('discovery.k8s.io', 'endpointslices'), [
      {
        metadata: meta('web-x1'),
        addressType: 'IPv4',
        ports: [{ port: 80, name: 'http' }, { name: 'metrics' }, {}],
        endpoints: [{ addresses: ['10.42.0.1'] }, { addresses: ['10.42.0.2'] }],
      },
      { metadata: meta('web-x2'), addressType: 'IPv4' },
    ]);
    assert.deepEqual(
      [slice.AddressType, slice.Ports, slice.Endpoints],
      ['IPv4', '80,metrics,*', '10.42.0.1,10.42.0.2'],
    );
    assert.deepEqual([empty.Ports, empty.Endpoints], ['<unset>', '<unset>']);
  });
});

describe('cluster objects', () => {
  test('nodes: STATUS ROLES AGE VERSION, wide addresses and system info', () => {
    const nodes = resource('', 'nodes');
    assert.deepEqual(
      columns(toTable(nodes, [], { includeObject: 'None', now })).map(([n, p]) => `${n}:${p}`),
      [
        'Name:0',
        'Status:0',
        'Roles:0',
        'Age:0',
        'Version:0',
        'Internal-IP:1',
        'External-IP:1',
        'OS-Image:1',
        'Kernel-Version:1',
        'Container-Runtime:1',
      ],
    );
    const [server, cordoned, fresh] = rows(nodes, [
      {
        metadata: {
          name: 'server-1',
          creationTimestamp: ago(2 * 86400 + 3 * 3600),
          labels: {
            'node-role.kubernetes.io/control-plane': '',
            'kubernetes.io/role': 'master',
            'kubernetes.io/os': 'linux',
          },
        },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          addresses: [
            { type: 'Hostname', address: 'server-1' },
            { type: 'InternalIP', address: '192.168.1.10' },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.32.0-orca',
            osImage: 'Debian GNU/Linux 12',
            kernelVersion: '6.1.0',
            containerRuntimeVersion: 'runc://1.1.12',
          },
        },
      },
      {
        metadata: meta('agent-1'),
        spec: { unschedulable: true },
        status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
      },
      { metadata: meta('agent-2') },
    ]);
    assert.deepEqual(server, {
      Name: 'server-1',
      Status: 'Ready',
      Roles: 'control-plane,master',
      Age: '2d3h',
      Version: 'v1.32.0-orca',
      'Internal-IP': '192.168.1.10',
      'External-IP': '<none>',
      'OS-Image': 'Debian GNU/Linux 12',
      'Kernel-Version': '6.1.0',
      'Container-Runtime': 'runc://1.1.12',
    });
    assert.deepEqual([cordoned.Status, cordoned.Roles], ['NotReady,SchedulingDisabled', '<none>']);
    assert.deepEqual([fresh.Status, fresh['OS-Image']], ['Unknown', '<unknown>']);
  });

  test('namespaces, configmaps, secrets, serviceaccounts, leases', () => {
    assert.deepEqual(
      rows(resource('', 'namespaces'), [{ metadata: meta('dev'), status: { phase: 'Active' } }])[0],
      {
        Name: 'dev',
        Status: 'Active',
        Age: '60m',
      },
    );
    assert.equal(
      rows(resource('', 'configmaps'), [
        { metadata: meta('c'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      ])[0].Data,
      3,
    );
    assert.deepEqual(
      rows(resource('', 'secrets'), [
        { metadata: meta('s'), type: 'Opaque', data: { user: 'YQ==', pass: 'Yg==' } },
      ])[0],
      { Name: 's', Type: 'Opaque', Data: 2, Age: '60m' },
    );
    assert.equal(rows(resource('', 'serviceaccounts'), [{ metadata: meta('default') }])[0].Secrets, 0);
    assert.deepEqual(
      rows(resource('coordination.k8s.io', 'leases'), [
        { metadata: meta('orca-scheduler'), spec: { holderIdentity: 'server-1_ab12' } },
      ])[0],
      { Name: 'orca-scheduler', Holder: 'server-1_ab12', Age: '60m' },
    );
  });

  test('persistentvolumeclaims: bound, pending and terminating', () => {
    const [bound, pending, terminating] = rows(resource('', 'persistentvolumeclaims'), [
      {
        metadata: meta('data'),
        spec: { volumeName: 'pv-1', storageClassName: 'local-path', volumeMode: 'Filesystem' },
        status: {
          phase: 'Bound',
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'],
        },
      },
      { metadata: meta('waiting'), spec: { storageClassName: 'local-path' }, status: { phase: 'Pending' } },
      {
        metadata: meta('old', {
          deletionTimestamp: ago(1),
          annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' },
        }),
        spec: { storageClassName: 'local-path' },
        status: { phase: 'Bound' },
      },
    ]);
    assert.deepEqual(bound, {
      Name: 'data',
      Status: 'Bound',
      Volume: 'pv-1',
      Capacity: '1Gi',
      'Access Modes': 'RWO,RWX',
      StorageClass: 'local-path',
      VolumeAttributesClass: '<unset>',
      Age: '60m',
      VolumeMode: 'Filesystem',
    });
    assert.deepEqual(
      [pending.Volume, pending.Capacity, pending['Access Modes'], pending.VolumeMode],
      ['', '', '', '<unset>'],
    );
    assert.deepEqual([terminating.Status, terminating.StorageClass], ['Terminating', 'legacy']);
  });
});

describe('events', () => {
  const expectedColumns = [
    ['Last Seen', 0],
    ['Type', 0],
    ['Reason', 0],
    ['Object', 0],
    ['Subobject', 1],
    ['Source', 1],
    ['Message', 0],
    ['First Seen', 1],
    ['Count', 1],
    ['Name', 1],
  ];

  test('core/v1 events', () => {
    const events = findResource('', 'v1', 'events')!;
    assert.deepEqual(columns(toTable(events, [], { includeObject: 'None', now })), expectedColumns);
    const [repeated, singleton] = rows(events, [
      {
        metadata: meta('web.17a'),
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container\n',
        involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
        source: { component: 'kubelet', host: 'agent-1' },
        firstTimestamp: ago(600),
        lastTimestamp: ago(30),
        count: 12,
      },
      {
        metadata: meta('web.17b'),
        type: 'Normal',
        reason: 'Scheduled',
        message: 'Successfully assigned default/web to agent-1',
        involvedObject: { kind: 'Pod', name: 'web' },
        reportingComponent: 'default-scheduler',
        eventTime: ago(700),
      },
    ]);
    assert.deepEqual(repeated, {
      'Last Seen': '30s',
      Type: 'Warning',
      Reason: 'BackOff',
      Object: 'pod/web',
      Subobject: 'spec.containers{app}',
      Source: 'kubelet, agent-1',
      Message: 'Back-off restarting failed container',
      'First Seen': '10m',
      Count: 12,
      Name: 'web.17a',
    });
    assert.deepEqual(
      [singleton['Last Seen'], singleton['First Seen'], singleton.Count, singleton.Source],
      ['11m', '11m', 1, 'default-scheduler'],
    );
  });

  test('events.k8s.io/v1 events print the same columns from their own field names', () => {
    const events = findResource('events.k8s.io', 'v1', 'events')!;
    assert.deepEqual(columns(toTable(events, [], { includeObject: 'None', now })), expectedColumns);
    const [row] = rows(events, [
      {
        metadata: meta('web.17c'),
        type: 'Normal',
        reason: 'Pulled',
        note: 'Container image "nginx" already present on machine',
        regarding: { kind: 'Pod', name: 'web' },
        reportingController: 'orca-agent',
        reportingInstance: 'agent-1',
        eventTime: ago(900),
        series: { count: 4, lastObservedTime: ago(45) },
      },
    ]);
    assert.deepEqual(
      [row['Last Seen'], row['First Seen'], row.Count, row.Object, row.Source, row.Message],
      [
        '45s',
        '15m',
        4,
        'pod/web',
        'orca-agent, agent-1',
        'Container image "nginx" already present on machine',
      ],
    );
  });
});
