// Subresources: status, scale, binding, eviction, a namespace's finalize,
// and the pod streams (log, exec, attach, portforward), which a node's agent
// serves through the StreamRouter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.ts';
import { clone, timestamp } from '../../api/object.ts';
import { selectorToString } from '../../api/selectors.ts';
import { errors, StatusError } from '../../api/status.ts';
import type { Clock } from '../../util/clock.ts';
import { asObject, parseBody } from '../body.ts';
import { mediaType, readBody, sendJson } from '../http.ts';
import type { ResourceRegistry } from '../registry/registry.ts';
import type { PatchType, UserInfo, WriteContext } from '../registry/types.ts';
import type { ApiRequest } from '../request-info.ts';
import { decodeObjectBody, decodePatch, writeContext } from './rest.ts';

/** Serves pod streams; the agent-facing part of the apiserver implements it. */
export interface StreamRouter {
  handle(
    kind: 'log' | 'exec' | 'attach' | 'portforward',
    pod: KubeObject,
    req: IncomingMessage,
    res: ServerResponse,
    query: URLSearchParams,
  ): Promise<void>;
}

export interface SubresourceDeps {
  clock: Clock;
  streams?: StreamRouter;
  /** Patches a Scale object (plain merge rules: it has no lists). */
  patchPlain: (
    type: Exclude<PatchType, 'application/apply-patch+yaml'>,
    current: KubeObject,
    body: unknown,
  ) => KubeObject;
}

export async function handleSubresource(
  deps: SubresourceDeps,
  reg: ResourceRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  a: ApiRequest,
  q: URLSearchParams,
  user: UserInfo,
  signal: AbortSignal,
): Promise<void> {
  const sub = a.subresource!;
  const name = a.name!;
  const ns = a.namespace;
  if (
    !(reg.info.subresources as string[]).includes(sub) &&
    !(reg.info.kind === 'Namespace' && sub === 'finalize')
  ) {
    throw new StatusError('NotFound', 'the server could not find the requested resource');
  }
  const ctx = writeContext(req, q, user, signal);
  switch (sub) {
    case 'status':
    case 'ephemeralcontainers':
      if (a.verb === 'get') return sendJson(res, 200, await reg.get(ns, name));
      if (a.verb === 'update') {
        const obj = await decodeObjectBody(req, reg.info, q, ctx);
        return sendJson(res, 200, await reg.update(ns, name, obj, ctx, 'status'));
      }
      if (a.verb === 'patch') {
        const { type, body } = await decodePatch(req, q);
        return sendJson(
          res,
          200,
          await reg.patch(ns, name, type, body, ctx, {
            subresource: 'status',
            force: q.get('force') === 'true',
          }),
        );
      }
      break;
    case 'finalize':
      if (a.verb === 'update') {
        const obj = await decodeObjectBody(req, reg.info, q, ctx);
        return sendJson(res, 200, await finalizeNamespace(reg, name, obj.spec?.finalizers ?? [], ctx));
      }
      break;
    case 'scale':
      return scale(deps, reg, req, res, a, q, ctx);
    case 'binding':
      if (a.verb === 'create') return bind(reg, req, res, ns, name, ctx, deps.clock);
      break;
    case 'eviction':
      if (a.verb === 'create') {
        const raw = await readBody(req);
        const ev = raw.length
          ? asObject((await parseBody(raw, mediaType(req.headers['content-type']))).value)
          : undefined;
        await reg.delete(ns, name, ev?.deleteOptions ?? {}, ctx);
        return sendJson(res, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      break;
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward': {
      const pod = await reg.get(ns, name);
      if (!deps.streams) throw errors.unavailable(`no node agent serves ${sub} for pod "${name}"`);
      return deps.streams.handle(sub, pod, req, res, q);
    }
  }
  throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
}

function scaleOf(reg: ResourceRegistry, o: KubeObject): KubeObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: {
      replicas: o.status?.replicas ?? 0,
      ...(reg.info.kind !== 'DaemonSet' && o.spec?.selector
        ? { selector: selectorToString(o.spec.selector) }
        : {}),
    },
  };
}

