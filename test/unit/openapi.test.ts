import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  documentPaths,
  hashOf,
  OpenApiV3Service,
  openapiDocument,
  openapiRoot,
} from '../../src/api/openapi/index.ts';
import { groupVersions, resources } from '../../src/api/resources.ts';

// biome-ignore lint/suspicious/noExplicitAny: documents are navigated freely in assertions
type Obj = Record<string, any>;

const doc = (path: string): Obj => {
  const d = openapiDocument(path);
  assert.ok(d, `document ${path} exists`);
  return d;
};

/** Follows a property's $ref (bare or wrapped in allOf) as kubectl's patch-meta lookup does. */
function resolve(d: Obj, schema: Obj): Obj {
  const target = schema.allOf?.[0] ?? schema;
  if (!target.$ref) return target;
  const name = String(target.$ref).replace('#/components/schemas/', '');
  const found = d.components.schemas[name];
  assert.ok(found, `${target.$ref} resolves`);
  return found;
}

function schemaOfKind(d: Obj, group: string, version: string, kind: string): Obj {
  const found = Object.values(d.components.schemas as Record<string, Obj>).filter((s) =>
    (s['x-kubernetes-group-version-kind'] ?? []).some(
      (g: Obj) => g.group === group && g.version === version && g.kind === kind,
    ),
  );
  assert.equal(found.length, 1, `one schema for ${group}/${version} ${kind}`);
  return found[0];
}

function patchOpsOf(d: Obj, group: string, version: string, kind: string): Obj[] {
  return Object.values(d.paths as Record<string, Obj>)
    .map((item) => item.patch)
    .filter((op) => {
      const gvk = op?.['x-kubernetes-group-version-kind'];
      return gvk && gvk.group === group && gvk.version === version && gvk.kind === kind;
    });
}

