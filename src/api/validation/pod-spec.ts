// A pod spec, wherever it appears: in a Pod or a workload's template.
import type { V1ObjectMeta, V1PodDNSConfig, V1PodSpec } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import {
  type ContainerContext,
  validateAppContainers,
  validateEphemeralContainers,
  validateInitContainers,
} from './containers.ts';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  notSupported,
  required,
  sorted,
} from './field.ts';
import { validateLabels } from './meta.ts';
import {
  inclusiveRangeError,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidIp,
  nameIsDnsSubdomain,
} from './names.ts';
import { validateResourceRequirements } from './resources.ts';
import {
  validateAffinity,
  validateSchedulingGates,
  validateTolerations,
  validateTopologySpread,
} from './scheduling.ts';
import { validatePodSecurityContext } from './security.ts';
import { validateVolumes } from './volumes.ts';

export const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const preemptionPolicies = ['PreemptLowerPriority', 'Never'];
const operatingSystems = sorted(['linux', 'windows']);
const maxInt32 = 2147483647;

function validateEnum(value: string | undefined, allowed: string[], path: string): StatusCause[] {
  if (!value) return [required(path)];
  return allowed.includes(value) ? [] : [notSupported(path, value, allowed)];
}

function validateDnsConfig(
  cfg: V1PodDNSConfig | undefined,
  policy: string | undefined,
  path: string,
): StatusCause[] {
  if (policy === 'None') {
    if (!cfg) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!cfg.nameservers?.length) {
      return [
        required(
          child(path, 'nameservers'),
          'must provide at least one DNS nameserver when `dnsPolicy` is None',
        ),
      ];
    }
  }
  if (!cfg) return [];
  const errs: StatusCause[] = [];
  const ns = cfg.nameservers ?? [];
  if (ns.length > 3)
    errs.push(invalid(child(path, 'nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => {
    errs.push(...invalidEach(index(child(path, 'nameservers'), i), ip, isValidIp(ip)));
  });
  const searches = cfg.searches ?? [];
  if (searches.length > 32)
    errs.push(invalid(child(path, 'searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(
      invalid(
        child(path, 'searches'),
        searches,
        'must not have more than 2048 characters (including spaces) in the search list',
      ),
    );
  }
  searches.forEach((s, i) => {
    // A trailing dot marks a fully qualified name.
    const name = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...invalidEach(index(child(path, 'searches'), i), name, isDns1123Subdomain(name)));
  });
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(required(index(child(path, 'options'), i), 'must not be empty'));
  });
  return errs;
}

export interface PodSpecOptions {
  /** The spec belongs to a Pod itself (not a template): stricter on a few fields. */
  isPod: boolean;
  /** The pod's metadata, when validating a real pod (ephemeral volume claim names need it). */
  podMeta?: V1ObjectMeta;
}

