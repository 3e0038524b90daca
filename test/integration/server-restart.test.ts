// A restarted server keeps its CA, credentials and objects.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOrca } from '../helpers/orca.ts';

describe('server restart', () => {
  it('reuses the CA and admin credential and keeps objects', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'orca-restart-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const a = await startOrca({ dir });
    let caBefore: string;
    try {
      await a.kubectl(['create', 'configmap', 'keep', '--from-literal=x=1']);
      caBefore = readFileSync(join(dir, 'data', 'server', 'tls', 'ca.crt'), 'utf8');
      for (const key of ['ca.key', 'serving.key', 'admin.key']) {
        assert.equal(statSync(join(dir, 'data', 'server', 'tls', key)).mode & 0o777, 0o600, key);
      }
    } finally {
      await a.stop();
    }
    const b = await startOrca({ dir });
    try {
      assert.equal(readFileSync(join(dir, 'data', 'server', 'tls', 'ca.crt'), 'utf8'), caBefore);
      const r = await b.kubectl(['get', 'configmap', 'keep', '-o', 'jsonpath={.data.x}']);
      assert.equal(r.stdout, '1');
    } finally {
      await b.stop();
    }
  });
});
