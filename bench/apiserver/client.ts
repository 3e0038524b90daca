// HTTPS to a benchmarked server with the admin client certificate: one
// keep-alive connection per ApiClient (so N clients are N connections, as N
// separate kubectl or controller processes would be), and raw watch streams
// that report each event line with the moment its bytes arrived.

import { Agent, request } from 'node:https';
import type { KubeObject } from '../../src/api/object.ts';
import type { Credentials } from '../../test/helpers/api.ts';

export interface Reply {
  status: number;
  text: string;
}

export class ApiClient {
  readonly #credentials: Credentials;
  readonly #agent: Agent;

  constructor(credentials: Credentials) {
    this.#credentials = credentials;
    this.#agent = new Agent({
      keepAlive: true,
      maxSockets: 1,
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.key,
    });
  }

  request(method: string, path: string, body?: object): Promise<Reply> {
    const url = new URL(path, this.#credentials.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          agent: this.#agent,
          headers: {
            Accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no reply within 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request(), but anything other than `expect` is an error carrying the reply. */
  async expect(expect: number, method: string, path: string, body?: object): Promise<KubeObject> {
    const reply = await this.request(method, path, body);
    if (reply.status !== expect) {
      throw new Error(`${method} ${path}: want ${expect}, got ${reply.status}: ${reply.text.slice(0, 300)}`);
    }
    return JSON.parse(reply.text) as KubeObject;
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface WatchStream {
  close(): void;
  /** Settles when the stream ends for any reason (closed, server gone, error). */
  ended: Promise<void>;
}

/**
 * Opens a watch on its own TLS connection and resolves once the response
 * headers are in. `onLine` gets each complete event line and the
 * performance.now() taken when the chunk completing it arrived, before any
 * parsing, so the receive time is not inflated by this process's own work.
 */
export function openWatch(
  credentials: Credentials,
  path: string,
  onLine: (line: string, receivedAt: number) => void,
): Promise<WatchStream> {
  const url = new URL(path, credentials.url);
  return new Promise((resolve, reject) => {
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => {
      endedResolve = r;
    });
    const req = request(
      {
        method: 'GET',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        agent: false,
        ca: credentials.ca,
        cert: credentials.cert,
        key: credentials.key,
        headers: { Accept: 'application/json' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          req.destroy();
          reject(new Error(`watch ${path}: status ${res.statusCode}`));
          return;
        }
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          const receivedAt = performance.now();
          pending += chunk.toString('utf8');
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            onLine(pending.slice(0, newline), receivedAt);
            pending = pending.slice(newline + 1);
            newline = pending.indexOf('\n');
          }
        });
        res.on('close', endedResolve);
        res.on('error', endedResolve);
        resolve({ close: () => req.destroy(), ended });
      },
    );
    req.on('error', (err) => {
      endedResolve();
      reject(err);
    });
    req.on('close', endedResolve);
    req.end();
  });
}
