// Containers: what every container must satisfy, plus the rules that differ
// between app, init and ephemeral containers. Names are unique across all
// three lists, since they share one namespace inside the pod.
import type { V1Container, V1ContainerPort, V1EphemeralContainer, V1Volume } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { validateEnv, validateEnvFrom } from './env.ts';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  notFound,
  notSupported,
  required,
  sorted,
} from './field.ts';
import { validateVolumeDevices, validateVolumeMounts } from './mounts.ts';
import { isDns1123Label, isValidPortName, isValidPortNum } from './names.ts';
import { validateLifecycle, validateProbe } from './probes.ts';
import { validateResourceRequirements } from './resources.ts';
import { validateContainerSecurityContext } from './security.ts';
import { validatePullPolicy } from './volumes.ts';

export const portProtocols = sorted(['TCP', 'UDP', 'SCTP']);
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];

/** What container checks need to know about the pod around them. */
export interface ContainerContext {
  volumes: Map<string, V1Volume>;
  podClaimNames: ReadonlySet<string>;
  gracePeriod?: number;
  restartPolicy: string;
  hostUsers: boolean;
}

function validatePorts(ports: V1ContainerPort[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = index(path, i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.push(...invalidEach(child(p, 'name'), port.name, msgs));
      else if (names.has(port.name)) errs.push(duplicate(child(p, 'name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(child(p, 'containerPort')));
    else
      errs.push(
        ...invalidEach(child(p, 'containerPort'), port.containerPort, isValidPortNum(port.containerPort)),
      );
    if (port.hostPort)
      errs.push(...invalidEach(child(p, 'hostPort'), port.hostPort, isValidPortNum(port.hostPort)));
    if (!port.protocol) errs.push(required(child(p, 'protocol')));
    else if (!portProtocols.includes(port.protocol))
      errs.push(notSupported(child(p, 'protocol'), port.protocol, portProtocols));
  });
  return errs;
}

const resizeResources = ['cpu', 'memory'];
const resizePolicies = ['NotRequired', 'RestartContainer'];

function validateResizePolicy(ctr: V1Container, restartPolicy: string, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  (ctr.resizePolicy ?? []).forEach((rp, i) => {
    if (seen.has(rp.resourceName)) errs.push(duplicate(index(path, i), rp.resourceName));
    seen.add(rp.resourceName);
    if (!rp.resourceName) errs.push(required(path));
    else if (!resizeResources.includes(rp.resourceName))
      errs.push(notSupported(path, rp.resourceName, resizeResources));
    if (!rp.restartPolicy) errs.push(required(path));
    else if (!resizePolicies.includes(rp.restartPolicy))
      errs.push(notSupported(path, rp.restartPolicy, resizePolicies));
    if (restartPolicy === 'Never' && rp.restartPolicy !== 'NotRequired') {
      errs.push(
        invalid(path, rp.restartPolicy ?? '', "must be 'NotRequired' when `restartPolicy` is 'Never'"),
      );
    }
  });
  return errs;
}

/** Checks every kind of container shares: name, image, ports, env, mounts, resources. */
export function validateContainerCommon(
  ctr: V1Container,
  ctx: ContainerContext,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const namePath = child(path, 'name');
  if (!ctr.name) errs.push(required(namePath));
  else errs.push(...invalidEach(namePath, ctr.name, isDns1123Label(ctr.name)));
  if (!ctr.image) errs.push(required(child(path, 'image')));
  const tmp = ctr.terminationMessagePolicy;
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!terminationMessagePolicies.includes(tmp)) {
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, terminationMessagePolicies));
  }
  errs.push(...validatePorts(ctr.ports, child(path, 'ports')));
  errs.push(...validateEnv(ctr.env, child(path, 'env')));
  errs.push(...validateEnvFrom(ctr.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(ctr, ctx, child(path, 'volumeMounts')));
  errs.push(...validateVolumeDevices(ctr, ctx, child(path, 'volumeDevices')));
  errs.push(...validatePullPolicy(ctr.imagePullPolicy, child(path, 'imagePullPolicy')));
  errs.push(
    ...validateResourceRequirements(ctr.resources, child(path, 'resources'), 'container', ctx.podClaimNames),
  );
  errs.push(...validateResizePolicy(ctr, ctx.restartPolicy, child(path, 'resizePolicy')));
  errs.push(
    ...validateContainerSecurityContext(ctr.securityContext, ctx.hostUsers, child(path, 'securityContext')),
  );
  return errs;
}

function validateProbesAndHooks(ctr: V1Container, ctx: ContainerContext, path: string): StatusCause[] {
  return [
    ...(ctr.lifecycle ? validateLifecycle(ctr.lifecycle, ctx.gracePeriod, child(path, 'lifecycle')) : []),
    ...validateProbe('livenessProbe', ctr.livenessProbe, ctx.gracePeriod, child(path, 'livenessProbe')),
    ...validateProbe('readinessProbe', ctr.readinessProbe, ctx.gracePeriod, child(path, 'readinessProbe')),
    ...validateProbe('startupProbe', ctr.startupProbe, ctx.gracePeriod, child(path, 'startupProbe')),
  ];
}

/** Host ports may not collide (same protocol, host IP and port). */
function checkHostPorts(containers: V1Container[], path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const id = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(id))
        errs.push(duplicate(child(index(child(index(path, ci), 'ports'), pi), 'hostPort'), id));
      seen.add(id);
    });
  });
  return errs;
}

