// Placement constraints in a pod spec: tolerations, affinity, topology
// spread, scheduling gates.
import type {
  V1Affinity,
  V1NodeSelector,
  V1NodeSelectorRequirement,
  V1PodAffinityTerm,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1WeightedPodAffinityTerm,
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
} from './field.ts';
import { validateLabelName, validateLabelSelector } from './meta.ts';
import { isDns1123Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from './names.ts';

export const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(
  effect: string | undefined,
  allowEmpty: boolean,
  path: string,
): StatusCause[] {
  if (!effect) return allowEmpty ? [] : [required(path)];
  return taintEffects.includes(effect) ? [] : [notSupported(path, effect, taintEffects)];
}

export function validateTolerations(tolerations: V1Toleration[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = index(path, i);
    if (t.key) errs.push(...validateLabelName(t.key, child(p, 'key')));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        invalid(
          child(p, 'operator'),
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(
        invalid(
          child(p, 'effect'),
          t.effect ?? '',
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (t.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isLabelValue(t.value ?? '');
        if (msgs.length) errs.push(invalid(child(p, 'operator'), t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value)
          errs.push(
            invalid(child(p, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"),
          );
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), t.operator ?? '', ['Equal', 'Exists']));
    }
    if (t.effect) errs.push(...validateTaintEffect(t.effect, true, child(p, 'effect')));
  });
  return errs;
}

function validateNodeSelectorRequirement(
  rq: V1NodeSelectorRequirement,
  checkValues: boolean,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const values = rq.values ?? [];
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          forbidden(
            child(path, 'values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(
          required(child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"),
        );
      }
      break;
    default:
      errs.push(invalid(child(path, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(rq.key ?? '', child(path, 'key')));
  if (checkValues)
    values.forEach((v, i) => {
      errs.push(...invalidEach(index(child(path, 'values'), i), v, isLabelValue(v)));
    });
  return errs;
}

function validateNodeFieldRequirement(rq: V1NodeSelectorRequirement, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if ((rq.values ?? []).length !== 1) {
      errs.push(
        required(
          child(path, 'values'),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  } else errs.push(invalid(child(path, 'operator'), rq.operator ?? '', 'not a valid selector operator'));
  if (rq.key !== 'metadata.name')
    errs.push(invalid(child(path, 'key'), rq.key ?? '', 'not a valid field selector key'));
  else {
    (rq.values ?? []).forEach((v, i) => {
      errs.push(...invalidEach(index(child(path, 'values'), i), v, isDns1123Subdomain(v)));
    });
  }
  return errs;
}

function validateNodeSelectorTerms(
  terms: { matchExpressions?: V1NodeSelectorRequirement[]; matchFields?: V1NodeSelectorRequirement[] }[],
  checkValues: boolean,
  path: (i: number) => string,
): StatusCause[] {
  return terms.flatMap((term, i) => [
    ...(term.matchExpressions ?? []).flatMap((rq, j) =>
      validateNodeSelectorRequirement(rq, checkValues, index(child(path(i), 'matchExpressions'), j)),
    ),
    ...(term.matchFields ?? []).flatMap((rq, j) =>
      validateNodeFieldRequirement(rq, index(child(path(i), 'matchFields'), j)),
    ),
  ]);
}

export function validateNodeSelector(sel: V1NodeSelector, path: string): StatusCause[] {
  const termsPath = child(path, 'nodeSelectorTerms');
  if (!sel.nodeSelectorTerms?.length)
    return [required(termsPath, 'must have at least one node selector term')];
  return validateNodeSelectorTerms(sel.nodeSelectorTerms, true, (i) => index(termsPath, i));
}

function validatePodAffinityTerm(term: V1PodAffinityTerm, path: string): StatusCause[] {
  const errs = [
    ...validateLabelSelector(term.labelSelector, child(path, 'labelSelector')),
    ...validateLabelSelector(term.namespaceSelector, child(path, 'namespaceSelector')),
  ];
  for (const ns of term.namespaces ?? [])
    errs.push(...invalidEach(child(path, 'namespace'), ns, isDns1123Label(ns)));
  for (const [field, keys] of [
    ['matchLabelKeys', term.matchLabelKeys],
    ['mismatchLabelKeys', term.mismatchLabelKeys],
  ] as const) {
    if (!keys?.length) continue;
    if (!term.labelSelector)
      errs.push(forbidden(child(path, field), 'must not be specified when labelSelector is not set'));
    else
      keys.forEach((k, i) => {
        errs.push(...validateLabelName(k, index(child(path, field), i)));
      });
  }
  if (!term.topologyKey) errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(term.topologyKey ?? '', child(path, 'topologyKey')));
  return errs;
}

function validateWeighted(terms: V1WeightedPodAffinityTerm[], path: string): StatusCause[] {
  return terms.flatMap((t, i) => {
    const p = index(path, i);
    const errs =
      t.weight <= 0 || t.weight > 100
        ? [invalid(child(p, 'weight'), t.weight, 'must be in the range 1-100')]
        : [];
    return [
      ...errs,
      ...validatePodAffinityTerm(t.podAffinityTerm ?? ({} as V1PodAffinityTerm), child(p, 'podAffinityTerm')),
    ];
  });
}

export function validateAffinity(affinity: V1Affinity | undefined, path: string): StatusCause[] {
  if (!affinity) return [];
  const errs: StatusCause[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const np = child(path, 'nodeAffinity');
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req)
      errs.push(...validateNodeSelector(req, child(np, 'requiredDuringSchedulingIgnoredDuringExecution')));
    const pp = child(np, 'preferredDuringSchedulingIgnoredDuringExecution');
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      if (t.weight <= 0 || t.weight > 100)
        errs.push(invalid(child(index(pp, i), 'weight'), t.weight, 'must be in the range 1-100'));
      // Preferred terms may name values no node has yet, so values are not checked.
      errs.push(
        ...validateNodeSelectorTerms([t.preference ?? {}], false, () => child(index(pp, i), 'preference')),
      );
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const kp = child(path, kind);
    const reqPath = child(kp, 'requiredDuringSchedulingIgnoredDuringExecution');
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(t, index(reqPath, i)));
    });
    errs.push(
      ...validateWeighted(
        pa.preferredDuringSchedulingIgnoredDuringExecution ?? [],
        child(kp, 'preferredDuringSchedulingIgnoredDuringExecution'),
      ),
    );
  }
  return errs;
}

const whenUnsatisfiable = sorted(['DoNotSchedule', 'ScheduleAnyway']);
const inclusionPolicies = sorted(['Ignore', 'Honor']);

export function validateTopologySpread(
  constraints: V1TopologySpreadConstraint[] | undefined,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const list = constraints ?? [];
  list.forEach((c, i) => {
    const p = index(path, i);
    if (c.maxSkew <= 0) errs.push(invalid(child(p, 'maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(child(p, 'topologyKey'), 'can not be empty'));
    if (!whenUnsatisfiable.includes(c.whenUnsatisfiable)) {
      errs.push(notSupported(child(p, 'whenUnsatisfiable'), c.whenUnsatisfiable ?? '', whenUnsatisfiable));
    }
    const repeat = list
      .slice(i + 1)
      .some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable);
    if (repeat) {
      errs.push(
        duplicate(child(p, '{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey}, ${c.whenUnsatisfiable}}`),
      );
    }
    if (c.minDomains !== undefined && c.minDomains !== null) {
      if (c.minDomains <= 0)
        errs.push(invalid(child(p, 'minDomains'), c.minDomains, 'must be greater than zero'));
      if (c.whenUnsatisfiable !== 'DoNotSchedule') {
        errs.push(
          invalid(
            child(p, 'minDomains'),
            c.minDomains,
            `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable}`,
          ),
        );
      }
    }
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy'] as const) {
      const v = c[f];
      if (v !== undefined && v !== null && !inclusionPolicies.includes(v))
        errs.push(notSupported(child(p, f), v, inclusionPolicies));
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(p, 'labelSelector')));
  });
  return errs;
}

export function validateSchedulingGates(gates: { name: string }[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  (gates ?? []).forEach((g, i) => {
    errs.push(...invalidEach(index(path, i), g.name, isQualifiedName(g.name ?? '')));
    if (seen.has(g.name)) errs.push(duplicate(index(path, i), g.name));
    seen.add(g.name);
  });
  return errs;
}
