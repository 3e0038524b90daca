// The cluster's PKI, made on first start and reused after: a CA, a serving
// certificate for every listen address, an admin client credential and the
// client credential the API server shows node agents. Node agents' serving
// certificates are signed from certificate requests (see kubelet-serving.ts).
// Private keys are written 0600. ECDSA P-256 keeps generation fast.
import { createHash, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

type X509Lib = typeof import('@peculiar/x509');

/** The certificate library is loaded only when something must be issued: most starts reuse what is on disk. */
async function x509Lib(): Promise<X509Lib> {
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

export interface Pem {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: Pem;
  serving: Pem;
  admin: Pem;
  /** What the API server presents to node agents when it proxies pod streams to them. */
  kubeletClient: Pem;
}

/** The user (CN) of the API server's client certificate for node agents, upstream's name for it. */
export const kubeletClientUser = 'kube-apiserver-kubelet-client';

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

async function keys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']) as Promise<CryptoKey>;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function makeCa(): Promise<Pem> {
  const x509 = await x509Lib();
  const kp = await keys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=orca-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + tenYears),
    keys: kp,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(kp.publicKey),
    ],
  });
  return {
    cert: cert.toString('pem'),
    key: pemKey(await webcrypto.subtle.exportKey('pkcs8', kp.privateKey)),
  };
}

type Sans = { dns: string[]; ips: string[] };

function sanExtension(x509: X509Lib, sans: Sans) {
  return new x509.SubjectAlternativeNameExtension([
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

/** Signs a certificate for `publicKey` with the CA: a server certificate names `sans`, a client one names nobody. */
async function sign(
  ca: Pem,
  subject: string | Record<string, string[]>[],
  usage: 'server' | 'client',
  sans: Sans,
  publicKey: CryptoKey | InstanceType<X509Lib['PublicKey']>,
): Promise<string> {
  const x509 = await x509Lib();
  const caCert = new x509.X509Certificate(ca.cert);
  const extensions: InstanceType<X509Lib['Extension']>[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (usage === 'server') extensions.push(sanExtension(x509, sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + tenYears),
    signingKey: await importKey(ca.key),
    publicKey,
    signingAlgorithm: alg,
    extensions,
  });
  return cert.toString('pem');
}

async function issue(ca: Pem, subject: string, usage: 'server' | 'client', sans: Sans): Promise<Pem> {
  const kp = await keys();
  return {
    cert: await sign(ca, subject, usage, sans, kp.publicKey),
    key: pemKey(await webcrypto.subtle.exportKey('pkcs8', kp.privateKey)),
  };
}

/** Every address a client may use to reach a server listening on `host`. */
export function servingNames(host: string): { dns: string[]; ips: string[] } {
  const dns = new Set([
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    hostname(),
  ]);
  const ips = new Set(['127.0.0.1', '::1']);
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) ips.add(i.address);
  } else if (/^[\d.]+$|:/.test(host)) ips.add(host);
  else dns.add(host);
  return { dns: [...dns], ips: [...ips] };
}

function load(dir: string, name: string): Pem | undefined {
  const c = join(dir, `${name}.crt`);
  const k = join(dir, `${name}.key`);
  if (!existsSync(c) || !existsSync(k)) return undefined;
  return { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') };
}

function save(dir: string, name: string, pem: Pem): void {
  writeFileSync(join(dir, `${name}.crt`), pem.cert, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pem.key, { mode: 0o600 });
}

function coversAll(pem: Pem, names: Sans): boolean {
  // Node's own parser reads "DNS:a, IP Address:1.2.3.4" — enough to compare.
  const have = new Set(
    (new X509Certificate(pem.cert).subjectAltName ?? '')
      .split(', ')
      .map((n) => n.replace(/^IP Address:/, 'ip:').replace(/^DNS:/, 'dns:')),
  );
  return names.dns.every((d) => have.has(`dns:${d}`)) && names.ips.every((i) => have.has(`ip:${i}`));
}

/** Loads the PKI from `dir`, making whatever is missing; re-issues the serving cert if addresses changed. */
export async function ensurePki(dir: string, listenHost: string): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = load(dir, 'ca');
  if (!ca) {
    ca = await makeCa();
    save(dir, 'ca', ca);
  }
  const names = servingNames(listenHost);
  let serving = load(dir, 'serving');
  if (!serving || !coversAll(serving, names)) {
    serving = await issue(ca, 'CN=orca-apiserver', 'server', names);
    save(dir, 'serving', serving);
  }
  let admin = load(dir, 'admin');
  if (!admin) {
    admin = await issue(ca, 'CN=admin, O=system:masters', 'client', { dns: [], ips: [] });
    save(dir, 'admin', admin);
  }
  let kubeletClient = load(dir, 'kubelet-client');
  if (!kubeletClient) {
    kubeletClient = await issue(ca, `CN=${kubeletClientUser}, O=system:masters`, 'client', {
      dns: [],
      ips: [],
    });
    save(dir, 'kubelet-client', kubeletClient);
  }
  return { ca, serving, admin, kubeletClient };
}

/** A client certificate signed by the cluster CA (for agents and tests). */
export function issueClientCert(ca: Pem, user: string, groups: string[]): Promise<Pem> {
  const subject = [`CN=${user}`, ...groups.map((g) => `O=${g}`)].join(', ');
  return issue(ca, subject, 'client', { dns: [], ips: [] });
}

export function kubeconfig(server: string, pki: Pick<ClusterPki, 'ca'>, user: Pem, name = 'default'): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.ca.cert)}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    `    client-certificate-data: ${b64(user.cert)}`,
    `    client-key-data: ${b64(user.key)}`,
    '',
  ].join('\n');
}

