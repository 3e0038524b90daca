// Pod and container security contexts.
import type {
  V1AppArmorProfile,
  V1PodSecurityContext,
  V1PodSpec,
  V1SeccompProfile,
  V1SecurityContext,
} from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
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
  tooLong,
} from './field.ts';
import { isValidUserOrGroupId } from './names.ts';
import { validateLocalDescendingPath } from './volume-files.ts';

const seccompTypes = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateSeccomp(sp: V1SeccompProfile | undefined, path: string): StatusCause[] {
  if (!sp) return [];
  const errs: StatusCause[] = [];
  if (!sp.type) errs.push(required(child(path, 'type'), 'type is required when seccompProfile is set'));
  else if (!seccompTypes.includes(sp.type))
    errs.push(notSupported(child(path, 'type'), sp.type, seccompTypes));
  if (sp.type === 'Localhost') {
    if (sp.localhostProfile === undefined) {
      errs.push(required(child(path, 'localhostProfile'), 'must be set when seccomp type is Localhost'));
    } else {
      errs.push(...validateLocalDescendingPath(sp.localhostProfile, child(path, 'localhostProfile')));
    }
  } else if (sp.localhostProfile !== undefined) {
    errs.push(invalid(child(path, 'localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

const appArmorTypes = ['Localhost', 'RuntimeDefault', 'Unconfined'];

function validateAppArmor(p: V1AppArmorProfile | undefined, path: string): StatusCause[] {
  if (!p) return [];
  const lp = child(path, 'localhostProfile');
  switch (p.type) {
    case 'Localhost': {
      if (p.localhostProfile === undefined)
        return [required(lp, 'must be set when AppArmor type is Localhost')];
      const errs: StatusCause[] = [];
      const trimmed = p.localhostProfile.trim();
      if (trimmed !== p.localhostProfile)
        errs.push(invalid(lp, p.localhostProfile, 'must not be padded with whitespace'));
      else if (trimmed === '') errs.push(required(lp, 'must be set when AppArmor type is Localhost'));
      if (p.localhostProfile.length > 4095) errs.push(tooLong(lp, 4095));
      return errs;
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      return p.localhostProfile === undefined
        ? []
        : [invalid(lp, p.localhostProfile, 'can only be set when AppArmor type is Localhost')];
    case undefined:
    case '':
      return [required(child(path, 'type'), 'type is required when appArmorProfile is set')];
    default:
      return [notSupported(child(path, 'type'), p.type, appArmorTypes)];
  }
}

function validateIds(sc: { runAsUser?: number; runAsGroup?: number }, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (sc.runAsUser !== undefined)
    errs.push(...invalidEach(child(path, 'runAsUser'), sc.runAsUser, isValidUserOrGroupId(sc.runAsUser)));
  if (sc.runAsGroup !== undefined) {
    errs.push(...invalidEach(child(path, 'runAsGroup'), sc.runAsGroup, isValidUserOrGroupId(sc.runAsGroup)));
  }
  return errs;
}

export function validateContainerSecurityContext(
  sc: V1SecurityContext | undefined,
  hostUsers: boolean,
  path: string,
): StatusCause[] {
  if (!sc) return [];
  const errs = validateIds(sc, path);
  if (sc.procMount !== undefined) {
    if (sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') {
      errs.push(notSupported(child(path, 'procMount'), sc.procMount, ['Default', 'Unmasked']));
    }
    if (hostUsers && sc.procMount === 'Unmasked') {
      errs.push(
        invalid(child(path, 'procMount'), sc.procMount, '`hostUsers` must be false to use `Unmasked`'),
      );
    }
  }
  errs.push(...validateSeccomp(sc.seccompProfile, child(path, 'seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    }
    if ((sc.capabilities?.add ?? []).includes('CAP_SYS_ADMIN')) {
      errs.push(
        invalid(
          path,
          sc,
          'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
        ),
      );
    }
  }
  errs.push(...validateAppArmor(sc.appArmorProfile, child(path, 'appArmorProfile')));
  return errs;
}

const sysctlSegment = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const sysctlPattern = `^(${sysctlSegment}[\\./])*${sysctlSegment}$`;
const sysctlName = new RegExp(sysctlPattern);
const fsGroupChangePolicies = sorted(['OnRootMismatch', 'Always']);
const supplementalGroupsPolicies = sorted(['Merge', 'Strict']);
const seLinuxChangePolicies = sorted(['Recursive', 'MountOption']);

export function validatePodSecurityContext(spec: V1PodSpec, specPath: string): StatusCause[] {
  const sc: V1PodSecurityContext | undefined = spec.securityContext;
  if (!sc) return [];
  const path = child(specPath, 'securityContext');
  const errs: StatusCause[] = [];
  if (sc.fsGroup !== undefined)
    errs.push(...invalidEach(child(path, 'fsGroup'), sc.fsGroup, isValidUserOrGroupId(sc.fsGroup)));
  errs.push(...validateIds(sc, path));
  (sc.supplementalGroups ?? []).forEach((g, i) => {
    errs.push(...invalidEach(index(child(path, 'supplementalGroups'), i), g, isValidUserOrGroupId(g)));
  });
  if (sc.sysctls?.length) {
    const seen = new Set<string>();
    sc.sysctls.forEach((s, i) => {
      const np = child(index(child(path, 'sysctls'), i), 'name');
      if (!s.name) errs.push(required(np));
      else if (s.name.length > 253 || !sysctlName.test(s.name)) {
        errs.push(invalid(np, s.name, `must have at most 253 characters and match regex ${sysctlPattern}`));
      } else if (seen.has(s.name)) errs.push(duplicate(np, s.name));
      if (spec.hostNetwork && s.name?.startsWith('net.')) {
        errs.push(invalid(np, s.name, "may not be specified when 'hostNetwork' is true"));
      }
      seen.add(s.name);
    });
  }
  if (sc.fsGroupChangePolicy !== undefined && !fsGroupChangePolicies.includes(sc.fsGroupChangePolicy)) {
    errs.push(
      notSupported(child(path, 'fsGroupChangePolicy'), sc.fsGroupChangePolicy, fsGroupChangePolicies),
    );
  }
  errs.push(...validateSeccomp(sc.seccompProfile, child(path, 'seccompProfile')));
  errs.push(...validateAppArmor(sc.appArmorProfile, child(path, 'appArmorProfile')));
  if (
    sc.supplementalGroupsPolicy !== undefined &&
    !supplementalGroupsPolicies.includes(sc.supplementalGroupsPolicy)
  ) {
    errs.push(
      notSupported(
        child(path, 'supplementalGroupsPolicy'),
        sc.supplementalGroupsPolicy,
        supplementalGroupsPolicies,
      ),
    );
  }
  if (sc.seLinuxChangePolicy !== undefined && !seLinuxChangePolicies.includes(sc.seLinuxChangePolicy)) {
    errs.push(
      notSupported(child(path, 'seLinuxChangePolicy'), sc.seLinuxChangePolicy, seLinuxChangePolicies),
    );
  }
  if (spec.shareProcessNamespace && spec.hostPID) {
    errs.push(
      invalid(
        child(path, 'shareProcessNamespace'),
        true,
        'ShareProcessNamespace and HostPID cannot both be enabled',
      ),
    );
  }
  if (spec.hostUsers === false) {
    // Upstream names these paths oddly ("HostPID"); kept for identical messages.
    if (spec.hostNetwork)
      errs.push(forbidden(child(specPath, 'hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostPID) errs.push(forbidden(child(specPath, 'HostPID'), 'when `pod.Spec.HostUsers` is false'));
    if (spec.hostIPC) errs.push(forbidden(child(specPath, 'HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  }
  return errs;
}
