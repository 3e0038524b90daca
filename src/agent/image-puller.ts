// Makes a container's image present per its imagePullPolicy, with the pod's
// imagePullSecrets, reporting Pulling/Pulled/Failed/BackOff events and
// backing off between failed pulls as the kubelet does (ErrImagePull, then
// ImagePullBackOff while the back-off runs).
import type { KubeObject } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import type { Client } from '../client/types.ts';
import type { DockerConfigJson, ImageStore } from '../images/index.ts';
import { normalizeReference, shouldPull } from '../images/index.ts';
import type { Backoff } from './backoff.ts';

const secrets = resources.find((r) => r.kind === 'Secret' && r.group === '')!;

export interface EventSink {
  /** fieldPath names the container, e.g. spec.containers{web}, as the kubelet's events do. */
  event(
    obj: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    opts?: { fieldPath?: string },
  ): void;
}

export type PullOutcome =
  | { kind: 'ready'; imageID: string; image: string }
  | {
      kind: 'failed';
      reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName';
      message: string;
      retryAfterMs?: number;
    };

export class ImagePuller {
  private readonly images: ImageStore;
  private readonly client: Client;
  private readonly backoff: Backoff;
  private readonly events: EventSink;

  constructor(images: ImageStore, client: Client, backoff: Backoff, events: EventSink) {
    this.images = images;
    this.client = client;
    this.backoff = backoff;
    this.events = events;
  }

  private async pullSecrets(pod: KubeObject, signal: AbortSignal): Promise<DockerConfigJson[]> {
    const out: DockerConfigJson[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      const s = await this.client.get(secrets, pod.metadata.namespace, ref.name, signal);
      const raw = s?.data?.['.dockerconfigjson'];
      if (!raw) continue;
      try {
        out.push(JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as DockerConfigJson);
      } catch {
        // An unreadable secret is skipped, as the kubelet does; the pull then fails on auth.
      }
    }
    return out;
  }

  /** fieldPath names the container in the pod (spec.containers{web}) for the events. */
  async ensure(
    pod: KubeObject,
    container: { name: string; image: string; imagePullPolicy?: string },
    fieldPath: string,
    signal: AbortSignal,
  ): Promise<PullOutcome> {
    let ref: string;
    try {
      ref = normalizeReference(container.image);
    } catch (err) {
      return {
        kind: 'failed',
        reason: 'InvalidImageName',
        message: `Failed to apply default image tag "${container.image}": ${(err as Error).message}`,
      };
    }
    const policy = (container.imagePullPolicy ?? 'IfNotPresent') as 'Always' | 'IfNotPresent' | 'Never';
    const present = await this.images.has(ref);
    if (!shouldPull(policy, present)) {
      if (!present) {
        const message = `Container image "${container.image}" is not present with pull policy of Never`;
        this.events.event(pod, 'Warning', 'ErrImageNeverPull', message, { fieldPath });
        return { kind: 'failed', reason: 'ErrImageNeverPull', message };
      }
      const info = await this.images.imageConfig(ref);
      if (policy !== 'Always')
        this.events.event(
          pod,
          'Normal',
          'Pulled',
          `Container image "${container.image}" already present on machine`,
          { fieldPath },
        );
      return {
        kind: 'ready',
        imageID: info.repoDigests[0] ?? info.imageID,
        image: info.references[0] ?? ref,
      };
    }
    const key = `pull/${ref}`;
    const wait = this.backoff.remaining(key);
    if (wait > 0) {
      const message = `Back-off pulling image "${container.image}"`;
      this.events.event(pod, 'Normal', 'BackOff', message, { fieldPath });
      return { kind: 'failed', reason: 'ImagePullBackOff', message, retryAfterMs: wait };
    }
    this.events.event(pod, 'Normal', 'Pulling', `Pulling image "${container.image}"`, { fieldPath });
    const started = performance.now();
    try {
      const dockerConfigs = await this.pullSecrets(pod, signal);
      const result = await this.images.pull(ref, { dockerConfigs, signal });
      this.backoff.forget(key);
      const info = await this.images.imageConfig(result.reference);
      const secs = ((performance.now() - started) / 1000).toFixed(3);
      this.events.event(
        pod,
        'Normal',
        'Pulled',
        `Successfully pulled image "${container.image}" in ${secs}s`,
        { fieldPath },
      );
      return {
        kind: 'ready',
        imageID: info.repoDigests[0] ?? info.imageID,
        image: info.references[0] ?? ref,
      };
    } catch (err) {
      this.backoff.next(key);
      const message = `Failed to pull image "${container.image}": ${(err as Error).message}`;
      this.events.event(pod, 'Warning', 'Failed', message, { fieldPath });
      this.events.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull', { fieldPath });
      return { kind: 'failed', reason: 'ErrImagePull', message, retryAfterMs: this.backoff.remaining(key) };
    }
  }
}
