// The paths of one resource in an OpenAPI v3 document: collection and item
// operations, the deprecated watch paths and the subresources, each tagged
// with x-kubernetes-action and x-kubernetes-group-version-kind as upstream
// tags them (kubectl finds "the PATCH of kind X" by that extension).
import type { ResourceInfo } from '../resources.ts';
import {
  anyBody,
  cap,
  type Gvk,
  json,
  type OpSpec,
  operation,
  type PathItem,
  patchBody,
  type ResourceContext,
  responses,
} from './operations.ts';
import * as p from './parameters.ts';
import { ref, type SchemaSet } from './schemas.ts';
import { subresourcePaths } from './subresource-paths.ts';

export type { PathItem };

export interface ResourceModels {
  kind: string;
  list: string;
}

/** "coordination.k8s.io" → "Coordination", "" → "Core": the word upstream puts in operation ids. */
function groupWord(group: string): string {
  if (!group) return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split('.')
    .map(cap)
    .join('');
}

export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const byName = (params: p.Parameter[]) => [...params].sort((a, b) => a.name.localeCompare(b.name));

/** Builds paths for one resource, adding the schemas they reference to `schemas`. */
export function resourcePaths(
  info: ResourceInfo,
  modelIds: ResourceModels,
  schemas: SchemaSet,
): Record<string, PathItem> {
  const base = `/${groupVersionPath(info.group, info.version)}`;
  const word = groupWord(info.group);
  const collection = `${base}${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.plural}`;
  const kind = info.kind;
  const c: ResourceContext = {
    kind,
    gvk: { group: info.group, version: info.version, kind } satisfies Gvk,
    idWord: `${word}${cap(info.version)}`,
    ns: info.namespaced ? 'Namespaced' : '',
    tag: `${word.charAt(0).toLowerCase()}${word.slice(1)}_${info.version}`,
    item: `${collection}/{name}`,
    itemScope: info.namespaced ? [p.pathName(kind), p.pathNamespace, p.pretty] : [p.pathName(kind), p.pretty],
    obj: ref(schemas.addModel(modelIds.kind)),
    schemas,
  };
  const { idWord, ns, gvk, obj } = c;
  const op = (o: OpSpec) => operation(c.tag, o);
  const list = ref(schemas.addModel(modelIds.list));
  const deleteOptions = { content: { '*/*': { schema: ref(schemas.addModel('V1DeleteOptions')) } } };
  const watchEvent = ref(schemas.addMeta('WatchEvent'));
  const listTypes = { ...json(list), 'application/json;stream=watch': { schema: list } };
  const watchTypes = { ...json(watchEvent), 'application/json;stream=watch': { schema: watchEvent } };
  const scope = info.namespaced ? [p.pathNamespace, p.pretty] : [p.pretty];

  const paths: Record<string, PathItem> = {};
  paths[collection] = {
    delete: op({
      description: `delete a collection of ${kind}`,
      id: `delete${idWord}Collection${ns}${kind}`,
      action: 'deletecollection',
      gvk,
      parameters: p.deleteCollectionParams,
      body: deleteOptions,
      responses: responses({ 200: 'OK' }, ref(schemas.addModel('V1Status'))),
    }),
    get: op({
      description: `list or watch objects of kind ${kind}`,
      id: `list${idWord}${ns}${kind}`,
      action: 'list',
      gvk,
      parameters: p.listParams,
      responses: responses({ 200: 'OK' }, list, listTypes),
    }),
    parameters: scope,
    post: op({
      description: `create a ${kind}`,
      id: `create${idWord}${ns}${kind}`,
      action: 'post',
      gvk,
      parameters: p.writeParams,
      body: anyBody(obj),
      responses: responses({ 200: 'OK', 201: 'Created', 202: 'Accepted' }, obj),
    }),
  };
  paths[c.item] = {
    delete: op({
      description: `delete a ${kind}`,
      id: `delete${idWord}${ns}${kind}`,
      action: 'delete',
      gvk,
      parameters: p.deleteParams,
      body: deleteOptions,
      responses: responses({ 200: 'OK', 202: 'Accepted' }, obj),
    }),
    get: op({
      description: `read the specified ${kind}`,
      id: `read${idWord}${ns}${kind}`,
      action: 'get',
      gvk,
      responses: responses({ 200: 'OK' }, obj),
    }),
    parameters: c.itemScope,
    patch: op({
      description: `partially update the specified ${kind}`,
      id: `patch${idWord}${ns}${kind}`,
      action: 'patch',
      gvk,
      parameters: p.patchParams,
      body: patchBody(ref(schemas.addMeta('Patch'))),
      responses: responses({ 200: 'OK', 201: 'Created' }, obj),
    }),
    put: op({
      description: `replace the specified ${kind}`,
      id: `replace${idWord}${ns}${kind}`,
      action: 'put',
      gvk,
      parameters: p.writeParams,
      body: anyBody(obj),
      responses: responses({ 200: 'OK', 201: 'Created' }, obj),
    }),
  };
  if (info.namespaced) {
    paths[`${base}/${info.plural}`] = {
      get: op({
        description: `list or watch objects of kind ${kind} in every namespace`,
        id: `list${idWord}${kind}ForAllNamespaces`,
        action: 'list',
        gvk,
        responses: responses({ 200: 'OK' }, list, listTypes),
      }),
      parameters: byName([...p.listParams, p.pretty]),
    };
  }

  const deprecated = "Deprecated: use the 'watch' parameter of the list operation instead.";
  const watchList = (description: string, id: string, parameters: p.Parameter[]): PathItem => ({
    get: op({
      description,
      id,
      action: 'watchlist',
      gvk,
      responses: responses({ 200: 'OK' }, watchEvent, watchTypes),
    }),
    parameters: byName([...p.listParams, ...parameters]),
  });
  const watchBase = `${base}/watch${info.namespaced ? '/namespaces/{namespace}' : ''}/${info.plural}`;
  paths[watchBase] = watchList(
    `watch changes to a list of ${kind}. ${deprecated}`,
    `watch${idWord}${ns}${kind}List`,
    scope,
  );
  paths[`${watchBase}/{name}`] = {
    get: op({
      description: `watch changes to one ${kind}. ${deprecated}`,
      id: `watch${idWord}${ns}${kind}`,
      action: 'watch',
      gvk,
      responses: responses({ 200: 'OK' }, watchEvent, watchTypes),
    }),
    parameters: byName([...p.listParams, ...c.itemScope]),
  };
  if (info.namespaced) {
    paths[`${base}/watch/${info.plural}`] = watchList(
      `watch changes to ${kind} objects in every namespace. ${deprecated}`,
      `watch${idWord}${kind}ListForAllNamespaces`,
      [p.pretty],
    );
  }

  for (const sub of info.subresources) Object.assign(paths, subresourcePaths(sub, c));
  return paths;
}
