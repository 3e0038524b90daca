// Owner references and deletion propagation: background, foreground, orphan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Credentials, credentialsFrom } from '../helpers/api.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('garbage collection', () => {
  let s: OrcaServer;
  let c: Credentials;
  const cms = '/api/v1/namespaces/default/configmaps';
  before(async () => {
    s = await startOrca();
    c = credentialsFrom(s.kubeconfig);
  });
  after(async () => {
    await s?.stop();
  });

  async function family(owner: string): Promise<{ uid: string }> {
    const o = (
      await api(c, 'POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: owner } })
    ).json();
    for (const d of ['a', 'b']) {
      const r = await api(c, 'POST', cms, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `${owner}-${d}`,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: owner,
              uid: o.metadata.uid,
              blockOwnerDeletion: true,
            },
          ],
        },
      });
      assert.equal(r.status, 201);
    }
    return { uid: o.metadata.uid };
  }
  const exists = async (name: string) => (await api(c, 'GET', `${cms}/${name}`)).status === 200;

  it('background: dependents go after their owner', async () => {
    await family('bg');
    assert.equal((await api(c, 'DELETE', `${cms}/bg`, { propagationPolicy: 'Background' })).status, 200);
    await eventually(
      async () => (await exists('bg-a')) || (await exists('bg-b')),
      (v) => v === false,
    );
  });

  it('foreground: the owner waits, marked, until its dependents are gone', async () => {
    await family('fg');
    const r = (await api(c, 'DELETE', `${cms}/fg`, { propagationPolicy: 'Foreground' })).json();
    assert.ok(r.metadata.deletionTimestamp);
    assert.deepEqual(r.metadata.finalizers, ['foregroundDeletion']);
    await eventually(
      async () => (await exists('fg')) || (await exists('fg-a')) || (await exists('fg-b')),
      (v) => v === false,
    );
  });

  it('orphan: dependents stay and lose their owner reference', async () => {
    await family('or');
    await api(c, 'DELETE', `${cms}/or`, { propagationPolicy: 'Orphan' });
    await eventually(
      async () => exists('or'),
      (v) => v === false,
    );
    const dep = await eventually(
      async () => (await api(c, 'GET', `${cms}/or-a`)).json(),
      (v) => !v.metadata.ownerReferences,
    );
    assert.equal(dep.metadata.name, 'or-a');
    assert.ok(await exists('or-b'));
  });

  it('a finalizer holds an object until it is removed', async () => {
    await api(c, 'POST', cms, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    });
    const d = (await api(c, 'DELETE', `${cms}/held`)).json();
    assert.ok(d.metadata.deletionTimestamp);
    assert.ok(await exists('held'));
    const p = await api(
      c,
      'PATCH',
      `${cms}/held`,
      { metadata: { finalizers: null } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    assert.equal(p.status, 200);
    assert.equal(await exists('held'), false);
  });
});
