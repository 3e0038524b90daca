// Who is calling: a client certificate signed by the cluster CA (CN = user,
// O = groups, as upstream's x509 authenticator reads it) or a bearer token
// that the server knows. Anything else is anonymous, which only the health
// and version endpoints accept.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './registry/types.ts';

export interface TokenAuthenticator {
  /** The user a bearer token stands for, if any. */
  lookup(token: string): UserInfo | undefined;
}

export function staticTokens(entries: { token: string; user: UserInfo }[]): TokenAuthenticator {
  return {
    lookup(token) {
      const t = Buffer.from(token);
      for (const e of entries) {
        const want = Buffer.from(e.token);
        if (want.length === t.length && timingSafeEqual(want, t)) return e.user;
      }
      return undefined;
    },
  };
}

/**
 * The user a connection's client certificate names, remembered per TLS
 * connection: reading the certificate into JS costs more than the rest of
 * a small request, and it cannot change on a connection (the server refuses
 * renegotiation). null records a certificate that names nobody.
 */
export type CertificateUsers = WeakMap<TLSSocket, UserInfo | null>;

export function authenticate(
  req: IncomingMessage,
  tokens: TokenAuthenticator,
  certificateUsers: CertificateUsers = new WeakMap(),
): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (socket.authorized) {
    let user = certificateUsers.get(socket);
    if (user === undefined) {
      user = certificateUser(socket);
      certificateUsers.set(socket, user);
    }
    if (user) return { name: user.name, groups: [...user.groups] };
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const user = tokens.lookup(auth.slice(7).trim());
    if (user) return { ...user, groups: [...user.groups, 'system:authenticated'] };
  }
  return undefined;
}

function certificateUser(socket: TLSSocket): UserInfo | null {
  const cert = socket.getPeerCertificate();
  const cn = cert?.subject?.CN;
  if (!cn) return null;
  const o = cert.subject.O;
  const groups = Array.isArray(o) ? o : o ? [o] : [];
  return { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] };
}