export function validateAppContainers(
  containers: V1Container[] | undefined,
  ctx: ContainerContext,
  path: string,
): StatusCause[] {
  if (!containers?.length) return [required(path)];
  const errs: StatusCause[] = [];
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, ctx, p));
    if (names.has(ctr.name)) errs.push(duplicate(child(p, 'name'), ctr.name));
    else names.add(ctr.name);
    errs.push(...validateProbesAndHooks(ctr, ctx, p));
    if (ctr.restartPolicy !== undefined)
      errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPorts(containers, path));
  return errs;
}

const initOnly = 'may not be set for init containers without restartPolicy=Always';

export function validateInitContainers(
  inits: V1Container[] | undefined,
  apps: V1Container[] | undefined,
  ctx: ContainerContext,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const names = new Set((apps ?? []).map((c) => c.name));
  (inits ?? []).forEach((ctr, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, ctx, p));
    let sidecar = false;
    if (ctr.restartPolicy !== undefined) {
      if (ctr.restartPolicy === 'Always') sidecar = true;
      else errs.push(notSupported(child(p, 'restartPolicy'), ctr.restartPolicy, ['Always']));
    }
    if (names.has(ctr.name)) errs.push(duplicate(child(p, 'name'), ctr.name));
    else if (ctr.name) names.add(ctr.name);
    // Init containers run one at a time, so only ports within one can clash.
    errs.push(...checkHostPorts([ctr], path));
    if (sidecar) errs.push(...validateProbesAndHooks(ctr, ctx, p));
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (ctr[f]) errs.push(forbidden(child(p, f), initOnly));
      }
    }
  });
  return errs;
}

// Ephemeral containers exist for debugging; anything that would make the pod
// depend on them is refused.
const ephemeralForbidden = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
] as const;

export function validateEphemeralContainers(
  ephemerals: V1EphemeralContainer[] | undefined,
  spec: { containers?: V1Container[]; initContainers?: V1Container[] },
  ctx: ContainerContext,
  path: string,
): StatusCause[] {
  if (!ephemerals?.length) return [];
  const errs: StatusCause[] = [];
  const others = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
  const all = new Set(others);
  ephemerals.forEach((ec, i) => {
    const p = index(path, i);
    errs.push(...validateContainerCommon(ec as V1Container, ctx, p));
    if (ec.image && ec.image.trim() !== ec.image) {
      errs.push(invalid(child(p, 'image'), ec.image, 'must not have leading or trailing whitespace'));
    }
    if (all.has(ec.name)) errs.push(duplicate(child(p, 'name'), ec.name));
    else all.add(ec.name);
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) {
      errs.push(notFound(child(p, 'targetContainerName'), ec.targetContainerName));
    }
    for (const f of ephemeralForbidden) {
      const v = ec[f];
      const set = Array.isArray(v)
        ? v.length > 0
        : v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v).length > 0);
      if (set) errs.push(forbidden(child(p, f), 'cannot be set for an Ephemeral Container'));
    }
    (ec.volumeMounts ?? []).forEach((vm, j) => {
      const mp = index(child(p, 'volumeMounts'), j);
      if (vm.subPath) errs.push(forbidden(child(mp, 'subPath'), 'cannot be set for an Ephemeral Container'));
      if (vm.subPathExpr)
        errs.push(forbidden(child(mp, 'subPathExpr'), 'cannot be set for an Ephemeral Container'));
    });
  });
  return errs;
}
