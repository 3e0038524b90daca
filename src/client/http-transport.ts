// HTTPS requests to one API server: a keep-alive connection pool that trusts
// only the cluster CA, authenticates every request the same way, and turns
// any non-2xx answer into the StatusError the server meant.
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { isObject } from '../api/object.ts';
import { errors, type Status, StatusError, type StatusReason } from '../api/status.ts';

export type HttpAuth = { kind: 'certificate'; cert: string; key: string } | { kind: 'token'; token: string };

export interface HttpTransportOptions {
  /** Base URL, https://host:port. */
  server: string;
  /** PEM of the cluster CA: the only authority trusted for the server's certificate. */
  ca: string;
  auth: HttpAuth;
  userAgent?: string;
  /** Limit for one request/response (watches excluded). Default 60 s. */
  requestTimeoutMs?: number;
}

export interface SendOptions {
  body?: string;
  contentType?: string;
  signal?: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  body: Buffer;
}

const reasonByCode: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Rebuilds the error a server's Status object describes. */
export function statusErrorOf(s: Partial<Status>, fallbackCode = 500): StatusError {
  const code = typeof s.code === 'number' && s.code > 0 ? s.code : fallbackCode;
  const reason = (s.reason || reasonByCode[code] || 'InternalError') as StatusReason;
  return new StatusError(reason, s.message ?? '', s.details, code);
}

/** The StatusError for a failed HTTP answer; bodies that are not a Status get one made from the code. */
export function statusErrorFrom(code: number, body: Buffer): StatusError {
  const text = body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && parsed.kind === 'Status') return statusErrorOf(parsed as Partial<Status>, code);
  } catch {
    // not JSON: fall through to a Status made from the code
  }
  const reason = reasonByCode[code] ?? 'InternalError';
  return new StatusError(reason, text.trim() || `the server responded with HTTP ${code}`, undefined, code);
}

export class HttpTransport {
  private readonly base: URL;
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(o: HttpTransportOptions) {
    this.base = new URL(o.server);
    if (this.base.protocol !== 'https:') throw new Error(`API server URL must be https, got ${o.server}`);
    this.agent = new Agent({
      keepAlive: true,
      ca: o.ca,
      ...(o.auth.kind === 'certificate' ? { cert: o.auth.cert, key: o.auth.key } : {}),
    });
    this.headers = {
      Accept: 'application/json',
      'User-Agent': o.userAgent ?? 'orca',
      ...(o.auth.kind === 'token' ? { Authorization: `Bearer ${o.auth.token}` } : {}),
    };
    this.timeoutMs = o.requestTimeoutMs ?? 60_000;
  }

  /** One request with its whole answer; network failures reject, HTTP errors resolve. */
  async send(method: string, path: string, o: SendOptions = {}): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    try {
      const res = await this.open(method, path, o, signal);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { status: res.statusCode ?? 0, body: Buffer.concat(chunks) };
    } catch (err) {
      if (timeout.aborted && !o.signal?.aborted)
        throw errors.timeout(`${method} ${path}: no answer within ${this.timeoutMs} ms`);
      throw err;
    }
  }

  /**
   * Opens a long-lived response (a watch). Resolves once a 2xx status line
   * arrived; anything else is read and thrown as a StatusError.
   */
  async stream(path: string, signal: AbortSignal): Promise<IncomingMessage> {
    const res = await this.open('GET', path, {}, signal);
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return res;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw statusErrorFrom(code, Buffer.concat(chunks));
  }

  /** Closes pooled connections; in-flight requests finish or fail. */
  close(): void {
    this.agent.destroy();
  }

  private open(method: string, path: string, o: SendOptions, signal: AbortSignal): Promise<IncomingMessage> {
    const body = o.body === undefined ? undefined : Buffer.from(o.body, 'utf8');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          protocol: 'https:',
          hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
          port: this.base.port || 443,
          method,
          path,
          agent: this.agent,
          signal,
          headers: {
            ...this.headers,
            ...(body
              ? { 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': body.length }
              : {}),
          },
        },
        resolve,
      );
      req.once('error', reject);
      req.end(body);
    });
  }
}
