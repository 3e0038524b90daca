// Small helpers for answering HTTP requests with Kubernetes objects and
// Status errors. Only the apiserver turns StatusError into HTTP.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, StatusError } from '../api/status.ts';
import type { Logger } from '../util/log.ts';

/** Upstream's limit for a request body. */
export const maxBodyBytes = 3 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown, log: Logger): void {
  let se: StatusError;
  if (err instanceof StatusError) se = err;
  else {
    log.error('request failed', { err: err as Error, stack: (err as Error)?.stack });
    se = errors.internal((err as Error)?.message ?? String(err));
  }
  sendJson(res, se.code, se.status);
}

export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      req.resume();
      reject(errors.tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(errors.badRequest(`reading request body: ${e.message}`));
    });
  });
}

/** The media type without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export interface AcceptedAs {
  kind: 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList' | 'plain';
}

/** Whether the client asked for a Table (kubectl get) or metadata only. */
export function acceptedAs(accept: string | undefined): AcceptedAs {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    const as = params.get('as');
    if (!as || params.get('g') !== 'meta.k8s.io') continue;
    if (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList')
      return { kind: as };
  }
  return { kind: 'plain' };
}
