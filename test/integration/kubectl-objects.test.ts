// The real kubectl against a real orca server, on SQLite and on etcd:
// apply/get/describe/patch/label/annotate/delete/wait/watch as a user runs them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { datastores } from '../helpers/datastores.ts';
import type { OrcaServer } from '../helpers/orca.ts';

const podYaml = (image: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: ${image}
    ports:
    - containerPort: 80
${extra}`;

for (const ds of datastores) {
  describe(`kubectl objects on ${ds.name}`, () => {
    let s: OrcaServer & { stopAll(): Promise<void> };
    before(async () => {
      s = await ds.start();
    });
    after(async () => {
      await s?.stopAll();
    });

    it('applies a pod, reports unchanged the second time and configured after a change', async () => {
      const first = await s.kubectl(['apply', '-f', '-'], { input: podYaml('nginx:1.27') });
      assert.match(first.stdout, /pod\/web created/);
      const again = await s.kubectl(['apply', '-f', '-'], { input: podYaml('nginx:1.27') });
      assert.match(again.stdout, /pod\/web unchanged/);
      const changed = await s.kubectl(['apply', '-f', '-'], { input: podYaml('nginx:1.28') });
      assert.match(changed.stdout, /pod\/web configured/);
      const image = await s.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.spec.containers[0].image}']);
      assert.equal(image.stdout, 'nginx:1.28');
    });

    it('shows upstream defaults and table columns', async () => {
      const y = parse((await s.kubectl(['get', 'pod', 'web', '-o', 'yaml'])).stdout);
      assert.equal(y.spec.restartPolicy, 'Always');
      assert.equal(y.spec.dnsPolicy, 'ClusterFirst');
      assert.equal(y.spec.terminationGracePeriodSeconds, 30);
      assert.equal(y.spec.containers[0].imagePullPolicy, 'IfNotPresent');
      assert.equal(y.spec.containers[0].ports[0].protocol, 'TCP');
      assert.equal(y.status.phase, 'Pending');
      assert.match(y.metadata.uid, /^[0-9a-f-]{36}$/);
      const table = await s.kubectl(['get', 'pods']);
      assert.match(table.stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      assert.match(table.stdout, /\nweb\s+0\/1\s+Pending\s+0\s+\d+s\n/);
      const wide = await s.kubectl(['get', 'pods', '-o', 'wide']);
      assert.match(wide.stdout, /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
    });

    it('labels, annotates and patches, and describe shows the result', async () => {
      await s.kubectl(['label', 'pod', 'web', 'tier=frontend']);
      await s.kubectl(['annotate', 'pod', 'web', 'owner=team-a']);
      await s.kubectl(['patch', 'pod', 'web', '-p', '{"metadata":{"labels":{"patched":"yes"}}}']);
      const labels = await s.kubectl(['get', 'pods', '-l', 'tier=frontend,patched=yes', '-o', 'name']);
      assert.equal(labels.stdout.trim(), 'pod/web');
      const none = await s.kubectl(['get', 'pods', '-l', 'tier=backend', '-o', 'name']);
      assert.equal(none.stdout.trim(), '');
      const d = await s.kubectl(['describe', 'pod', 'web']);
      assert.match(d.stdout, /Name:\s+web/);
      assert.match(d.stdout, /owner: team-a/);
      assert.match(d.stdout, /tier=frontend/);
    });

    it('rejects a change to an immutable pod field with 422 and upstream wording', async () => {
      const r = await s.kubectl(['patch', 'pod', 'web', '-p', '{"spec":{"restartPolicy":"Never"}}'], {
        allowFail: true,
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /is invalid/);
      assert.match(r.stderr, /pod updates may not change fields other than/);
    });

    it('watches changes with get -w and waits on a jsonpath condition', async () => {
      const watch = s.kubectl(['get', 'pods', '-w', '--output-watch-events', '--request-timeout=8s'], {
        allowFail: true,
        timeoutMs: 15_000,
      });
      await new Promise((r) => setTimeout(r, 1500));
      await s.kubectl(['label', 'pod', 'web', 'watched=1']);
      const wait = await s.kubectl([
        'wait',
        'pod/web',
        '--for=jsonpath={.metadata.labels.watched}=1',
        '--timeout=10s',
      ]);
      assert.match(wait.stdout, /pod\/web condition met/);
      const out = (await watch).stdout;
      assert.match(out, /ADDED\s+web/);
      assert.match(out, /MODIFIED\s+web/);
    });

    it('creates with kubectl create (protobuf bodies) and prints them', async () => {
      await s.kubectl(['create', 'namespace', 'team-a']);
      await s.kubectl(['create', 'configmap', 'cfg', '-n', 'team-a', '--from-literal=k=v']);
      await s.kubectl([
        'create',
        'secret',
        'generic',
        'pw',
        '-n',
        'team-a',
        '--from-literal=password=s3cret',
      ]);
      await s.kubectl(['create', 'deployment', 'api', '-n', 'team-a', '--image=nginx:1.27', '--replicas=2']);
      await s.kubectl(['create', 'service', 'clusterip', 'api', '-n', 'team-a', '--tcp=80:8080']);
      const cm = await s.kubectl(['get', 'configmap', 'cfg', '-n', 'team-a', '-o', 'jsonpath={.data.k}']);
      assert.equal(cm.stdout, 'v');
      const pw = await s.kubectl(['get', 'secret', 'pw', '-n', 'team-a', '-o', 'jsonpath={.data.password}']);
      assert.equal(Buffer.from(pw.stdout, 'base64').toString(), 's3cret');
      const deploy = await s.kubectl(['get', 'deploy', '-n', 'team-a']);
      assert.match(deploy.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
      assert.match(deploy.stdout, /\napi\s+0\/2\s+0\s+0\s+/);
      const svc = await s.kubectl([
        'get',
        'svc',
        'api',
        '-n',
        'team-a',
        '-o',
        'jsonpath={.spec.ports[0].targetPort}',
      ]);
      assert.equal(svc.stdout, '8080');
    });

    it('scales a deployment through the scale subresource', async () => {
      await s.kubectl(['scale', 'deployment', 'api', '-n', 'team-a', '--replicas=5']);
      const r = await s.kubectl([
        'get',
        'deploy',
        'api',
        '-n',
        'team-a',
        '-o',
        'jsonpath={.spec.replicas} {.metadata.generation}',
      ]);
      assert.equal(r.stdout, '5 2');
    });

    it('applies server-side twice with managedFields and reports a conflict', async () => {
      const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n';
      assert.match(
        (await s.kubectl(['apply', '--server-side', '-f', '-'], { input: cm })).stdout,
        /configmap\/ssa serverside-applied/,
      );
      assert.match(
        (await s.kubectl(['apply', '--server-side', '-f', '-'], { input: cm })).stdout,
        /serverside-applied/,
      );
      const y = parse((await s.kubectl(['get', 'cm', 'ssa', '-o', 'yaml', '--show-managed-fields'])).stdout);
      const mf = y.metadata.managedFields.find((m: any) => m.manager === 'kubectl');
      assert.equal(mf.operation, 'Apply');
      assert.ok(mf.fieldsV1['f:data']['f:a']);
      const other = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "2"\n';
      const conflict = await s.kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], {
        input: other,
        allowFail: true,
      });
      assert.notEqual(conflict.code, 0);
      assert.match(conflict.stderr, /conflict/i);
      await s.kubectl(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'], {
        input: other,
      });
      assert.equal((await s.kubectl(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.a}'])).stdout, '2');
    });

    it('pages lists with --chunk-size', async () => {
      const many = Array.from(
        { length: 23 },
        (_, i) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: page-${String(i).padStart(2, '0')}\n  labels:\n    set: paging\n`,
      ).join('---\n');
      await s.kubectl(['apply', '-f', '-'], { input: many });
      const r = await s.kubectl(['get', 'cm', '-l', 'set=paging', '--chunk-size=5', '-o', 'name']);
      assert.equal(r.stdout.trim().split('\n').length, 23);
    });

    it('deletes a pod, and deleting a namespace deletes what is in it', async () => {
      const del = await s.kubectl(['delete', 'pod', 'web']);
      assert.match(del.stdout, /pod "web" deleted/);
      const gone = await s.kubectl(['get', 'pod', 'web'], { allowFail: true });
      assert.match(gone.stderr, /pods "web" not found/);
      await s.kubectl(['delete', 'namespace', 'team-a', '--timeout=30s']);
      const ns = await s.kubectl(['get', 'ns', 'team-a'], { allowFail: true });
      assert.match(ns.stderr, /namespaces "team-a" not found/);
      const left = await s.kubectl(['get', 'cm,secret,deploy,svc', '-n', 'team-a', '-o', 'name']);
      assert.equal(left.stdout.trim(), '');
    });
  });
}
