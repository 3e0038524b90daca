// A real OCI registry for tests: Debian's docker-registry (distribution 2.8)
// on 127.0.0.1 at a free port, storing into its own temp directory, with no
// auth, htpasswd (basic) auth or token (bearer) auth. Images go in with
// skopeo, as a user would push them. stop() kills it by PID and removes
// everything it made.

import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startTokenService, type TokenService } from './registry-token.ts';

const run = promisify(execFile);
const REGISTRY_BINARY = '/usr/bin/docker-registry';
const READY_WITHIN_MS = 20_000;
const STOP_GRACE_MS = 5_000;

export type RegistryAuth = { kind: 'none' } | { kind: 'basic' | 'token'; username: string; password: string };

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234. */
  host: string;
  storageDir: string;
  tokenService?: TokenService;
  /**
   * Pushes an archive (docker-archive:… or oci-archive:… source) to REPO:TAG.
   * `format: 'oci'` stores OCI media types; `compression` picks the layer compression.
   */
  push(
    source: string,
    repoTag: string,
    options?: { format?: 'v2s2' | 'oci'; compression?: 'gzip' | 'zstd' },
  ): Promise<void>;
  /** Uploads a blob through the registry API (no-auth registries only). */
  putBlob(repository: string, bytes: Buffer): Promise<string>;
  /** Stores a manifest or index under a tag or digest through the registry API (no-auth registries only). */
  putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<void>;
  /** Where the registry keeps a blob (manifests included) on disk, to tamper with it. */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A bcrypt htpasswd line (the only kind docker-registry accepts), from libxcrypt via perl's crypt(). */
async function htpasswdLine(username: string, password: string): Promise<string> {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join('');
  const { stdout } = await run('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`]);
  if (!stdout.startsWith('$2b$')) throw new Error('this system crypt() cannot make bcrypt hashes');
  return `${username}:${stdout}\n`;
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'orca-registry-'));
  let tokenService: TokenService | undefined;
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    let authConfig = '';
    if (auth.kind === 'basic') {
      await writeFile(join(dir, 'htpasswd'), await htpasswdLine(auth.username, auth.password));
      authConfig = `auth:\n  htpasswd:\n    realm: orca-test\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (auth.kind === 'token') {
      tokenService = await startTokenService(dir, auth.username, auth.password);
      await writeFile(join(dir, 'token-ca.pem'), tokenService.certificatePem);
      authConfig =
        `auth:\n  token:\n    realm: ${tokenService.realm}\n    service: ${tokenService.service}\n` +
        `    issuer: ${tokenService.issuer}\n    rootcertbundle: ${join(dir, 'token-ca.pem')}\n`;
    }
    const config =
      'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n' +
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\n` +
      `http:\n  addr: ${host}\n  secret: ${randomBytes(16).toString('hex')}\n` +
      authConfig;
    await writeFile(join(dir, 'config.yml'), config);
    const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(
          () => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
          STOP_GRACE_MS,
        );
        await exited;
        clearTimeout(timer);
      }
      await tokenService?.stop();
      await rm(dir, { recursive: true, force: true });
    };

    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (child.exitCode !== null) {
        await stop();
        throw new Error(`docker-registry exited at start: ${stderr}`);
      }
      const ready = await fetch(`http://${host}/v2/`).then(
        (res) => res.status === 200 || res.status === 401,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`docker-registry not ready within ${READY_WITHIN_MS} ms: ${stderr}`);
      }
      await sleep(50);
    }

    return {
      host,
      storageDir: join(dir, 'storage'),
      tokenService,
      async push(source, repoTag, options = {}) {
        const args = ['copy', '--quiet', '--insecure-policy', '--dest-tls-verify=false'];
        if (auth.kind !== 'none') args.push('--dest-creds', `${auth.username}:${auth.password}`);
        if (options.format) args.push('--format', options.format);
        if (options.compression) args.push('--dest-compress', '--dest-compress-format', options.compression);
        args.push(source, `docker://${host}/${repoTag}`);
        await run('skopeo', args, { timeout: 60_000 });
      },
      async putBlob(repository, bytes) {
        const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
        if (start.status !== 202) throw new Error(`starting upload: ${start.status} ${await start.text()}`);
        const location = new URL(start.headers.get('location')!, `http://${host}`);
        location.searchParams.set('digest', digest);
        const done = await fetch(location, {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': 'application/octet-stream' },
        });
        if (done.status !== 201) throw new Error(`finishing upload: ${done.status} ${await done.text()}`);
        return digest;
      },
      async putManifest(repository, reference, bytes, mediaType) {
        const res = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, {
          method: 'PUT',
          body: bytes,
          headers: { 'content-type': mediaType },
        });
        if (res.status !== 201) throw new Error(`putting manifest: ${res.status} ${await res.text()}`);
      },
      blobFile(digest) {
        const hex = digest.slice('sha256:'.length);
        return join(
          dir,
          'storage',
          'docker',
          'registry',
          'v2',
          'blobs',
          'sha256',
          hex.slice(0, 2),
          hex,
          'data',
        );
      },
      stop,
    };
  } catch (err) {
    await tokenService?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
