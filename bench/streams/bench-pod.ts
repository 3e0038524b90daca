// The pod the stream benchmark talks to: busybox httpd serving a file of
// random bytes from a memory-backed emptyDir (so the disk is not what is
// measured), and a sink that stores each uploaded connection in a file of
// its own on another such volume, so uploads can be checked afterwards.

import { createHash } from 'node:crypto';
import { type Cluster, testImage } from '../../test/helpers/cluster.ts';

export const benchPod = 'streams-bench';
export const httpPort = 8080;
export const sinkPort = 9000;
export const bigFile = '/www/big';
export const uploadGlob = '/up/in.*';

function manifest(): string {
  // nc -ll -e forks a `sh` per connection; $$ is that shell's pid, unique per upload. Kubernetes
  // expands $(VAR) in a command and turns $$ into $, hence $$$$.
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${benchPod}
spec:
  terminationGracePeriodSeconds: 0
  volumes:
  - { name: www, emptyDir: { medium: Memory } }
  - { name: up, emptyDir: { medium: Memory } }
  containers:
  - name: web
    image: ${testImage}
    command: ["httpd", "-f", "-p", "${httpPort}", "-h", "/www"]
    volumeMounts: [{ name: www, mountPath: /www }]
  - name: sink
    image: ${testImage}
    command: ["nc", "-ll", "-p", "${sinkPort}", "-e", "sh", "-c", "cat > /up/in.$$$$"]
    volumeMounts: [{ name: up, mountPath: /up }]
`;
}

/** Creates the pod, waits until it is Ready and writes `mib` MiB of random bytes to the served file. */
export async function startBenchPod(cluster: Cluster, mib: number): Promise<void> {
  await cluster.kubectl(['apply', '-f', '-'], { input: manifest() });
  await cluster.kubectl(['wait', `pod/${benchPod}`, '--for=condition=Ready', '--timeout=120s'], {
    timeoutMs: 130_000,
  });
  await cluster.kubectl(
    [
      'exec',
      benchPod,
      '-c',
      'web',
      '--',
      'sh',
      '-c',
      `dd if=/dev/urandom of=${bigFile}.tmp bs=1M count=${mib} 2>/dev/null && mv ${bigFile}.tmp ${bigFile}`,
    ],
    { timeoutMs: 120_000 },
  );
}

/** sha256 of the served file, as the pod computes it. */
export async function servedDigest(cluster: Cluster): Promise<string> {
  const out = await cluster.kubectl(['exec', benchPod, '-c', 'web', '--', 'sha256sum', bigFile]);
  return out.stdout.split(' ')[0];
}

/** sha256 of every upload the sink stored, then removes them (they live in memory). */
export async function takeUploads(cluster: Cluster): Promise<string[]> {
  const out = await cluster.kubectl(
    ['exec', benchPod, '-c', 'sink', '--', 'sh', '-c', `sha256sum ${uploadGlob}; rm -f ${uploadGlob}`],
    { timeoutMs: 120_000 },
  );
  return out.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' ')[0]);
}

/** What an upload of `bytes` made of `block` repeated hashes to. */
export function repeatedDigest(block: Buffer, bytes: number): string {
  const h = createHash('sha256');
  for (let left = bytes; left > 0; left -= block.length)
    h.update(left >= block.length ? block : block.subarray(0, left));
  return h.digest('hex');
}
