// How objects are kept in the store: JSON without resourceVersion, which is
// the store's modRevision and is put back on every read (as upstream does
// with etcd), so a stored object never disagrees with its own revision.
import type { KubeObject } from '../../api/object.ts';
import type { StoredObject } from '../../store/types.ts';

export function encodeObject(o: KubeObject): Uint8Array {
  const rv = o.metadata.resourceVersion;
  delete o.metadata.resourceVersion;
  // Not Buffer.from: a small Buffer is a view into a shared 8 KiB pool, which
  // anything keeping the bytes (the store, the watch cache) would keep whole.
  const bytes = new TextEncoder().encode(JSON.stringify(o));
  if (rv !== undefined) o.metadata.resourceVersion = rv;
  return bytes;
}

export function decodeObject(s: StoredObject, revision = s.modRevision): KubeObject {
  const o = JSON.parse(
    Buffer.from(s.value.buffer, s.value.byteOffset, s.value.byteLength).toString('utf8'),
  ) as KubeObject;
  o.metadata.resourceVersion = String(revision);
  return o;
}
