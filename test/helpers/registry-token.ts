// A bearer-token service for the test registry, as Docker Hub's auth.docker.io
// is for Docker Hub: the registry answers 401 with a challenge naming this
// realm; a client sends basic credentials here and gets a JWT (ES256, its
// self-signed certificate in the x5c header) granting the scopes it asked for.
// docker-registry trusts the certificate through `rootcertbundle`. The key
// and certificate come from the openssl command line tool.

import { execFile } from 'node:child_process';
import { randomBytes, sign as signData } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TokenService {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry must trust. */
  certificatePem: string;
  /** Token requests seen, for asserting the client asked. */
  requests: { user?: string; scopes: string[] }[];
  stop(): Promise<void>;
}

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/** Starts the service; its key and certificate are written into `dir`. */
export async function startTokenService(
  dir: string,
  username: string,
  password: string,
): Promise<TokenService> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=orca-test-token-issuer',
  ]);
  const key = await readFile(keyFile, 'utf8');
  const certificatePem = await readFile(certFile, 'utf8');
  const certificateDer = certificatePem.replace(/-----[^-]+-----|\s/g, '');
  const service = 'orca-test-registry';
  const issuer = 'orca-test-issuer';
  const requests: TokenService['requests'] = [];

  const sign = (claims: object): string => {
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certificateDer] };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    // JWS wants the raw r||s form of an ECDSA signature, not DER.
    const signature = signData('sha256', Buffer.from(unsigned), { key, dsaEncoding: 'ieee-p1363' });
    return `${unsigned}.${b64url(signature)}`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    const scopes = url.searchParams.getAll('scope');
    requests.push({ user, scopes });
    if (url.pathname !== '/token' || user !== username || rest.join(':') !== password) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const token = sign({
      iss: issuer,
      sub: user,
      aud: service,
      exp: now + 600,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, expires_in: 600 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certificatePem,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
