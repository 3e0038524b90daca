// The serving credential of a joined agent's stream endpoint: a key made on
// this machine and a certificate the cluster CA signed for the node's name
// and address, asked for with the join token. Both are kept in the data dir
// (key 0600) and reused on restart while they still chain to the cluster's
// CA, name the node's current address and stay valid.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { kubeletServingPath } from '../apiserver/kubelet-serving.ts';
import { createCertificateRequest, credentialServes, type Pem } from '../apiserver/tls.ts';
import type { Logger } from '../util/log.ts';

/** A certificate this close to expiry is replaced at start. */
const renewMarginMs = 30 * 24 * 3600 * 1000;

export interface KubeletServingOptions {
  server: string;
  /** The cluster CA, already checked against the join token. */
  ca: string;
  token: string;
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  logger: Logger;
}

export async function ensureKubeletServingCert(o: KubeletServingOptions): Promise<Pem> {
  const dir = join(o.dataDir, 'agent', 'tls');
  const certFile = join(dir, 'serving-kubelet.crt');
  const keyFile = join(dir, 'serving-kubelet.key');
  const names = { dns: [o.nodeName], ips: [o.nodeIP] };
  if (existsSync(certFile) && existsSync(keyFile)) {
    const kept = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    if (credentialServes(kept, o.ca, names, renewMarginMs)) return kept;
  }
  const { csr, key } = await createCertificateRequest(
    { commonName: `system:node:${o.nodeName}`, organizations: ['system:nodes'] },
    names,
  );
  const cert = await requestCertificate(o, csr);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Each file is written whole under another name, then renamed: a crash leaves
  // the old pair or a mismatched one, which the next start replaces.
  writeFileSync(`${keyFile}.tmp`, key, { mode: 0o600 });
  renameSync(`${keyFile}.tmp`, keyFile);
  writeFileSync(`${certFile}.tmp`, cert, { mode: 0o644 });
  renameSync(`${certFile}.tmp`, certFile);
  o.logger.info('node serving certificate issued', { node: o.nodeName, address: o.nodeIP });
  return { cert, key };
}

function requestCertificate(o: KubeletServingOptions, csr: string): Promise<string> {
  const url = new URL(kubeletServingPath, o.server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: o.ca,
        timeout: 30_000,
        headers: {
          Authorization: `Bearer ${o.token}`,
          'Content-Type': 'application/pkcs10',
          'Content-Length': Buffer.byteLength(csr),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200) return resolve(body);
          let message = body;
          try {
            message = JSON.parse(body).message ?? body;
          } catch {}
          reject(new Error(`the server refused a serving certificate (${res.statusCode}): ${message}`));
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(csr);
  });
}
