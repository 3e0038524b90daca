// Pods and pod templates. A running pod's spec is mostly frozen: only images,
// activeDeadlineSeconds, added tolerations and removed scheduling gates may
// change, the rest needs a new pod.
import type { V1Container, V1Pod, V1PodSpec, V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { describeDiff, semanticEqual } from './compare.ts';
import { child, forbidden, index, invalid, required } from './field.ts';
import { validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { inclusiveRangeError, nameIsDnsSubdomain } from './names.ts';
import { deepCopy } from './object.ts';
import { validatePodSpec } from './pod-spec.ts';

const maxInt32 = 2147483647;

export const podUpdateForbiddenIntro =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function isInt32Text(v: string): boolean {
  if (!/^[+-]?\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647;
}

function validateImageWhitespace(containers: V1Container[] | undefined, path: string): StatusCause[] {
  return (containers ?? []).flatMap((c, i) =>
    c.image && c.image.trim() !== c.image
      ? [invalid(child(index(path, i), 'image'), c.image, 'must not have leading or trailing whitespace')]
      : [],
  );
}

function validatePodMetadataAndSpec(pod: V1Pod): StatusCause[] {
  const errs = validateObjectMeta(pod.metadata, { namespaced: true, nameFn: nameIsDnsSubdomain });
  const mirror = pod.metadata?.annotations?.['kubernetes.io/config.mirror'];
  if (mirror !== undefined && !pod.spec?.nodeName) {
    errs.push(
      invalid(
        'metadata.annotations[kubernetes.io/config.mirror]',
        mirror,
        'must set spec.nodeName if mirror pod annotation is set',
      ),
    );
  }
  const cost = pod.metadata?.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (cost !== undefined && !isInt32Text(cost)) {
    errs.push(
      invalid(
        'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]',
        cost,
        'must be a 32bit integer',
      ),
    );
  }
  errs.push(...validatePodSpec(pod.spec, 'spec', { isPod: true, podMeta: pod.metadata }));
  if (!pod.spec?.serviceAccountName) {
    (pod.spec?.volumes ?? []).forEach((v, vi) => {
      (v.projected?.sources ?? []).forEach((src, si) => {
        if (src.serviceAccountToken) {
          errs.push(
            forbidden(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      });
    });
  }
  errs.push(...validateImageWhitespace(pod.spec?.containers, 'spec.containers'));
  errs.push(...validateImageWhitespace(pod.spec?.initContainers, 'spec.initContainers'));
  return errs;
}

export function validatePodCreate(pod: V1Pod): StatusCause[] {
  const errs = validatePodMetadataAndSpec(pod);
  if (pod.spec?.ephemeralContainers?.length)
    errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (pod.spec?.nodeName && pod.spec.schedulingGates?.length) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

function validateContainerUpdates(
  next: V1Container[] | undefined,
  old: V1Container[] | undefined,
  path: string,
): { causes: StatusCause[]; stop: boolean } {
  if ((next ?? []).length !== (old ?? []).length) {
    return { causes: [forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  }
  const causes = (next ?? []).flatMap((c, i) => (c.image ? [] : [required(child(index(path, i), 'image'))]));
  return { causes, stop: false };
}

function sameToleration(a: V1Toleration, b: V1Toleration): boolean {
  return semanticEqual({ ...a, tolerationSeconds: undefined }, { ...b, tolerationSeconds: undefined });
}

/** The update rules of a pod; `old` is the stored pod, `next` the requested one (both defaulted). */
export function validatePodUpdate(next: V1Pod, old: V1Pod): StatusCause[] {
  const errs = validateObjectMetaUpdate(next.metadata, old.metadata);
  errs.push(...validatePodMetadataAndSpec(next));
  for (const key of ['kubernetes.io/config.mirror']) {
    const before = old.metadata?.annotations?.[key];
    const after = next.metadata?.annotations?.[key];
    if (before !== after) {
      const verb =
        before === undefined
          ? 'may not add mirror pod annotation'
          : 'may not remove or update mirror pod annotation';
      errs.push(forbidden(`metadata.annotations[${key}]`, verb));
    }
  }
  const ns: V1PodSpec = next.spec ?? ({} as V1PodSpec);
  const os: V1PodSpec = old.spec ?? ({} as V1PodSpec);
  for (const list of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(ns[list], os[list], `spec.${list}`);
    errs.push(...r.causes);
    if (r.stop) return errs;
  }
  const nextDeadline = ns.activeDeadlineSeconds ?? undefined;
  const oldDeadline = os.activeDeadlineSeconds ?? undefined;
  if (nextDeadline !== undefined) {
    if (nextDeadline < 0 || nextDeadline > maxInt32) {
      errs.push(invalid('spec.activeDeadlineSeconds', nextDeadline, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline < nextDeadline) {
      errs.push(
        invalid('spec.activeDeadlineSeconds', nextDeadline, 'must be less than or equal to previous value'),
      );
      return errs;
    }
  } else if (oldDeadline !== undefined) {
    errs.push(
      invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'),
    );
  }
  for (const t of os.tolerations ?? []) {
    if (!(ns.tolerations ?? []).some((n) => sameToleration(t, n))) {
      errs.push(
        forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'),
      );
      break;
    }
  }
  const oldGates = new Set((os.schedulingGates ?? []).map((g) => g.name));
  (ns.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g.name)) {
      errs.push(
        forbidden(
          `spec.schedulingGates[${i}].name`,
          `only deletion is allowed, but found new scheduling gate '${g.name}'`,
        ),
      );
    }
  });
  if (semanticEqual(ns, os)) return errs;
  // Put back everything that may change, then anything left differing is forbidden.
  const munged = deepCopy(ns);
  munged.containers = (munged.containers ?? []).map((c, i) => ({
    ...c,
    image: os.containers?.[i]?.image ?? '',
  }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({
      ...c,
      image: os.initContainers?.[i]?.image ?? '',
    }));
  }
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.schedulingGates = os.schedulingGates;
  munged.tolerations = os.tolerations;
  const oldGrace = os.terminationGracePeriodSeconds;
  if (
    oldGrace !== undefined &&
    oldGrace !== null &&
    oldGrace < 0 &&
    munged.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (oldGates.size > 0) {
    // A gated pod has not been scheduled, so its node selector may still grow.
    const before = os.nodeSelector ?? {};
    const after = munged.nodeSelector ?? {};
    const onlyAdded = Object.entries(before).every(([k, v]) => after[k] === v);
    if (!onlyAdded) {
      errs.push(
        invalid(
          'spec.nodeSelector',
          after,
          'only additions to spec.nodeSelector are allowed (no mutations or deletions)',
        ),
      );
    }
    munged.nodeSelector = os.nodeSelector;
  }
  if (!semanticEqual(munged, os)) {
    errs.push(forbidden('spec', `${podUpdateForbiddenIntro}\n${describeDiff(os, munged, 'spec')}`));
  }
  return errs;
}

/** A pod template inside a workload: labels, annotations, and a valid pod spec. */
export function validatePodTemplateSpec(tpl: V1PodTemplateSpec | undefined, path: string): StatusCause[] {
  const t = tpl ?? {};
  const errs = [
    ...validateLabels(t.metadata?.labels, child(path, 'labels')),
    ...validateAnnotations(t.metadata?.annotations, child(path, 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec'), { isPod: false }),
  ];
  if (t.spec?.ephemeralContainers?.length) {
    errs.push(
      forbidden(
        child(path, 'spec', 'ephemeralContainers'),
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}
