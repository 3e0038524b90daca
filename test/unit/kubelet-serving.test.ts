// Node serving certificates: the request an agent makes, the rules the
// server signs it by, and when an agent may keep the credential it has.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { servingRequestProblem } from '../../src/apiserver/kubelet-serving.ts';
import {
  type ClusterPki,
  createCertificateRequest,
  credentialServes,
  ensurePki,
  kubeletClientUser,
  readCertificateRequest,
  signServingRequest,
} from '../../src/apiserver/tls.ts';

const node = { commonName: 'system:node:worker-1', organizations: ['system:nodes'] };
const names = { dns: ['worker-1'], ips: ['10.1.2.3'] };
const day = 24 * 3600 * 1000;

describe('node serving certificates', () => {
  let dir: string;
  let pki: ClusterPki;
  let other: ClusterPki;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orca-kubelet-serving-'));
    pki = await ensurePki(join(dir, 'a'), '127.0.0.1');
    other = await ensurePki(join(dir, 'b'), '127.0.0.1');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the API server a client certificate of its own for agents', () => {
    const cert = new X509Certificate(pki.kubeletClient.cert);
    assert.match(cert.subject, new RegExp(`CN=${kubeletClientUser}`));
    assert.ok(cert.verify(new X509Certificate(pki.ca.cert).publicKey));
  });

  it('reads back what the agent asked for', async () => {
    const { csr } = await createCertificateRequest(node, names);
    const r = await readCertificateRequest(csr);
    assert.equal(r.commonName, 'system:node:worker-1');
    assert.deepEqual(r.organizations, ['system:nodes']);
    assert.deepEqual(r.sans, names);
    assert.deepEqual(r.otherNames, []);
    assert.equal(servingRequestProblem(r), undefined);
  });

  it('refuses requests that are not a node asking for its names', async () => {
    const problem = async (subject: typeof node, sans = names) =>
      servingRequestProblem(
        await readCertificateRequest((await createCertificateRequest(subject, sans)).csr),
      );
    assert.match((await problem({ ...node, commonName: 'admin' }))!, /system:node:/);
    assert.match((await problem({ ...node, commonName: 'system:node:Bad_Name' }))!, /not a valid node name/);
    assert.match((await problem({ ...node, organizations: ['system:masters'] }))!, /exactly "system:nodes"/);
    assert.match((await problem(node, { dns: [], ips: [] }))!, /at least one/);
    assert.match((await problem(node, { dns: ['UPPER_case'], ips: [] }))!, /not a valid DNS name/);
  });

  it('rejects a request whose signature does not match its key', async () => {
    const { csr } = await createCertificateRequest(node, names);
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 5] ^= 0xff; // inside the signature
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await assert.rejects(readCertificateRequest(tampered));
  });

  it('signs a server certificate the agent keeps while it still fits', async () => {
    const { csr, key } = await createCertificateRequest(node, names);
    const cert = await signServingRequest(pki.ca, await readCertificateRequest(csr));
    const x = new X509Certificate(cert);
    assert.ok(x.checkIssued(new X509Certificate(pki.ca.cert)));
    assert.equal(x.checkIP('10.1.2.3'), '10.1.2.3');
    assert.equal(x.checkHost('worker-1'), 'worker-1');
    assert.match(x.subject, /CN=system:node:worker-1/);
    const kept = { cert, key };
    assert.ok(credentialServes(kept, pki.ca.cert, names, 30 * day));
    // Another cluster's CA, a changed address, a key that is not the certificate's, or too close to expiry: replaced.
    assert.ok(!credentialServes(kept, other.ca.cert, names, 30 * day));
    assert.ok(!credentialServes(kept, pki.ca.cert, { dns: ['worker-1'], ips: ['10.9.9.9'] }, 30 * day));
    assert.ok(!credentialServes({ cert, key: other.admin.key }, pki.ca.cert, names, 30 * day));
    assert.ok(!credentialServes(kept, pki.ca.cert, names, 20 * 365 * day));
  });
});
