// Resource requests: maps an HTTP request on /api or /apis to the generic
// registry of its resource, and the result back to JSON, a Table, or a
// watch stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.ts';
import { fieldManagerFor } from '../../api/patch/index.ts';
import { toTable } from '../../api/printers/index.ts';
import { findResource, groupVersion, type ResourceInfo } from '../../api/resources.ts';
import { errors, StatusError } from '../../api/status.ts';
import type { Clock } from '../../util/clock.ts';
import type { Logger } from '../../util/log.ts';
import { asObject, checkFields, parseBody, parseFieldValidation } from '../body.ts';
import { acceptedAs, mediaType, readBody, sendJson } from '../http.ts';
import type { ResourceRegistry } from '../registry/registry.ts';
import type { DeleteOptions, ListQuery, PatchType, UserInfo, WriteContext } from '../registry/types.ts';
import type { ApiRequest } from '../request-info.ts';
import type { CacheEvent } from '../watch-cache.ts';
import { handleSubresource, type SubresourceDeps } from './subresources.ts';
import { streamWatch } from './watch.ts';

export interface RestDeps extends SubresourceDeps {
  registries: ReadonlyMap<ResourceInfo, ResourceRegistry>;
  clock: Clock;
  log: Logger;
  bookmarkIntervalMs?: number;
}