export function validatePodSpec(
  spec: V1PodSpec | undefined,
  path: string,
  opts: PodSpecOptions,
): StatusCause[] {
  const s: V1PodSpec = spec ?? ({ containers: [] } as V1PodSpec);
  const errs: StatusCause[] = [];
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  }
  const hostUsers = s.hostUsers !== false;
  const volumes = validateVolumes(s.volumes, opts.podMeta?.name, child(path, 'volumes'), opts.isPod);
  errs.push(...volumes.causes);
  const claimNames = new Set<string>();
  (s.resourceClaims ?? []).forEach((c, i) => {
    const np = child(index(child(path, 'resourceClaims'), i), 'name');
    if (!c.name) errs.push(required(np));
    else if (claimNames.has(c.name)) errs.push(duplicate(np, c.name));
    else {
      errs.push(...invalidEach(np, c.name, isDns1123Label(c.name)));
      claimNames.add(c.name);
    }
  });
  const ctx: ContainerContext = {
    volumes: volumes.byName,
    podClaimNames: claimNames,
    gracePeriod: s.terminationGracePeriodSeconds ?? undefined,
    restartPolicy: s.restartPolicy ?? '',
    hostUsers,
  };
  errs.push(...validateAppContainers(s.containers, ctx, child(path, 'containers')));
  errs.push(...validateInitContainers(s.initContainers, s.containers, ctx, child(path, 'initContainers')));
  errs.push(
    ...validateEphemeralContainers(s.ephemeralContainers, s, ctx, child(path, 'ephemeralContainers')),
  );
  if (s.resources) errs.push(...validateResourceRequirements(s.resources, child(path, 'resources'), 'pod'));
  if (s.hostNetwork) {
    (s.containers ?? []).forEach((c, i) => {
      (c.ports ?? []).forEach((port, j) => {
        const hp = port.hostPort ?? 0;
        // Templates may leave hostPort 0: it is defaulted when the pod is created.
        if ((opts.isPod || hp !== 0) && hp !== port.containerPort) {
          const p = child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort');
          errs.push(invalid(p, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  errs.push(...validateEnum(s.restartPolicy, restartPolicies, child(path, 'restartPolicy')));
  errs.push(...validateEnum(s.dnsPolicy, dnsPolicies, child(path, 'dnsPolicy')));
  errs.push(...validateLabels(s.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(s, path));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    if (Object.keys(ref).some((k) => k !== 'name'))
      errs.push(invalid(index(child(path, 'imagePullSecrets'), i), ref, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, child(path, 'affinity')));
  errs.push(...validateDnsConfig(s.dnsConfig, s.dnsPolicy, child(path, 'dnsConfig')));
  (s.readinessGates ?? []).forEach((g, i) => {
    const p = child(index(child(path, 'readinessGates'), i), 'conditionType');
    errs.push(...invalidEach(p, g.conditionType ?? '', isQualifiedName(g.conditionType ?? '')));
  });
  errs.push(...validateSchedulingGates(s.schedulingGates, child(path, 'schedulingGates')));
  errs.push(...validateTopologySpread(s.topologySpreadConstraints, child(path, 'topologySpreadConstraints')));
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName'] as const) {
    const v = s[f];
    if (v) errs.push(...invalidEach(child(path, f), v, nameIsDnsSubdomain(v, false)));
  }
  const ads = s.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (ads < 1 || ads > maxInt32)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), ads, inclusiveRangeError(1, maxInt32)));
  }
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = s[f];
    if (v) errs.push(...invalidEach(child(path, f), v, isDns1123Label(v)));
  }
  if (s.tolerations?.length) errs.push(...validateTolerations(s.tolerations, child(path, 'tolerations')));
  (s.hostAliases ?? []).forEach((a, i) => {
    const p = index(child(path, 'hostAliases'), i);
    errs.push(...invalidEach(child(p, 'ip'), a.ip ?? '', isValidIp(a.ip ?? '')));
    (a.hostnames ?? []).forEach((h, j) => {
      errs.push(...invalidEach(index(child(p, 'hostnames'), j), h, isDns1123Subdomain(h)));
    });
  });
  if (s.runtimeClassName !== undefined && s.runtimeClassName !== null) {
    errs.push(
      ...invalidEach(
        child(path, 'runtimeClassName'),
        s.runtimeClassName,
        isDns1123Subdomain(s.runtimeClassName),
      ),
    );
  }
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    errs.push(...validateEnum(s.preemptionPolicy, preemptionPolicies, child(path, 'preemptionPolicy')));
  }
  if (s.overhead) errs.push(...validateResourceRequirements({ limits: s.overhead }, child(path, 'overhead')));
  if (s.os) {
    if (!s.os.name) errs.push(required(child(path, 'os', 'name'), 'cannot be empty'));
    else if (!operatingSystems.includes(s.os.name))
      errs.push(notSupported(child(path, 'os'), s.os.name, operatingSystems));
    else if (s.os.name === 'linux') {
      if (s.securityContext?.windowsOptions) {
        errs.push(
          forbidden(
            child(path, 'securityContext', 'windowsOptions'),
            'windows options cannot be set for a linux pod',
          ),
        );
      }
    }
  }
  return errs;
}
