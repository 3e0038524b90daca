// The one pod both orca and `podman kube play` run: a web server and a
// fetcher sharing an emptyDir and the pod's network namespace (the peer
// baseline's pod), from the busybox test image. The image has no PATH in its
// config, so the pod sets one; commands name their applets by full path.

import { parse } from 'yaml';
import type { KubeObject } from '../../src/api/object.ts';

export const benchImage = 'localhost/busybox:1.35';

/** Names of the containers that must be running for the pod to count as started. */
export const containerNames = ['web', 'fetcher'] as const;

const path = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The manifest for a pod called `name`. Podman 4.3 names an emptyDir volume
 * after the volume, so it carries the pod's name to stay unique per pod.
 */
export function podYaml(name: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  restartPolicy: Never
  volumes:
  - name: ${name}-www
    emptyDir: {}
  containers:
  - name: web
    image: ${benchImage}
    imagePullPolicy: Never
    command: ["/usr/sbin/httpd", "-f", "-p", "8080", "-h", "/www"]
    env:
    - name: PATH
      value: ${path}
    volumeMounts:
    - name: ${name}-www
      mountPath: /www
  - name: fetcher
    image: ${benchImage}
    imagePullPolicy: Never
    command:
    - /bin/sh
    - -c
    - |
      echo "hello from fetcher in pod $(hostname)" > /www/index.html
      i=0
      until wget -q -O /tmp/got http://127.0.0.1:8080/; do
        i=$((i+1)); [ "$i" -ge 100 ] && { echo "FETCH FAILED"; break; }; sleep 0.1
      done
      [ -s /tmp/got ] && echo "FETCHED: $(cat /tmp/got)"
      while true; do sleep 3600; done
    env:
    - name: PATH
      value: ${path}
    volumeMounts:
    - name: ${name}-www
      mountPath: /www
`;
}

export function podObject(name: string): KubeObject {
  return parse(podYaml(name)) as KubeObject;
}

/** Phase Running and every container running and ready: what `kubectl wait --for=condition=Ready` waits for. */
export function podStarted(pod: KubeObject): boolean {
  if (pod.status?.phase !== 'Running') return false;
  const statuses: { name: string; ready?: boolean; state?: { running?: unknown } }[] =
    pod.status?.containerStatuses ?? [];
  return containerNames.every((n) => {
    const s = statuses.find((c) => c.name === n);
    return s?.ready === true && s.state?.running !== undefined;
  });
}
