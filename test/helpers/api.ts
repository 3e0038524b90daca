// Raw HTTPS requests to a test server with the admin credential from its
// kubeconfig, for asserting status codes and bodies kubectl hides.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';

export interface Credentials {
  url: string;
  ca: string;
  cert: string;
  key: string;
}

export function credentialsFrom(kubeconfigPath: string): Credentials {
  const kc = parse(readFileSync(kubeconfigPath, 'utf8'));
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    url: kc.clusters[0].cluster.server,
    ca: b(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b(kc.users[0].user['client-certificate-data']),
    key: b(kc.users[0].user['client-key-data']),
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export function api(
  c: Credentials,
  method: string,
  path: string,
  body?: string | Buffer | object,
  headers: Record<string, string> = {},
  opts: { anonymous?: boolean } = {},
): Promise<ApiResponse> {
  const u = new URL(path, c.url);
  const payload =
    body === undefined
      ? undefined
      : typeof body === 'string' || Buffer.isBuffer(body)
        ? body
        : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: c.ca,
        ...(opts.anonymous ? {} : { cert: c.cert, key: c.key }),
        headers: {
          ...(payload !== undefined
            ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) }
            : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Opens a watch and collects events until `until` returns true or the timeout passes. */
export function watchEvents(
  c: Credentials,
  path: string,
  until: (events: any[]) => boolean,
  timeoutMs = 15_000,
): Promise<any[]> {
  const u = new URL(path, c.url);
  return new Promise((resolve, reject) => {
    const events: any[] = [];
    let buf = '';
    const req = request(
      {
        method: 'GET',
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        ca: c.ca,
        cert: c.cert,
        key: c.key,
      },
      (res) => {
        res.on('data', (d: Buffer) => {
          buf += d.toString('utf8');
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) events.push(JSON.parse(line));
            nl = buf.indexOf('\n');
          }
          if (until(events)) {
            clearTimeout(timer);
            req.destroy();
            resolve(events);
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve(events);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      resolve(events);
    }, timeoutMs);
    req.on('error', (e) => {
      if (!until(events)) reject(e);
    });
    req.end();
  });
}
