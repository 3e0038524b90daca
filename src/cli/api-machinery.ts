// Binds the kind-specific API machinery (defaults, validation, patching,
// managed fields) to the interfaces the generic registry declares.
import { applyDefaults } from '../api/defaults/index.ts';
import type { KubeObject } from '../api/object.ts';
import { applyPatch, serverSideApply, updateManagedFields } from '../api/patch/index.ts';
import { validateCreate, validateUpdate } from '../api/validation/index.ts';
import type { Admission, FieldManager } from '../apiserver/registry/types.ts';

export function buildAdmission(): Admission {
  return {
    applyDefaults: (info, obj, operation) => applyDefaults(info, obj, { operation }),
    validateCreate: (info, obj) => validateCreate(info, obj),
    validateUpdate: (info, obj, old) => validateUpdate(info, obj, old),
  };
}

export function buildFieldManager(): FieldManager {
  return {
    patch: (type, current, body) =>
      applyPatch(type, current, body, {
        apiVersion: current.apiVersion ?? '',
        kind: current.kind ?? '',
      }) as KubeObject,
    apply: (live, config, manager, force, now, subresource) =>
      serverSideApply(live, config, {
        apiVersion: config.apiVersion ?? live?.apiVersion ?? '',
        kind: config.kind ?? live?.kind ?? '',
        manager,
        force,
        now,
        subresource,
      }) as KubeObject,
    update(old, next, manager, now, subresource) {
      const out = updateManagedFields(old, next, {
        apiVersion: next.apiVersion ?? '',
        kind: next.kind ?? '',
        manager,
        now,
        subresource,
      });
      if (out.metadata && typeof out.metadata === 'object') {
        const mf = (out.metadata as KubeObject['metadata']).managedFields;
        if (mf?.length) next.metadata.managedFields = mf;
        else delete next.metadata.managedFields;
      }
    },
  };
}
