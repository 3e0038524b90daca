// Volume mounts and block devices of a container: each names a volume of the
// pod, mount paths are unique, sub-paths stay inside the volume.
import type { V1Container, V1VolumeMount } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import type { ContainerContext } from './containers.ts';
import { child, forbidden, index, invalid, notFound, notSupported, required, sorted } from './field.ts';
import { validateLocalDescendingPath, validatePathNoBacksteps } from './volume-files.ts';

const mountPropagations = sorted(['Bidirectional', 'HostToContainer', 'None']);
const recursiveReadOnlyModes = sorted(['Disabled', 'IfPossible', 'Enabled']);

export function validateVolumeMounts(ctr: V1Container, ctx: ContainerContext, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const mountPaths = new Set<string>();
  const devices = new Map((ctr.volumeDevices ?? []).map((d) => [d.name, d.devicePath]));
  const devicePaths = new Set(devices.values());
  (ctr.volumeMounts ?? []).forEach((m: V1VolumeMount, i) => {
    const p = index(path, i);
    if (!m.name) errs.push(required(child(p, 'name')));
    if (!ctx.volumes.has(m.name)) errs.push(notFound(child(p, 'name'), m.name ?? ''));
    if (!m.mountPath) errs.push(required(child(p, 'mountPath')));
    if (mountPaths.has(m.mountPath)) errs.push(invalid(child(p, 'mountPath'), m.mountPath, 'must be unique'));
    mountPaths.add(m.mountPath);
    if (devices.has(m.name))
      errs.push(invalid(child(p, 'name'), m.name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(m.mountPath)) {
      errs.push(
        invalid(child(p, 'mountPath'), m.mountPath, 'must not already exist as a path in volumeDevices'),
      );
    }
    if (ctx.volumes.get(m.name)?.image) {
      if (m.subPath)
        errs.push(invalid(child(p, 'subPath'), m.subPath, 'not allowed in image volume sources'));
      if (m.subPathExpr)
        errs.push(invalid(child(p, 'subPathExpr'), m.subPathExpr, 'not allowed in image volume sources'));
    }
    // Upstream reports sub-path problems against the list path, not the entry.
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, child(path, 'subPath')));
    if (m.subPathExpr) {
      if (m.subPath)
        errs.push(
          invalid(child(p, 'subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'),
        );
      errs.push(...validateLocalDescendingPath(m.subPathExpr, child(path, 'subPathExpr')));
    }
    if (m.mountPropagation !== undefined) {
      const pp = child(path, 'mountPropagation');
      if (!mountPropagations.includes(m.mountPropagation)) {
        errs.push(notSupported(pp, m.mountPropagation, mountPropagations));
      }
      if (m.mountPropagation === 'Bidirectional' && ctr.securityContext?.privileged !== true) {
        errs.push(
          forbidden(pp, 'Bidirectional mount propagation is available only to privileged containers'),
        );
      }
    }
    const rro = m.recursiveReadOnly;
    if (rro !== undefined && rro !== 'Disabled') {
      const rp = child(path, 'recursiveReadOnly');
      if (!recursiveReadOnlyModes.includes(rro)) errs.push(notSupported(rp, rro, recursiveReadOnlyModes));
      else {
        if (!m.readOnly) errs.push(forbidden(rp, 'may only be specified when readOnly is true'));
        if (m.mountPropagation && m.mountPropagation !== 'None') {
          errs.push(forbidden(rp, 'may only be specified when mountPropagation is None or not specified'));
        }
      }
    }
  });
  return errs;
}

export function validateVolumeDevices(ctr: V1Container, ctx: ContainerContext, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const mounts = new Map((ctr.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
  const mountPaths = new Set(mounts.values());
  const names = new Set<string>();
  const paths = new Set<string>();
  (ctr.volumeDevices ?? []).forEach((d, i) => {
    const p = index(path, i);
    const vol = ctx.volumes.get(d.name);
    if (!d.name) errs.push(required(child(p, 'name')));
    if (names.has(d.name)) errs.push(invalid(child(p, 'name'), d.name, 'must be unique'));
    if (vol && !vol.persistentVolumeClaim && !vol.ephemeral) {
      errs.push(
        invalid(
          child(p, 'name'),
          d.name,
          'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode',
        ),
      );
    }
    if (!vol) errs.push(notFound(child(p, 'name'), d.name ?? ''));
    if (!d.devicePath) errs.push(required(child(p, 'devicePath')));
    if (paths.has(d.devicePath)) errs.push(invalid(child(p, 'devicePath'), d.devicePath, 'must be unique'));
    if (d.devicePath && validatePathNoBacksteps(d.devicePath, p).length) {
      errs.push(invalid(child(p, 'devicePath'), d.devicePath, "can not contain backsteps ('..')"));
    } else paths.add(d.devicePath);
    if (mounts.has(d.name))
      errs.push(invalid(child(p, 'name'), d.name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(d.devicePath)) {
      errs.push(
        invalid(child(p, 'devicePath'), d.devicePath, 'must not already exist as a path in volumeMounts'),
      );
    }
    if (d.name) names.add(d.name);
  });
  return errs;
}
