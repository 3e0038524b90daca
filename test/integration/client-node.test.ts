// @kubernetes/client-node against orca: informers (list + watch) see every
// change exactly once, and a watch resumed from a resourceVersion delivers
// exactly what happened while it was away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { datastores } from '../helpers/datastores.ts';
import type { OrcaServer } from '../helpers/orca.ts';

async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const ds of datastores) {
  describe(`client-node on ${ds.name}`, () => {
    let s: OrcaServer & { stopAll(): Promise<void> };
    let kc: k8s.KubeConfig;
    let core: k8s.CoreV1Api;
    before(async () => {
      s = await ds.start();
      kc = new k8s.KubeConfig();
      kc.loadFromFile(s.kubeconfig);
      core = kc.makeApiClient(k8s.CoreV1Api);
    });
    after(async () => {
      await s?.stopAll();
    });

    it('an informer sees every add, update and delete exactly once', async () => {
      const ns = 'default';
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'pre' }, data: { v: '0' } },
      });
      const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
        core.listNamespacedConfigMap({ namespace: ns }),
      );
      const seen: string[] = [];
      informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
      informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.data?.v}`));
      informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
      await informer.start();
      try {
        await eventually(() => seen.includes('add pre'));
        for (let i = 0; i < 20; i++)
          await core.createNamespacedConfigMap({
            namespace: ns,
            body: { metadata: { name: `inf-${i}` }, data: { v: '0' } },
          });
        for (let i = 0; i < 20; i += 2)
          await core.patchNamespacedConfigMap(
            { namespace: ns, name: `inf-${i}`, body: { data: { v: '1' } } },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          );
        for (let i = 0; i < 20; i += 4)
          await core.deleteNamespacedConfigMap({ namespace: ns, name: `inf-${i}` });
        await eventually(() => seen.filter((x) => x.startsWith('delete')).length === 5);
        await new Promise((r) => setTimeout(r, 300));
        const count = (x: string) => seen.filter((y) => y === x).length;
        for (let i = 0; i < 20; i++) assert.equal(count(`add inf-${i}`), 1, `add inf-${i}`);
        for (let i = 0; i < 20; i += 2) assert.equal(count(`update inf-${i} 1`), 1, `update inf-${i}`);
        for (let i = 0; i < 20; i += 4) assert.equal(count(`delete inf-${i}`), 1, `delete inf-${i}`);
        assert.equal(seen.length, 1 + 20 + 10 + 5);
      } finally {
        await informer.stop();
      }
    });

    it('a watch resumed from a resourceVersion gets exactly the missed events', async () => {
      const list = await core.listNamespacedConfigMap({ namespace: 'default' });
      const watch = new k8s.Watch(kc);
      const first: string[] = [];
      let lastRv = list.metadata!.resourceVersion!;
      const req = await watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: lastRv },
        (type, obj) => {
          first.push(`${type} ${obj.metadata.name}`);
          lastRv = obj.metadata.resourceVersion;
        },
        () => undefined,
      );
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'r-1' } } });
      await eventually(() => first.length === 1);
      req.abort();
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'r-2' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'r-1' });
      const second: string[] = [];
      const req2 = await watch.watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: lastRv },
        (type, obj) => second.push(`${type} ${obj.metadata.name}`),
        () => undefined,
      );
      await eventually(() => second.length >= 2);
      await new Promise((r) => setTimeout(r, 200));
      req2.abort();
      assert.deepEqual(first, ['ADDED r-1']);
      assert.deepEqual(second, ['ADDED r-2', 'DELETED r-1']);
    });
  });
}