async function scale(
  deps: SubresourceDeps,
  reg: ResourceRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  a: ApiRequest,
  q: URLSearchParams,
  ctx: WriteContext,
): Promise<void> {
  const ns = a.namespace;
  const name = a.name!;
  if (a.verb === 'get') return sendJson(res, 200, scaleOf(reg, await reg.get(ns, name)));
  let change: (s: KubeObject) => KubeObject;
  if (a.verb === 'update') {
    const raw = await readBody(req);
    const body = asObject((await parseBody(raw, mediaType(req.headers['content-type']))).value);
    change = () => body;
  } else if (a.verb === 'patch') {
    const { type, body } = await decodePatch(req, q);
    if (type === 'application/apply-patch+yaml')
      throw errors.unsupportedMediaType('apply patches are not supported on the scale subresource');
    // The patch applies to the Scale object, whose merge rules are plain (no lists).
    change = (s) => deps.patchPlain(type, s, body);
  } else throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  const out = await reg.writeLoop(
    ns,
    name,
    ctx,
    (cur) => {
      const wanted = change(scaleOf(reg, cur));
      const rv = wanted.metadata?.resourceVersion;
      if (rv && rv !== cur.metadata.resourceVersion)
        throw errors.conflict({ resource: reg.info.plural, group: reg.info.group || undefined, name });
      const replicas = wanted.spec?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        throw errors.invalid(
          'Scale',
          name,
          [
            {
              reason: 'FieldValueInvalid',
              field: 'spec.replicas',
              message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
            },
          ],
          'autoscaling',
        );
      }
      const next = clone(cur);
      next.spec = { ...next.spec, replicas };
      return next;
    },
    undefined,
  );
  sendJson(res, 200, scaleOf(reg, out));
}

async function bind(
  reg: ResourceRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  ns: string | undefined,
  name: string,
  ctx: WriteContext,
  clock: Clock,
): Promise<void> {
  const raw = await readBody(req);
  const binding = asObject((await parseBody(raw, mediaType(req.headers['content-type']))).value);
  await bindPod(reg, ns, name, binding, ctx, clock);
  sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/** Assigns a pod to the node a Binding names, once: upstream's pods/binding. */
export async function bindPod(
  reg: ResourceRegistry,
  ns: string | undefined,
  name: string,
  binding: KubeObject,
  ctx: WriteContext,
  clock: Clock,
): Promise<KubeObject> {
  const node = binding.target?.name;
  if (!node || (binding.target?.kind && binding.target.kind !== 'Node')) {
    throw errors.invalid('Binding', name, [
      { reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' },
    ]);
  }
  return reg.writeLoop(
    ns,
    name,
    ctx,
    (cur) => {
      if (cur.metadata.deletionTimestamp)
        throw errors.conflict(
          { resource: 'pods/binding', name },
          `pod ${name} is being deleted, cannot be assigned to a host`,
        );
      if (cur.spec?.nodeName)
        throw errors.conflict(
          { resource: 'pods/binding', name },
          `pod ${name} is already assigned to node "${cur.spec.nodeName}"`,
        );
      const next = clone(cur);
      next.spec.nodeName = node;
      const conditions = (next.status?.conditions ?? []).filter(
        (c: { type: string }) => c.type !== 'PodScheduled',
      );
      conditions.push({
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: timestamp(clock.now()),
      });
      next.status = { ...next.status, conditions };
      return next;
    },
    'binding',
  );
}

/** Sets a namespace's spec.finalizers (only the namespace controller empties them). */
export function finalizeNamespace(
  reg: ResourceRegistry,
  name: string,
  finalizers: string[],
  ctx: WriteContext,
): Promise<KubeObject> {
  return reg.writeLoop(
    undefined,
    name,
    ctx,
    (cur) => ({ ...clone(cur), spec: { ...cur.spec, finalizers } }),
    'binding',
  );
}
