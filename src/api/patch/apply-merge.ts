// Merging an applied configuration into the live object, as server-side
// apply does before it sorts out ownership: maps and structs merge field by
// field, leaves and atomic values take the applied value, list-map and set
// items merge by identity. `null` in the configuration removes the value.
import { itemElement } from './field-paths.ts';
import { childNode, isJsonObject, type Json, type TypeNode } from './type-node.ts';

type Value = Json | undefined;

export function mergeApplied(live: Value, config: Json, node: TypeNode): Value {
  if (config === null) return undefined;
  const granularMap =
    ((node.kind === 'struct' || node.kind === 'map') && !node.atomic) || node.kind === 'untyped';
  if (granularMap && isJsonObject(config)) {
    const out: Record<string, Json> = isJsonObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config)) {
      const merged = mergeApplied(out[key], value, childNode(node, key));
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  if (node.kind === 'list' && node.listType !== 'atomic' && Array.isArray(config)) {
    return mergeItems(Array.isArray(live) ? live : [], config, node);
  }
  return structuredClone(config);
}

/**
 * Live-only items keep their places; applied items come in the applied
 * order. A live item that the configuration also names waits (is skipped
 * over) until the configuration reaches it, so live-only items after it are
 * not held back behind a reordering.
 */
function mergeItems(live: Json[], config: Json[], node: TypeNode & { kind: 'list' }): Json[] {
  const liveIds = live.map((item, i) => itemElement(node, item, i));
  const configIds = config.map((item, i) => itemElement(node, item, i));
  const liveById = new Map<string, Json>();
  liveIds.forEach((id, i) => {
    if (!liveById.has(id)) liveById.set(id, live[i]);
  });
  const configById = new Map<string, Json>();
  configIds.forEach((id, i) => {
    if (!configById.has(id)) configById.set(id, config[i]);
  });
  const shared = [...new Set(configIds.filter((id) => liveById.has(id)))];
  let nextShared = 0;
  const emitted = new Set<string>();
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < live.length || j < config.length) {
    if (i < live.length) {
      const id = liveIds[i];
      if (!configById.has(id)) {
        out.push(live[i++]);
        continue;
      }
      if (emitted.has(id) || id !== shared[nextShared]) {
        i++;
        continue;
      }
    }
    if (j >= config.length) {
      i++;
      continue;
    }
    const id = configIds[j++];
    if (emitted.has(id)) continue;
    emitted.add(id);
    const merged = mergeApplied(liveById.get(id), configById.get(id) as Json, node.items);
    if (merged !== undefined) out.push(merged);
    if (id === shared[nextShared]) nextShared++;
  }
  return out;
}
