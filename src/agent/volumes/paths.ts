// Where a pod's volumes live on the node, laid out as the kubelet lays them
// out (<pods>/<uid>/volumes/kubernetes.io~<plugin>/<name>) so operators find
// them where they expect.
import { join } from 'node:path';

export type PluginDir =
  | 'kubernetes.io~empty-dir'
  | 'kubernetes.io~configmap'
  | 'kubernetes.io~secret'
  | 'kubernetes.io~downward-api'
  | 'kubernetes.io~projected';

/** A pod UID or volume name is used as one path segment; refuse anything that could leave the pod dir. */
function segment(what: string, s: string): string {
  if (!s || s === '.' || s === '..' || s.includes('/') || s.includes('\0'))
    throw new Error(`invalid ${what} for a path: ${JSON.stringify(s)}`);
  return s;
}

export function podDir(podsDir: string, podUid: string): string {
  return join(podsDir, segment('pod uid', podUid));
}

export function podVolumesDir(podsDir: string, podUid: string): string {
  return join(podDir(podsDir, podUid), 'volumes');
}

export function volumeDir(podsDir: string, podUid: string, plugin: PluginDir, name: string): string {
  return join(podVolumesDir(podsDir, podUid), plugin, segment('volume name', name));
}
