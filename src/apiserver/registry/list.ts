// Listing with selectors and paging. The first page comes from the watch
// cache's snapshot; later pages read the store at the snapshot's revision,
// so every page of one list shows the same moment, as upstream's continue
// tokens promise.
import { selectableFields } from '../../api/fields.ts';
import type { KubeObject } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import type { FieldSelector, Selector } from '../../api/selectors.ts';
import { errors } from '../../api/status.ts';
import type { Store } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';
import type { WatchCache } from '../watch-cache.ts';
import { decodeObject } from './codec.ts';
import type { ListResult } from './types.ts';

export interface Filter {
  labels: Selector;
  fields: FieldSelector;
}

export function matches(info: ResourceInfo, f: Filter, o: KubeObject): boolean {
  return (
    (f.labels.empty || f.labels.matches(o.metadata.labels)) &&
    (f.fields.empty || f.fields.matches(selectableFields(info, o)))
  );
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

function decodeContinue(token: string, prefix: string): ContinueToken {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (
      raw.v !== 'meta.k8s.io/v1' ||
      typeof raw.rv !== 'number' ||
      typeof raw.start !== 'string' ||
      raw.rv <= 0
    ) {
      throw new Error('bad token');
    }
    return { rv: raw.rv, start: prefix + raw.start };
  } catch {
    throw errors.badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

const expiredContinue =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface ListSource {
  info: ResourceInfo;
  store: Store;
  cache: WatchCache;
}

/** Reads from the cache's snapshot (first page or unpaged). */
export function listFromCache(src: ListSource, prefix: string, filter: Filter, limit: number): ListResult {
  const snap = src.cache.snapshot(prefix);
  const items: KubeObject[] = [];
  let i = 0;
  for (; i < snap.items.length; i++) {
    const o = snap.items[i][1];
    if (!matches(src.info, filter, o)) continue;
    if (limit > 0 && items.length === limit) break;
    items.push(o);
  }
  const result: ListResult = { items, resourceVersion: String(snap.revision) };
  if (limit > 0 && i < snap.items.length) {
    const lastKey = snap.items[i - 1][0];
    result.continue = encodeContinue({ rv: snap.revision, start: `${lastKey.slice(prefix.length)}\u0000` });
    if (filter.labels.empty && filter.fields.empty) result.remainingItemCount = snap.items.length - i;
  }
  return result;
}

/** Reads the store as of a revision: continued pages, and resourceVersionMatch=Exact. */
export async function listFromStore(
  src: ListSource,
  prefix: string,
  filter: Filter,
  limit: number,
  at: { revision: number; startAfter?: string; fromContinue: boolean },
): Promise<ListResult> {
  const items: KubeObject[] = [];
  let startAfter = at.startAfter;
  let more = false;
  let lastKey = '';
  try {
    for (;;) {
      const chunk = await src.store.list(prefix, {
        revision: at.revision,
        limit: limit > 0 ? Math.max(limit, 100) : 0,
        startAfter,
      });
      let k = 0;
      for (; k < chunk.items.length; k++) {
        const o = decodeObject(chunk.items[k]);
        if (!matches(src.info, filter, o)) continue;
        if (limit > 0 && items.length === limit) break;
        items.push(o);
        lastKey = chunk.items[k].key;
      }
      if (limit > 0 && items.length === limit && (k < chunk.items.length || chunk.more)) {
        more = true;
        break;
      }
      if (!chunk.more || chunk.items.length === 0) break;
      startAfter = chunk.items[chunk.items.length - 1].key;
    }
  } catch (err) {
    if (err instanceof StoreError && err.code === 'Compacted') {
      throw at.fromContinue
        ? errors.gone(expiredContinue)
        : errors.gone(`too old resource version: ${at.revision}`);
    }
    throw err;
  }
  const result: ListResult = { items, resourceVersion: String(at.revision) };
  if (more)
    result.continue = encodeContinue({ rv: at.revision, start: `${lastKey.slice(prefix.length)}\u0000` });
  return result;
}

export function parseContinue(token: string, prefix: string): { revision: number; startAfter: string } {
  const t = decodeContinue(token, prefix);
  // The token's start is "lastKey\0": list keys strictly after lastKey.
  return { revision: t.rv, startAfter: t.start.endsWith('\u0000') ? t.start.slice(0, -1) : t.start };
}