/** Hex SHA-256 of a CA certificate's PEM text: what a join token pins. */
export function caHash(caPem: string): string {
  return createHash('sha256').update(caPem).digest('hex');
}

/** A certificate request whose signature checked out: the requester holds the key it names. */
export interface CertificateRequest {
  commonName: string;
  organizations: string[];
  sans: Sans;
  /** Alternative names of other kinds (email, URI…), which a node's serving certificate may not carry. */
  otherNames: string[];
  publicKey: InstanceType<X509Lib['PublicKey']>;
}

/** Makes a key and a PEM certificate request for a server certificate naming `sans`. */
export async function createCertificateRequest(
  subject: { commonName: string; organizations: string[] },
  sans: Sans,
): Promise<{ csr: string; key: string }> {
  const x509 = await x509Lib();
  const kp = await keys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [subject.commonName] }, { O: subject.organizations }],
    keys: kp,
    signingAlgorithm: alg,
    extensions: [sanExtension(x509, sans)],
  });
  return { csr: csr.toString('pem'), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', kp.privateKey)) };
}

/** Reads a PEM certificate request; throws if it cannot be parsed or its signature does not verify. */
export async function readCertificateRequest(pem: string): Promise<CertificateRequest> {
  const x509 = await x509Lib();
  const csr = new x509.Pkcs10CertificateRequest(pem);
  if (!(await csr.verify())) throw new Error('the certificate request is not signed by the key it names');
  const sans: Sans = { dns: [], ips: [] };
  const otherNames: string[] = [];
  for (const ext of csr.extensions) {
    if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const n of ext.names.items) {
      if (n.type === 'dns') sans.dns.push(n.value);
      else if (n.type === 'ip') sans.ips.push(n.value);
      else otherNames.push(`${n.type}:${n.value}`);
    }
  }
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    sans,
    otherNames,
    publicKey: csr.publicKey,
  };
}

/** Signs a checked request as a server certificate for the subject and names it asks for. */
export function signServingRequest(ca: Pem, req: CertificateRequest): Promise<string> {
  const subject: Record<string, string[]>[] = [{ CN: [req.commonName] }];
  if (req.organizations.length > 0) subject.push({ O: req.organizations });
  return sign(ca, subject, 'server', req.sans, req.publicKey);
}

/**
 * Whether a serving credential can be kept: signed by `caPem`, its key the
 * certificate's, every one of `names` covered, and valid for `marginMs` more.
 */
export function credentialServes(pem: Pem, caPem: string, names: Sans, marginMs: number): boolean {
  try {
    const cert = new X509Certificate(pem.cert);
    const ca = new X509Certificate(caPem);
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(pem.key)) &&
      Date.parse(cert.validTo) > Date.now() + marginMs &&
      coversAll(pem, names)
    );
  } catch {
    return false;
  }
}
