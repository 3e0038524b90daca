// The paths of a resource's subresources: status and scale (read, replace,
// patch), binding and eviction (create), log, and the streaming connect
// operations (exec, attach, portforward, proxy) as upstream describes them.
import type { Subresource } from '../resources.ts';
import {
  anyBody,
  cap,
  type Gvk,
  type Method,
  type OpSpec,
  operation,
  type PathItem,
  patchBody,
  type ResourceContext,
  responses,
} from './operations.ts';
import * as p from './parameters.ts';
import { ref, type Schema } from './schemas.ts';

/** The paths of one subresource of a resource. */
export function subresourcePaths(sub: Subresource, c: ResourceContext): Record<string, PathItem> {
  const { item, itemScope, kind, idWord, ns } = c;
  const op = (o: OpSpec) => operation(c.tag, o);
  const patch = patchBody(ref(c.schemas.addMeta('Patch')));
  const Sub = cap(sub === 'ephemeralcontainers' ? 'EphemeralContainers' : sub);
  const readReplacePatch = (target: Schema, gvk: Gvk): PathItem => ({
    get: op({
      description: `read ${sub} of the specified ${kind}`,
      id: `read${idWord}${ns}${kind}${Sub}`,
      action: 'get',
      gvk,
      responses: responses({ 200: 'OK' }, target),
    }),
    parameters: itemScope,
    patch: op({
      description: `partially update ${sub} of the specified ${kind}`,
      id: `patch${idWord}${ns}${kind}${Sub}`,
      action: 'patch',
      gvk,
      parameters: p.patchParams,
      body: patch,
      responses: responses({ 200: 'OK', 201: 'Created' }, target),
    }),
    put: op({
      description: `replace ${sub} of the specified ${kind}`,
      id: `replace${idWord}${ns}${kind}${Sub}`,
      action: 'put',
      gvk,
      parameters: p.writeParams,
      body: anyBody(target),
      responses: responses({ 200: 'OK', 201: 'Created' }, target),
    }),
  });
  const create = (modelId: string, gvk: Gvk): PathItem => {
    const target = ref(c.schemas.addModel(modelId));
    return {
      parameters: itemScope,
      post: op({
        description: `create ${sub} of a ${kind}`,
        id: `create${idWord}${ns}${kind}${Sub}`,
        action: 'post',
        gvk,
        parameters: p.writeParams,
        body: anyBody(target),
        responses: responses({ 200: 'OK', 201: 'Created', 202: 'Accepted' }, target),
      }),
    };
  };
  const text = { type: 'string' };
  const connect = (params: p.Parameter[], optionsKind: string, methods: Method[]): PathItem => {
    const out: PathItem = { parameters: [...params, ...itemScope.filter((x) => x.name !== 'pretty')] };
    for (const m of methods) {
      out[m] = op({
        description: `connect ${m.toUpperCase()} requests to ${sub} of ${kind}`,
        id: `connect${cap(m)}${idWord}${ns}${kind}${Sub}`,
        action: 'connect',
        gvk: { ...c.gvk, kind: optionsKind },
        responses: responses({ 200: 'OK' }, text, { '*/*': { schema: text } }),
      });
    }
    return out;
  };
  switch (sub) {
    case 'status':
    case 'ephemeralcontainers':
      return { [`${item}/${sub}`]: readReplacePatch(c.obj, c.gvk) };
    case 'scale':
      return {
        [`${item}/scale`]: readReplacePatch(ref(c.schemas.addModel('V1Scale')), {
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
        }),
      };
    case 'binding':
      return { [`${item}/binding`]: create('V1Binding', { group: '', version: 'v1', kind: 'Binding' }) };
    case 'eviction':
      return {
        [`${item}/eviction`]: create('V1Eviction', { group: 'policy', version: 'v1', kind: 'Eviction' }),
      };
    case 'log':
      return {
        [`${item}/log`]: {
          get: op({
            description: `read log of the specified ${kind}`,
            id: `read${idWord}${ns}${kind}Log`,
            action: 'get',
            gvk: c.gvk,
            responses: responses({ 200: 'OK' }, text, { 'text/plain': { schema: text } }),
          }),
          parameters: [...p.logParams, ...itemScope],
        },
      };
    case 'exec':
      return { [`${item}/exec`]: connect(p.execParams, `${kind}ExecOptions`, ['get', 'post']) };
    case 'attach':
      return { [`${item}/attach`]: connect(p.attachParams, `${kind}AttachOptions`, ['get', 'post']) };
    case 'portforward':
      return {
        [`${item}/portforward`]: connect(p.portForwardParams, `${kind}PortForwardOptions`, ['get', 'post']),
      };
    case 'proxy': {
      const methods: Method[] = ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'];
      const withPath = connect([], `${kind}ProxyOptions`, methods);
      for (const m of methods) {
        const o = withPath[m] as Schema;
        withPath[m] = { ...o, operationId: `${o.operationId}WithPath` };
      }
      const pathParam: p.Parameter = {
        description: 'path to the resource',
        in: 'path',
        name: 'path',
        required: true,
        schema: { type: 'string' },
      };
      withPath.parameters = [pathParam, ...(withPath.parameters ?? [])];
      return {
        [`${item}/proxy`]: connect(p.proxyParams, `${kind}ProxyOptions`, methods),
        [`${item}/proxy/{path}`]: withPath,
      };
    }
  }
}