const patchTypes = new Set<string>([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

export function registryFor(deps: RestDeps, a: ApiRequest): ResourceRegistry {
  const info = findResource(a.group, a.version, a.resource);
  const reg = info && deps.registries.get(info);
  if (!reg) throw new StatusError('NotFound', 'the server could not find the requested resource');
  if (!info.namespaced && a.namespace !== undefined) {
    throw new StatusError('NotFound', 'the server could not find the requested resource');
  }
  return reg;
}

export function writeContext(
  req: IncomingMessage,
  q: URLSearchParams,
  user: UserInfo,
  signal: AbortSignal,
  isApply = false,
): WriteContext {
  const dryRun = q.getAll('dryRun');
  for (const d of dryRun)
    if (d !== 'All') throw errors.badRequest(`unsupported dryRun value "${d}": only "All" is supported`);
  const fieldManager = fieldManagerFor(
    q.get('fieldManager') ?? undefined,
    req.headers['user-agent'] ?? '',
    isApply,
  );
  return { user, dryRun: dryRun.length > 0, fieldManager, warnings: [], signal };
}

function listQuery(q: URLSearchParams): ListQuery {
  const limit = q.get('limit');
  if (limit !== null && !/^\d+$/.test(limit)) throw errors.badRequest(`invalid limit "${limit}"`);
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
  };
}

function includeObjectOf(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object')
    throw errors.badRequest(`invalid includeObject "${v}"`);
  return v;
}

function metadataOnly(o: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function respond(res: ServerResponse, code: number, body: unknown, ctx?: WriteContext): void {
  const headers: Record<string, string> = {};
  if (ctx?.warnings.length) {
    headers['Warning'] = ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
  }
  sendJson(res, code, body, headers);
}

export async function handleResource(
  deps: RestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  a: ApiRequest,
  q: URLSearchParams,
  user: UserInfo,
  signal: AbortSignal,
): Promise<void> {
  const reg = registryFor(deps, a);
  if (reg.info.namespaced && a.namespace === undefined && a.verb !== 'list' && a.verb !== 'watch') {
    throw new StatusError('NotFound', 'the server could not find the requested resource');
  }
  if (a.subresource) {
    await handleSubresource(deps, reg, req, res, a, q, user, signal);
    return;
  }
  const name = a.name!;
  switch (a.verb) {
    case 'get': {
      const o = await reg.get(a.namespace, name);
      const as = acceptedAs(req.headers.accept).kind;
      if (as === 'Table') {
        respond(
          res,
          200,
          toTable(reg.info, [o], {
            includeObject: includeObjectOf(q),
            now: deps.clock.now(),
            metadata: { resourceVersion: o.metadata.resourceVersion },
          }),
        );
      } else respond(res, 200, as === 'PartialObjectMetadata' ? metadataOnly(o) : o);
      return;
    }
    case 'list': {
      const list = await reg.list(a.namespace, listQuery(q), signal);
      const meta = {
        resourceVersion: list.resourceVersion,
        ...(list.continue ? { continue: list.continue } : {}),
        ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}),
      };
      const as = acceptedAs(req.headers.accept).kind;
      if (as === 'Table') {
        respond(
          res,
          200,
          toTable(reg.info, list.items, {
            includeObject: includeObjectOf(q),
            now: deps.clock.now(),
            metadata: meta,
          }),
        );
      } else if (as === 'PartialObjectMetadataList' || as === 'PartialObjectMetadata') {
        respond(res, 200, {
          kind: 'PartialObjectMetadataList',
          apiVersion: 'meta.k8s.io/v1',
          metadata: meta,
          items: list.items.map(metadataOnly),
        });
      } else {
        respond(res, 200, listBody(reg.info, list.items, meta));
      }
      return;
    }
    case 'watch':
      await watch(deps, reg, req, res, a, q, signal);
      return;
    case 'create': {
      const ctx = writeContext(req, q, user, signal);
      const obj = await decodeObjectBody(req, reg.info, q, ctx);
      if (a.name !== undefined) throw errors.methodNotAllowed('POST is not allowed on a named object');
      const created = await reg.create(a.namespace, obj, ctx);
      respond(res, 201, created, ctx);
      return;
    }
    case 'update': {
      const ctx = writeContext(req, q, user, signal);
      const obj = await decodeObjectBody(req, reg.info, q, ctx);
      respond(res, 200, await reg.update(a.namespace, name, obj, ctx), ctx);
      return;
    }
    case 'patch': {
      const { type, body } = await decodePatch(req, q);
      const ctx = writeContext(req, q, user, signal, type === 'application/apply-patch+yaml');
      const mode = parseFieldValidation(q.get('fieldValidation'));
      const gv = { apiVersion: groupVersion(reg.info), kind: reg.info.kind };
      const existed = type !== 'application/apply-patch+yaml' || (await exists(reg, a.namespace, name));
      const out = await reg.patch(a.namespace, name, type, body, ctx, {
        force: q.get('force') === 'true',
        check: (o) => checkFields(o, gv, [], mode, ctx.warnings),
      });
      respond(res, existed ? 200 : 201, out, ctx);
      return;
    }
    case 'delete': {
      const ctx = writeContext(req, q, user, signal);
      const opts = await deleteOptions(req, q);
      const r = await reg.delete(a.namespace, name, opts, ctx);
      if (r.kind === 'deleted' && reg.info.kind !== 'Pod' && reg.info.kind !== 'Namespace') {
        respond(res, 200, successStatus(reg.info, r.object), ctx);
      } else respond(res, 200, r.object, ctx);
      return;
    }
    case 'deletecollection': {
      const ctx = writeContext(req, q, user, signal);
      const opts = await deleteOptions(req, q);
      const items = await reg.deleteCollection(a.namespace, listQuery(q), opts, ctx);
      respond(res, 200, listBody(reg.info, items, {}), ctx);
      return;
    }
  }
}

async function exists(reg: ResourceRegistry, ns: string | undefined, name: string): Promise<boolean> {
  try {
    await reg.get(ns, name);
    return true;
  } catch (e) {
    if (e instanceof StatusError && e.reason === 'NotFound') return false;
    throw e;
  }
}

export function listBody(info: ResourceInfo, items: KubeObject[], metadata: object): object {
  return { kind: info.listKind, apiVersion: groupVersion(info), metadata, items };
}

