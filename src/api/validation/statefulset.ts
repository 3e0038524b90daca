// StatefulSets: stable pod identities, ordered rollout, per-pod claims.
import type { V1PersistentVolumeClaim, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import {
  validateIntOrPercent,
  validateRestartingTemplate,
  validateSelectorAndTemplate,
  workloadMeta,
} from './apps.ts';
import { semanticEqual } from './compare.ts';
import { forbidden, invalid, nonNegative, notSupported, required } from './field.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';

/**
 * The template as each pod will see it: every volume claim template becomes
 * a claim volume of the same name, so mounts of claims are not "not found".
 * (Upstream skips pod-spec validation for StatefulSets for this reason; orca
 * checks the spec with the claims in place instead.)
 */
function withClaimVolumes(
  template: V1PodTemplateSpec | undefined,
  claims: V1PersistentVolumeClaim[] | undefined,
): V1PodTemplateSpec | undefined {
  if (!template?.spec || !claims?.length) return template;
  const volumes = [...(template.spec.volumes ?? [])];
  for (const claim of claims) {
    const name = claim.metadata?.name ?? '';
    if (!volumes.some((v) => v.name === name))
      volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  }
  return { ...template, spec: { ...template.spec, volumes } };
}

export function validateStatefulSet(ss: V1StatefulSet): StatusCause[] {
  const spec = ss.spec;
  const errs = validateObjectMeta(ss.metadata, workloadMeta);
  const pmp = spec?.podManagementPolicy;
  if (!pmp) errs.push(required('spec.podManagementPolicy'));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  const us = spec?.updateStrategy ?? {};
  switch (us.type) {
    case undefined:
    case '':
      errs.push(required('spec.updateStrategy'));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) {
        errs.push(
          invalid(
            'spec.updateStrategy.rollingUpdate',
            us.rollingUpdate,
            "only allowed for updateStrategy 'RollingUpdate'",
          ),
        );
      }
      break;
    case 'RollingUpdate':
      errs.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate?.partition));
      if (us.rollingUpdate?.maxUnavailable !== undefined) {
        errs.push(
          ...validateIntOrPercent(
            us.rollingUpdate.maxUnavailable,
            'spec.updateStrategy.rollingUpdate.maxUnavailable',
          ),
        );
      }
      break;
    default:
      errs.push(invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  errs.push(...nonNegative('spec.replicas', spec?.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec?.minReadySeconds));
  errs.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'statefulset'));
  errs.push(
    ...validateRestartingTemplate(
      withClaimVolumes(spec?.template, spec?.volumeClaimTemplates),
      'StatefulSet',
    ),
  );
  const retention = spec?.persistentVolumeClaimRetentionPolicy;
  for (const f of ['whenDeleted', 'whenScaled'] as const) {
    const v = retention?.[f];
    if (v !== undefined && v !== 'Retain' && v !== 'Delete') {
      errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, v, ['Retain', 'Delete']));
    }
  }
  if (spec?.ordinals?.start !== undefined)
    errs.push(...nonNegative('spec.ordinals.start', spec.ordinals.start));
  return errs;
}

const statefulSetMutable = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
] as const;

export function validateStatefulSetUpdate(next: V1StatefulSet, old: V1StatefulSet): StatusCause[] {
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  const strip = (s: V1StatefulSet['spec']) => {
    const copy: Record<string, unknown> = { ...(s ?? {}) };
    for (const f of statefulSetMutable) delete copy[f];
    return copy;
  };
  if (!semanticEqual(strip(next.spec), strip(old.spec))) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  errs.push(...validateStatefulSet(next));
  return errs;
}
