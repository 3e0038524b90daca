// Bad input gets the status code and reason upstream answers with, and
// never a 500 or a crash.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Credentials, credentialsFrom, watchEvents } from '../helpers/api.ts';
import { type OrcaServer, startOrca } from '../helpers/orca.ts';

describe('API errors', () => {
  let s: OrcaServer;
  let c: Credentials;
  before(async () => {
    s = await startOrca({ extraArgs: ['--default-watch-cache-size=20'] });
    c = credentialsFrom(s.kubeconfig);
  });
  after(async () => {
    await s?.stop();
  });

  const cm = (name: string, extra: object = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { a: '1' },
    ...extra,
  });
  const cms = '/api/v1/namespaces/default/configmaps';

  it('answers 401 with a Status to a request without credentials', async () => {
    const r = await api(c, 'GET', '/api/v1/namespaces', undefined, {}, { anonymous: true });
    assert.equal(r.status, 401);
    assert.equal(r.json().reason, 'Unauthorized');
    assert.equal((await api(c, 'GET', '/healthz', undefined, {}, { anonymous: true })).text, 'ok');
    assert.equal((await api(c, 'GET', '/version', undefined, {}, { anonymous: true })).json().minor, '32');
  });

  it('rejects an invalid object with 422 Invalid and one cause per bad field', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'Bad_Name' },
      spec: { containers: [{ name: 'a' }, { name: 'a', image: 'x' }] },
    };
    const r = await api(c, 'POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(r.status, 422);
    const st = r.json();
    assert.equal(st.reason, 'Invalid');
    const fields = st.details.causes.map((x: { field: string }) => x.field);
    assert.ok(fields.includes('metadata.name'));
    assert.ok(fields.includes('spec.containers[0].image'));
    assert.ok(fields.includes('spec.containers[1].name'));
    const dup = st.details.causes.find((x: { field: string }) => x.field === 'spec.containers[1].name');
    assert.equal(dup.reason, 'FieldValueDuplicate');
  });

  it('answers malformed JSON and YAML with 400', async () => {
    assert.equal((await api(c, 'POST', cms, '{"apiVersion": "v1", "kind": ')).status, 400);
    const y = await api(c, 'POST', cms, 'apiVersion: v1\nkind: [ConfigMap\n', {
      'Content-Type': 'application/yaml',
    });
    assert.equal(y.status, 400);
    assert.equal(y.json().reason, 'BadRequest');
  });

  it('handles unknown and duplicate fields per fieldValidation', async () => {
    const strict = await api(c, 'POST', `${cms}?fieldValidation=Strict`, cm('fv1', { bogus: 1 }));
    assert.equal(strict.status, 400);
    assert.match(strict.json().message, /unknown field "bogus"/);
    const dupBody = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv2","name":"fv2"}}';
    const dup = await api(c, 'POST', `${cms}?fieldValidation=Strict`, dupBody);
    assert.equal(dup.status, 400);
    assert.match(dup.json().message, /duplicate field "metadata.name"/);
    const warn = await api(c, 'POST', `${cms}?fieldValidation=Warn`, cm('fv3', { bogus: 1 }));
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /unknown field \\"bogus\\"|unknown field "bogus"/);
    assert.equal(warn.json().bogus, undefined);
    const ignore = await api(c, 'POST', `${cms}?fieldValidation=Ignore`, cm('fv4', { bogus: 1 }));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.warning, undefined);
  });

  it('answers a body over 3 MiB with 413 and loses nothing', async () => {
    const big = cm('big', { data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const r = await api(c, 'POST', cms, big);
    assert.equal(r.status, 413);
    assert.equal((await api(c, 'GET', `${cms}/big`)).status, 404);
  });

  it('answers an unknown resource and group with 404 NotFound', async () => {
    const r = await api(c, 'GET', '/api/v1/namespaces/default/widgets');
    assert.equal(r.status, 404);
    assert.equal(r.json().reason, 'NotFound');
    assert.equal((await api(c, 'GET', '/apis/nope.example.com/v1')).status, 404);
  });

  it('answers a missing object with upstream wording', async () => {
    const r = await api(c, 'GET', '/api/v1/namespaces/default/pods/ghost');
    assert.equal(r.status, 404);
    assert.equal(r.json().message, 'pods "ghost" not found');
    const d = await api(c, 'GET', '/apis/apps/v1/namespaces/default/deployments/ghost');
    assert.equal(d.json().message, 'deployments.apps "ghost" not found');
  });

  it('answers 409 AlreadyExists and 409 Conflict on a stale resourceVersion', async () => {
    const created = (await api(c, 'POST', cms, cm('occ'))).json();
    const again = await api(c, 'POST', cms, cm('occ'));
    assert.equal(again.status, 409);
    assert.equal(again.json().reason, 'AlreadyExists');
    const first = await api(c, 'PUT', `${cms}/occ`, { ...created, data: { a: '2' } });
    assert.equal(first.status, 200);
    assert.notEqual(first.json().metadata.resourceVersion, created.metadata.resourceVersion);
    const stale = await api(c, 'PUT', `${cms}/occ`, { ...created, data: { a: '3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
    assert.match(
      stale.json().message,
      /Operation cannot be fulfilled on configmaps "occ": the object has been modified/,
    );
  });

  it('answers an unknown patch type with 415 and a bad field selector with 400', async () => {
    const r = await api(c, 'PATCH', `${cms}/occ`, '{}', { 'Content-Type': 'text/plain' });
    assert.equal(r.status, 415);
    const f = await api(c, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
    assert.equal(f.status, 400);
    assert.match(f.json().message, /field label not supported: spec.bogus/);
    const l = await api(c, 'GET', '/api/v1/pods?labelSelector=a%20in%20(');
    assert.equal(l.status, 400);
  });

  it('answers a watch from a too old resourceVersion with a 410 ERROR event', async () => {
    for (let i = 0; i < 30; i++) await api(c, 'POST', cms, cm(`churn-${i}`));
    const events = await watchEvents(
      c,
      '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1',
      (e) => e.length > 0,
      5000,
    );
    assert.equal(events[0].type, 'ERROR');
    assert.equal(events[0].object.code, 410);
    assert.equal(events[0].object.reason, 'Expired');
  });

  it('survives hostile requests and keeps serving', async () => {
    for (const body of [
      '[]',
      '"x"',
      'null',
      '{"metadata": 5}',
      '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}',
    ]) {
      const r = await api(c, 'POST', cms, body);
      assert.ok(r.status >= 400 && r.status < 500, `${body} → ${r.status}`);
    }
    const jp = await api(c, 'PATCH', `${cms}/occ`, '[{"op":"test","path":"/data/a","value":"nope"}]', {
      'Content-Type': 'application/json-patch+json',
    });
    assert.ok(jp.status >= 400 && jp.status < 500, `json patch → ${jp.status}`);
    const mp = await api(c, 'PATCH', `${cms}/occ`, '{"data": 7}', {
      'Content-Type': 'application/merge-patch+json',
    });
    assert.ok(mp.status >= 400 && mp.status < 500, `merge patch → ${mp.status}`);
    const pb = await api(c, 'POST', cms, Buffer.from('k8s\0garbage'), {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
    });
    assert.equal(pb.status, 400);
    assert.equal((await api(c, 'GET', '/readyz')).text, 'ok');
  });
});