function successStatus(info: ResourceInfo, o: KubeObject): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: o.metadata.name,
      ...(info.group ? { group: info.group } : {}),
      kind: info.plural,
      uid: o.metadata.uid,
    },
  };
}

export async function decodeObjectBody(
  req: IncomingMessage,
  info: ResourceInfo,
  q: URLSearchParams,
  ctx: WriteContext,
): Promise<KubeObject> {
  const raw = await readBody(req);
  if (raw.length === 0) throw errors.badRequest('the request body is empty: an object is required');
  const decoded = await parseBody(raw, mediaType(req.headers['content-type']));
  const obj = asObject(decoded.value);
  const mode = parseFieldValidation(q.get('fieldValidation'));
  checkFields(
    obj,
    { apiVersion: groupVersion(info), kind: info.kind },
    decoded.duplicates,
    mode,
    ctx.warnings,
  );
  return obj;
}

export async function decodePatch(
  req: IncomingMessage,
  _q: URLSearchParams,
): Promise<{ type: PatchType; body: unknown }> {
  const type = mediaType(req.headers['content-type']);
  if (!patchTypes.has(type)) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${[...patchTypes].join(', ')}`,
    );
  }
  const raw = await readBody(req);
  const decoded = await parseBody(
    raw,
    type === 'application/apply-patch+yaml' ? 'application/yaml' : 'application/json',
  );
  return { type: type as PatchType, body: decoded.value };
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let opts: DeleteOptions = {};
  if (raw.length)
    opts = asObject(
      (await parseBody(raw, mediaType(req.headers['content-type']))).value,
      'DeleteOptions',
    ) as unknown as DeleteOptions;
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null) opts.gracePeriodSeconds = Number(grace);
  const policy = q.get('propagationPolicy');
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (opts.propagationPolicy && !['Background', 'Foreground', 'Orphan'].includes(opts.propagationPolicy)) {
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  if (opts.gracePeriodSeconds !== undefined && !Number.isInteger(opts.gracePeriodSeconds)) {
    throw errors.badRequest('gracePeriodSeconds must be an integer');
  }
  return opts;
}

async function watch(
  deps: RestDeps,
  reg: ResourceRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  a: ApiRequest,
  q: URLSearchParams,
  signal: AbortSignal,
): Promise<void> {
  const lq = listQuery(q);
  if (a.name !== undefined) {
    const byName = `metadata.name=${a.name}`;
    lq.fieldSelector = lq.fieldSelector ? `${lq.fieldSelector},${byName}` : byName;
  }
  reg.filter(lq); // selector errors answer 400 before the stream starts
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0');
  const as = acceptedAs(req.headers.accept).kind;
  const includeObject = includeObjectOf(q);
  const render = (e: CacheEvent): unknown => {
    if (as === 'Table')
      return toTable(reg.info, [e.object], {
        includeObject,
        now: deps.clock.now(),
        metadata: { resourceVersion: e.object.metadata.resourceVersion },
      });
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return metadataOnly(e.object);
    return e.object;
  };
  let lastRv = lq.resourceVersion;
  const events = (async function* () {
    for await (const e of reg.watch(a.namespace, lq, controller.signal)) {
      lastRv = e.object.metadata.resourceVersion;
      yield e;
    }
  })();
  await streamWatch(res, {
    events,
    render,
    bookmark:
      q.get('allowWatchBookmarks') === 'true'
        ? () => ({
            kind: reg.info.kind,
            apiVersion: groupVersion(reg.info),
            metadata: { resourceVersion: lastRv ?? '0' },
          })
        : undefined,
    bookmarkIntervalMs: deps.bookmarkIntervalMs ?? 60_000,
    timeoutMs: (timeoutSeconds > 0 ? timeoutSeconds : 1800 + Math.floor(Math.random() * 1800)) * 1000,
    signal: controller.signal,
    abort: () => controller.abort(),
    log: deps.log,
  });
  signal.removeEventListener('abort', onAbort);
}
