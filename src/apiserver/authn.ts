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

export function authenticate(req: IncomingMessage, tokens: TokenAuthenticator): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  if (socket.authorized) {
    const cert = socket.getPeerCertificate();
    const cn = cert?.subject?.CN;
    if (cn) {
      const o = cert.subject.O;
      const groups = Array.isArray(o) ? o : o ? [o] : [];
      return { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] };
    }
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const user = tokens.lookup(auth.slice(7).trim());
    if (user) return { ...user, groups: [...user.groups, 'system:authenticated'] };
  }
  return undefined;
}
