// Container defaults: pull policy from the image tag, termination message
// settings, port protocols, downward API versions, probe timings.
import type { V1Container, V1EnvVar, V1Probe } from '@kubernetes/client-node';
import { isRecord } from '../validation/object.ts';
import { canonicalizeQuantityField, canonicalizeRequirements } from './quantities.ts';

// The container image reference grammar (distribution/reference), enough to
// find the tag the way the kubelet's image puller does.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const reference = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);

export interface ImageRef {
  tag?: string;
  digest?: string;
}

/** Tag and digest of an image reference, or undefined when it does not parse. */
export function parseImageRef(image: string): ImageRef | undefined {
  const m = reference.exec(image);
  if (!m || m[1].length > 255 || /^[a-f0-9]{64}$/.test(m[1])) return undefined;
  return { tag: m[2], digest: m[3] };
}

/** "Always" for :latest or untagged images, "IfNotPresent" otherwise (pinned tags and digests). */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  const ref = parseImageRef(image ?? '');
  if (!ref) return 'IfNotPresent';
  const effectiveTag = ref.tag ?? (ref.digest ? undefined : 'latest');
  return effectiveTag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** httpGet path "/" and scheme HTTP, wherever an HTTP action appears. */
export function defaultHttpGet(action: unknown): void {
  if (!isRecord(action)) return;
  if (!action.path) action.path = '/';
  if (!action.scheme) action.scheme = 'HTTP';
}

export function defaultProbe(probe: V1Probe | undefined): void {
  if (!probe) return;
  // Zero means "unset" for these, as in upstream.
  if (!probe.timeoutSeconds) probe.timeoutSeconds = 1;
  if (!probe.periodSeconds) probe.periodSeconds = 10;
  if (!probe.successThreshold) probe.successThreshold = 1;
  if (!probe.failureThreshold) probe.failureThreshold = 3;
  defaultHttpGet(probe.httpGet);
}

export function defaultFieldRef(ref: unknown): void {
  if (isRecord(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
}

function defaultEnv(env: V1EnvVar[] | undefined): void {
  for (const ev of env ?? []) {
    defaultFieldRef(ev.valueFrom?.fieldRef);
    canonicalizeQuantityField(ev.valueFrom?.resourceFieldRef, 'divisor');
  }
}

/** Defaults for app, init and ephemeral containers alike. */
export function defaultContainer(c: V1Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const port of c.ports ?? []) {
    if (!port.protocol) port.protocol = 'TCP';
  }
  defaultEnv(c.env);
  // Upstream always serialises this struct, so even containers without resources show `resources: {}`.
  if (!isRecord(c.resources)) c.resources = {};
  canonicalizeRequirements(c.resources);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHttpGet(c.lifecycle?.postStart?.httpGet);
  defaultHttpGet(c.lifecycle?.preStop?.httpGet);
}
