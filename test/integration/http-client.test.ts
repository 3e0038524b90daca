// HttpClient against a real orca server: the same answers as the wire gives
// kubectl — objects on success, StatusError carrying the server's own Status
// on failure — for every verb, every patch kind, watches and both ways of
// authenticating, with the CA pinned.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/api/object.ts';
import { resources } from '../../src/api/resources.ts';
import {
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  StatusError,
} from '../../src/api/status.ts';
import { ensurePki } from '../../src/apiserver/tls.ts';
import { HttpClient } from '../../src/client/http-client.ts';
import { kubeconfigConnection } from '../../src/client/kubeconfig.ts';
import type { ClientWatchEvent } from '../../src/client/types.ts';
import { api, type Credentials, credentialsFrom } from '../helpers/api.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

const configMaps = resources.find((r) => r.kind === 'ConfigMap' && r.group === '')!;
const pods = resources.find((r) => r.kind === 'Pod')!;
const namespaces = resources.find((r) => r.kind === 'Namespace')!;
const ns = 'http-client-test';

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
  data,
});

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

async function thrown(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${err}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('HttpClient', { timeout: 120_000 }, () => {
  let s: OrcaServer;
  let client: HttpClient;
  let creds: Credentials;
  before(async () => {
    s = await startOrca({ extraArgs: ['--default-watch-cache-size=20'] });
    creds = credentialsFrom(s.kubeconfig);
    client = new HttpClient({ ...kubeconfigConnection(s.kubeconfig), fieldManager: 'http-client-test' });
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  after(async () => {
    client?.close();
    await s?.stop();
  });

  it('creates, reads, lists, updates and deletes', async () => {
    const created = await client.create(configMaps, cm('crud', { a: '1' }, { app: 'crud' }));
    assert.equal(created.metadata.name, 'crud');
    assert.ok(created.metadata.uid);
    const got = await client.get(configMaps, ns, 'crud');
    assert.deepEqual(got?.data, { a: '1' });
    assert.equal(await client.get(configMaps, ns, 'absent'), undefined);

    await client.create(configMaps, cm('other', { b: '2' }, { app: 'other' }));
    const listed = await client.list(configMaps, ns, { labelSelector: 'app=crud' });
    assert.deepEqual(
      listed.items.map((o) => o.metadata.name),
      ['crud'],
    );
    assert.equal(listed.items[0].kind, 'ConfigMap');
    assert.equal(listed.items[0].apiVersion, 'v1');
    assert.ok(Number(listed.resourceVersion) > 0);

    const updated = await client.update(configMaps, { ...got!, data: { a: '2' } });
    assert.deepEqual(updated.data, { a: '2' });
    assert.notEqual(updated.metadata.resourceVersion, got!.metadata.resourceVersion);

    const deleted = await client.delete(configMaps, ns, 'crud');
    assert.equal(deleted?.metadata.name, 'crud');
    assert.equal(deleted?.metadata.uid, created.metadata.uid);
    assert.equal(await client.get(configMaps, ns, 'crud'), undefined);
    assert.equal(await client.delete(configMaps, ns, 'crud'), undefined);
  });

  it('applies every kind of patch', async () => {
    await client.create(configMaps, cm('patched', { a: '1' }));
    let o = await client.patch(configMaps, ns, 'patched', 'merge', { data: { b: '2' } });
    assert.deepEqual(o.data, { a: '1', b: '2' });
    o = await client.patch(configMaps, ns, 'patched', 'strategic', { data: { c: '3' } });
    assert.deepEqual(o.data, { a: '1', b: '2', c: '3' });
    o = await client.patch(configMaps, ns, 'patched', 'json', [{ op: 'remove', path: '/data/a' }]);
    assert.deepEqual(o.data, { b: '2', c: '3' });

    const applied = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: ns },
      data: { x: '1' },
    };
    o = await client.patch(configMaps, ns, 'applied', 'apply', applied, { fieldManager: 'first' });
    assert.deepEqual(o.data, { x: '1' });
    const conflict = await thrown(
      client.patch(
        configMaps,
        ns,
        'applied',
        'apply',
        { ...applied, data: { x: '2' } },
        { fieldManager: 'second' },
      ),
    );
    assert.ok(isConflict(conflict));
    o = await client.patch(
      configMaps,
      ns,
      'applied',
      'apply',
      { ...applied, data: { x: '2' } },
      { fieldManager: 'second', force: true },
    );
    assert.deepEqual(o.data, { x: '2' });
  });

  it('writes status and subresources', async () => {
    await client.create(pods, pod('status'));
    // The server's scheduler writes this pod's status too: read, modify, write until no conflict.
    let withStatus: KubeObject | undefined;
    while (!withStatus) {
      const current = (await client.get(pods, ns, 'status'))!;
      const conditions = [
        ...(current.status?.conditions ?? []),
        { type: 'example.com/Tested', status: 'True', reason: 'Test' },
      ];
      withStatus = await client
        .updateStatus(pods, { ...current, status: { ...current.status, conditions } })
        .catch((err) => (isConflict(err) ? undefined : Promise.reject(err)));
    }
    assert.ok(withStatus.status.conditions.some((c: { type: string }) => c.type === 'example.com/Tested'));
    const patched = await client.patch(
      pods,
      ns,
      'status',
      'merge',
      { status: { message: 'hello' } },
      { subresource: 'status' },
    );
    assert.equal(patched.status.message, 'hello');

    await client.createSubresource(pods, ns, 'status', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'status', namespace: ns },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' },
    });
    assert.equal((await client.get(pods, ns, 'status'))!.spec.nodeName, 'node-a');
  });

  it('rebuilds the server Status as a StatusError', async () => {
    await client.create(configMaps, cm('dup'));
    const exists = await thrown(client.create(configMaps, cm('dup')));
    assert.ok(isAlreadyExists(exists));
    const wire = await api(creds, 'POST', `/api/v1/namespaces/${ns}/configmaps`, cm('dup'));
    assert.equal(wire.status, 409);
    assert.deepEqual(exists.status, wire.json());

    const stale = (await client.get(configMaps, ns, 'dup'))!;
    await client.update(configMaps, { ...stale, data: { a: 'new' } });
    assert.ok(isConflict(await thrown(client.update(configMaps, { ...stale, data: { a: 'old' } }))));

    const bad = await thrown(client.create(configMaps, cm('Not_A_Name')));
    assert.ok(isInvalid(bad));
    assert.equal(bad.code, 422);
    assert.ok(bad.status.details?.causes?.length);

    const missing = await thrown(client.patch(configMaps, ns, 'nope', 'merge', { data: {} }));
    assert.ok(isNotFound(missing));
    assert.equal(missing.message, 'configmaps "nope" not found');
  });

  it('streams watch events in order and ends quietly on abort', async (t) => {
    const start = await client.list(configMaps, ns);
    const controller = new AbortController();
    // Fails the assertions below instead of hanging if events go missing.
    const guard = setTimeout(() => controller.abort(), 15_000);
    t.after(() => clearTimeout(guard));
    const seen: ClientWatchEvent[] = [];
    const watching = (async () => {
      for await (const e of client.watch(
        configMaps,
        ns,
        { resourceVersion: start.resourceVersion },
        controller.signal,
      )) {
        seen.push(e);
        if (seen.length === 3) controller.abort();
      }
    })();
    await client.create(configMaps, cm('watched', { v: '1' }));
    await client.patch(configMaps, ns, 'watched', 'merge', { data: { v: '2' } });
    await client.delete(configMaps, ns, 'watched');
    await watching;
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata.name]),
      [
        ['ADDED', 'watched'],
        ['MODIFIED', 'watched'],
        ['DELETED', 'watched'],
      ],
    );
    assert.equal(seen[1].object.data.v, '2');
  });

  it('a watch from a compacted resourceVersion throws Gone', async (t) => {
    for (let i = 0; i < 30; i++) await client.create(configMaps, cm(`churn-${i}`));
    const controller = new AbortController();
    const guard = setTimeout(() => controller.abort(), 15_000);
    t.after(() => clearTimeout(guard));
    const iterate = async () => {
      for await (const _ of client.watch(configMaps, ns, { resourceVersion: '1' }, controller.signal)) {
        // a too-old watch yields nothing before its error
      }
    };
    const err = await thrown(iterate());
    assert.ok(isGone(err));
    assert.equal(err.code, 410);
  });

  it('authenticates with a bearer token and refuses a bad one', async () => {
    const token = readFileSync(join(s.dir, 'data', 'server', 'token'), 'utf8').trim();
    const tokenClient = new HttpClient({
      server: creds.url,
      ca: creds.ca,
      auth: { kind: 'token', token },
      fieldManager: 'agent',
    });
    const badClient = new HttpClient({
      server: creds.url,
      ca: creds.ca,
      auth: { kind: 'token', token: 'wrong' },
      fieldManager: 'agent',
    });
    try {
      const listed = await tokenClient.list(namespaces, undefined);
      assert.ok(listed.items.some((n) => n.metadata.name === ns));
      const denied = await thrown(badClient.list(namespaces, undefined));
      assert.equal(denied.code, 401);
      assert.equal(denied.reason, 'Unauthorized');
    } finally {
      tokenClient.close();
      badClient.close();
    }
  });

  it('trusts only the CA it was given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orca-other-ca-'));
    try {
      const otherPki = await ensurePki(dir, '127.0.0.1');
      const stranger = new HttpClient({
        ...kubeconfigConnection(s.kubeconfig),
        ca: otherPki.ca.cert,
        fieldManager: 'x',
      });
      try {
        await assert.rejects(
          stranger.list(namespaces, undefined),
          (err: Error) => !(err instanceof StatusError),
        );
      } finally {
        stranger.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours an aborted signal on a plain request', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.get(configMaps, ns, 'dup', controller.signal), { name: 'AbortError' });
  });

  it('keeps whole objects through a round trip', async () => {
    const o = (await client.get(configMaps, ns, 'dup')) as KubeObject;
    assert.equal(o.kind, 'ConfigMap');
    assert.equal(o.apiVersion, 'v1');
    assert.equal(o.metadata.namespace, ns);
  });
});