describe('OpenAPI v3 root', () => {
  it('lists every served group-version with the hash of its document', () => {
    const root = openapiRoot() as { paths: Record<string, { serverRelativeURL: string }> };
    const expected = groupVersions().map((gv) =>
      gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`,
    );
    assert.deepEqual(Object.keys(root.paths).sort(), [...expected].sort());
    const service = new OpenApiV3Service();
    for (const [path, entry] of Object.entries(root.paths)) {
      const served = service.document(path);
      assert.ok(served);
      assert.equal(entry.serverRelativeURL, `/openapi/v3/${path}?hash=${hashOf(served.body)}`);
      assert.match(served.hash, /^[0-9A-F]{128}$/);
    }
  });
});

describe('OpenAPI v3 group-version documents', () => {
  it('are valid JSON and the same, byte for byte, each time they are built', () => {
    const first = new OpenApiV3Service();
    const second = new OpenApiV3Service();
    for (const path of documentPaths()) {
      const a = first.document(path);
      const b = second.document(path);
      assert.ok(a && b);
      assert.equal(a.hash, b.hash, path);
      assert.equal(JSON.parse(a.body).openapi, '3.0.0');
    }
    assert.equal(first.root().hash, second.root().hash);
    assert.equal(openapiDocument('apis/nope/v1'), undefined);
  });

  it('resolve every $ref within the document', () => {
    for (const path of documentPaths()) {
      const d = doc(path);
      const refs = JSON.stringify(d).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length > 0);
      for (const r of new Set(refs)) {
        const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
        assert.ok(d.components.schemas[name], `${path}: ${r} resolves`);
      }
    }
  });

  it('give the Pod PATCH the fieldValidation parameter kubectl probes for', () => {
    const d = doc('api/v1');
    const ops = patchOpsOf(d, '', 'v1', 'Pod');
    assert.ok(ops.length >= 2, 'the pod and its status (and ephemeral containers) can be patched');
    for (const op of ops) {
      const names = op.parameters.filter((p: Obj) => p.in === 'query').map((p: Obj) => p.name);
      for (const name of ['dryRun', 'fieldManager', 'fieldValidation', 'force'])
        assert.ok(names.includes(name), name);
      assert.equal(op['x-kubernetes-action'], 'patch');
      assert.deepEqual(Object.keys(op.requestBody.content).sort(), [
        'application/apply-patch+yaml',
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/strategic-merge-patch+json',
      ]);
    }
  });

  it('give every served kind PATCH operations that take fieldValidation', () => {
    for (const r of resources) {
      const d = doc(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);
      const ops = patchOpsOf(d, r.group, r.version, r.kind);
      assert.ok(ops.length >= 1, `${r.kind} has a PATCH`);
      for (const op of ops)
        assert.ok(
          op.parameters.some((p: Obj) => p.name === 'fieldValidation'),
          r.kind,
        );
      schemaOfKind(d, r.group, r.version, r.kind);
      schemaOfKind(d, r.group, r.version, r.listKind);
    }
  });

  it('tag operations with their action and describe collection, item and subresource paths', () => {
    const d = doc('apis/apps/v1');
    const collection = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.equal(collection.get['x-kubernetes-action'], 'list');
    assert.equal(collection.post['x-kubernetes-action'], 'post');
    assert.equal(collection.delete['x-kubernetes-action'], 'deletecollection');
    const item = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(
      ['get', 'put', 'patch', 'delete'].map((m) => item[m]['x-kubernetes-action']),
      ['get', 'put', 'patch', 'delete'],
    );
    assert.deepEqual(item.get['x-kubernetes-group-version-kind'], {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    const scale = d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale.patch['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });
    assert.ok(d.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].put);
    assert.equal(
      d.paths['/apis/apps/v1/watch/namespaces/{namespace}/deployments']?.get['x-kubernetes-action'],
      'watchlist',
    );
    assert.ok(d.paths['/apis/apps/v1/deployments'].get, 'list across namespaces');
    assert.ok(schemaOfKind(d, 'autoscaling', 'v1', 'Scale'));
    const core = doc('api/v1');
    assert.ok(core.paths['/api/v1/namespaces/{name}'], 'cluster-scoped items have no namespace segment');
    assert.equal(
      core.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get['x-kubernetes-action'],
      'get',
    );
    assert.equal(
      core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].post['x-kubernetes-action'],
      'connect',
    );
  });

  it('carry the strategic merge patch metadata kubectl apply reads', () => {
    const d = doc('api/v1');
    const pod = schemaOfKind(d, '', 'v1', 'Pod');
    const spec = resolve(d, pod.properties.spec);
    const containers = spec.properties.containers;
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    const container = resolve(d, containers.items);
    assert.ok(container.required.includes('name'));
    assert.equal(container.properties.env['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(spec.properties.volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    const deployment = schemaOfKind(doc('apis/apps/v1'), 'apps', 'v1', 'Deployment');
    const dspec = resolve(doc('apis/apps/v1'), deployment.properties.spec);
    assert.equal(dspec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  });

  it('name definitions as upstream and type times, quantities and int-or-strings as it does', () => {
    const d = doc('api/v1');
    const s = d.components.schemas;
    assert.ok(s['io.k8s.api.core.v1.PodSpec']);
    assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.Status']);
    assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
    assert.ok(s['io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent']);
    const meta = s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'];
    assert.equal(resolve(d, meta.properties.creationTimestamp).format, 'date-time');
    assert.ok(meta.properties.creationTimestamp.description, 'a description beside a ref sits next to allOf');
    const port = s['io.k8s.api.core.v1.ServicePort'];
    assert.equal(resolve(d, port.properties.targetPort)['x-kubernetes-int-or-string'], true);
    const limits = s['io.k8s.api.core.v1.ResourceRequirements'].properties.limits;
    assert.equal(limits.type, 'object');
    assert.equal(
      limits.additionalProperties.$ref,
      '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
    );
    const apps = doc('apis/apps/v1').components.schemas;
    assert.ok(apps['io.k8s.api.core.v1.PodTemplateSpec'], 'shared core types keep their core name');
    assert.ok(!apps['io.k8s.api.apps.v1.PodTemplateSpec']);
  });
});

describe('OpenApiV3Service.respond', () => {
  const service = new OpenApiV3Service();
  const now = new Date('2026-03-01T12:00:00Z');
  const current = service.document('api/v1');
  assert.ok(current);

  it('lets a document fetched by its current hash be cached for good', () => {
    const r = service.respond({ path: 'api/v1', hash: current.hash, accept: 'application/json', now });
    assert.equal(r.status, 200);
    assert.equal(r.headers['Cache-Control'], 'public, immutable');
    assert.equal(r.headers.Expires, 'Mon, 01 Mar 2027 12:00:00 GMT');
    assert.equal(r.headers.ETag, `"${current.hash}"`);
    assert.equal(r.headers['Content-Type'], 'application/json');
    assert.equal(r.body, current.body);
  });

  it('redirects a stale hash to the current one and answers If-None-Match with 304', () => {
    const stale = service.respond({ path: 'api/v1', hash: 'AAAA', now });
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.Location, `/openapi/v3/api/v1?hash=${current.hash}`);
    const plain = service.respond({ path: 'api/v1', now });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['Cache-Control'], undefined);
    const notModified = service.respond({ path: 'api/v1', ifNoneMatch: `"${current.hash}"`, now });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body, '');
  });

  it('serves the root, 404 for unknown group-versions and 406 for protobuf-only clients', () => {
    const root = service.respond({ path: '', now });
    assert.equal(root.status, 200);
    assert.equal(root.headers.ETag, `"${hashOf(root.body)}"`);
    assert.ok(JSON.parse(root.body).paths['apis/apps/v1']);
    assert.equal(service.respond({ path: 'apis/example.com/v1', now }).status, 404);
    const pb = 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf';
    assert.equal(service.respond({ path: 'api/v1', accept: pb, now }).status, 406);
    assert.equal(service.respond({ path: 'api/v1', accept: `${pb}, */*;q=0.1`, now }).status, 200);
  });
});
