// The patch metadata table is hand-written from upstream's struct tags and
// markers: these checks catch a misspelt model or field, or metadata on a
// field of the wrong shape, against the generated type graph.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  atomicStructModels,
  keyDefaultModels,
  modelsWithPatchMeta,
  patchMetaFieldsOf,
  patchMetaOf,
} from '../../src/api/patch/patch-meta.ts';
import { type FieldType, model } from '../../src/api/schema.ts';

describe('patch metadata', () => {
  test('every entry names a real field of the right shape', () => {
    for (const id of modelsWithPatchMeta()) {
      const m = model(id);
      assert.ok(m, `model ${id} exists`);
      for (const [field, meta] of Object.entries(patchMetaFieldsOf(id))) {
        const t: FieldType | undefined = m.fields[field]?.type;
        assert.ok(t, `${id}.${field} exists`);
        if (meta.listType || meta.mergeKey) assert.equal(t.kind, 'array', `${id}.${field} is a list`);
        if (meta.mapType) assert.equal(t.kind, 'map', `${id}.${field} is a map`);
        if (meta.strategy === 'retainKeys') assert.equal(t.kind, 'ref', `${id}.${field} is a struct`);
        if (t.kind === 'array' && (meta.listMapKeys || meta.mergeKey)) {
          assert.equal(t.items.kind, 'ref', `${id}.${field} holds objects`);
          const item = t.items.kind === 'ref' ? model(t.items.model) : undefined;
          for (const key of [...(meta.listMapKeys ?? []), meta.mergeKey ?? '']) {
            if (key) assert.ok(item?.fields[key], `${id}.${field} items have key ${key}`);
          }
        }
      }
    }
    for (const id of atomicStructModels()) assert.ok(model(id), `atomic struct ${id} exists`);
    for (const [id, fields] of Object.entries(keyDefaultModels())) {
      for (const f of Object.keys(fields)) assert.ok(model(id)?.fields[f], `${id}.${f} exists`);
    }
  });

  test('facts kubectl depends on', () => {
    assert.deepEqual(patchMetaOf('V1PodSpec', 'containers'), {
      strategy: 'merge',
      mergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
    });
    assert.equal(patchMetaOf('V1PodSpec', 'volumes')?.strategy, 'merge,retainKeys');
    assert.deepEqual(patchMetaOf('V1Container', 'ports')?.listMapKeys, ['containerPort', 'protocol']);
    assert.equal(patchMetaOf('V1Container', 'ports')?.mergeKey, 'containerPort');
    assert.deepEqual(patchMetaOf('V1ServiceSpec', 'ports')?.listMapKeys, ['port', 'protocol']);
    assert.equal(patchMetaOf('V1DeploymentSpec', 'strategy')?.strategy, 'retainKeys');
    assert.equal(patchMetaOf('V1ObjectMeta', 'finalizers')?.listType, 'set');
    assert.equal(patchMetaOf('V1ObjectMeta', 'ownerReferences')?.mergeKey, 'uid');
    assert.equal(patchMetaOf('V1PodSpec', 'tolerations')?.listType, 'atomic');
    assert.equal(patchMetaOf('V1PodSpec', 'tolerations')?.strategy, undefined);
    assert.equal(patchMetaOf('V1JobStatus', 'conditions')?.listType, 'atomic');
    assert.equal(patchMetaOf('V1PodSpec', 'nodeSelector')?.mapType, 'atomic');
    assert.equal(patchMetaOf('V1PodSpec', 'hostname'), undefined);
  });
});
