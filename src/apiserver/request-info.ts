// Parses an API path into what it addresses, the way upstream's
// RequestInfoFactory does: /api/v1/namespaces/NS/pods/NAME/log → group "",
// version v1, namespace NS, resource pods, name NAME, subresource log.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ApiRequest {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  verb: Verb;
}

export function parseApiPath(method: string, path: string, query: URLSearchParams): ApiRequest | undefined {
  const segs = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else return undefined;
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest.length === 0) return undefined;
  let namespace: string | undefined;
  // "namespaces/NS/<resource>…" addresses something inside a namespace, except
  // the namespace's own subresources (namespaces/NS/status, namespaces/NS/finalize).
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(group === '' && (rest[2] === 'status' || rest[2] === 'finalize') && rest.length === 3)
  ) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (extra.length) return undefined;
  const collection = name === undefined;
  const isWatch = legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1';
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = collection ? (isWatch ? 'watch' : 'list') : isWatch ? 'watch' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = collection ? 'deletecollection' : 'delete';
      break;
    default:
      return undefined;
  }
  return { group, version, namespace, resource, name, subresource, verb };
}
