// Whole OpenAPI v3 documents: one per served group-version, and the root
// that lists them. Pure functions of the resource table and the type graph;
// OpenApiV3Service (service.ts) serializes and caches them.
import { groupVersions, type ResourceInfo, resources } from '../resources.ts';
import { models } from '../schema.ts';
import { groupVersionPath, resourcePaths } from './paths.ts';
import { kindsByModel, SchemaSet } from './schemas.ts';

export { groupVersionPath };

/** Every served group-version as its document path: "api/v1", "apis/apps/v1", … */
export function documentPaths(): string[] {
  return groupVersions().map((gv) => groupVersionPath(gv.group, gv.version));
}

function modelsOf(info: ResourceInfo): { kind: string; list: string } {
  const gv = info.group ? `${info.group}/${info.version}` : info.version;
  const kind = models().kinds[`${gv}/${info.kind}`];
  const list = models().kinds[`${gv}/${info.listKind}`];
  if (!kind || !list) throw new Error(`no model for ${gv} ${info.kind}`);
  return { kind, list };
}

/** The document for one group-version path, or undefined when orca serves no such group-version. */
export function buildDocument(path: string): Record<string, unknown> | undefined {
  const infos = resources.filter((r) => groupVersionPath(r.group, r.version) === path);
  if (!infos.length) return undefined;
  const schemas = new SchemaSet(kindsByModel(groupVersions()));
  const paths: Record<string, unknown> = {};
  for (const info of infos) Object.assign(paths, resourcePaths(info, modelsOf(info), schemas));
  const sortedPaths: Record<string, unknown> = {};
  for (const key of Object.keys(paths).sort()) sortedPaths[key] = paths[key];
  return {
    components: { schemas: schemas.sorted() },
    info: { title: 'Kubernetes', version: 'unversioned' },
    openapi: '3.0.0',
    paths: sortedPaths,
  };
}
