// Shared pieces of answering a protocol upgrade by hand: which upgrade the
// client asked for, and the HTTP answer when we refuse one. A refusal is an
// ordinary HTTP response written on the raw socket, so kubectl shows it (it
// retries a refused WebSocket upgrade over SPDY and reports that answer).
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { errors, StatusError } from '../api/status.ts';

export type RequestedUpgrade =
  | { kind: 'websocket'; protocols: string[] }
  | { kind: 'spdy'; protocols: string[] }
  | { kind: 'none' };

function list(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function requestedUpgrade(req: IncomingMessage): RequestedUpgrade {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket')
    return { kind: 'websocket', protocols: list(req.headers['sec-websocket-protocol']) };
  if (upgrade === 'spdy/3.1')
    return { kind: 'spdy', protocols: list(req.headers['x-stream-protocol-version']) };
  return { kind: 'none' };
}

/**
 * A failure the node reports in plain text, as the kubelet answers a stream
 * request it cannot serve (`container not found ("web")`); kubectl shows it
 * as "unable to upgrade connection: …".
 */
export class NodeStreamError extends Error {
  readonly code: number;
  constructor(message: string, code = 500) {
    super(message);
    this.name = 'NodeStreamError';
    this.code = code;
  }
}

/** Answers an upgrade request with an error instead of switching protocols, then closes the socket. */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  let code: number;
  let type: string;
  let body: string;
  if (err instanceof NodeStreamError) {
    code = err.code;
    type = 'text/plain; charset=utf-8';
    body = err.message;
  } else {
    const se = err instanceof StatusError ? err : errors.internal((err as Error)?.message ?? String(err));
    code = se.code;
    type = 'application/json';
    body = JSON.stringify(se.status);
  }
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\n` +
      `Content-Type: ${type}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Switches the socket to SPDY/3.1 with the negotiated stream protocol. */
export function acceptSpdyUpgrade(socket: Duplex, protocol: string): void {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\n' +
      'Connection: Upgrade\r\n' +
      'Upgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
}

/** A `true`/`1` style query flag. */
export function flag(query: URLSearchParams, name: string): boolean {
  const v = (query.get(name) ?? '').toLowerCase();
  return v === 'true' || v === '1' || v === 't';
}

/** Completes a WebSocket handshake answering with `protocol` (already chosen from what the client offered). */
export type WebSocketUpgrader = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
  onOpen: (ws: WebSocket) => void,
) => void;

export function webSocketUpgrader(): WebSocketUpgrader {
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  return (req, socket, head, protocol, onOpen) => {
    chosen.set(req, protocol);
    // ws refuses offers that are not RFC 7230 tokens, and SPDY/3.1+portforward.k8s.io
    // has a '/': it sees a token-shaped stand-in, the answer names the real protocol.
    req.headers['sec-websocket-protocol'] = protocol.replace(/[^\w!#$%&'*+.^`|~-]/g, '-');
    wss.handleUpgrade(req, socket, head, onOpen);
  };
}
