// Validation of metadata shared by every kind: name, namespace, labels,
// annotations, owner references, finalizers, and label selectors.

import type { V1LabelSelector, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import {
  child,
  fieldImmutable,
  forbidden,
  index,
  invalid,
  invalidEach,
  nonNegative,
  required,
  tooLong,
} from './field.ts';
import { goStringSlice } from './go-format.ts';
import { isDns1123Label, isLabelValue, isQualifiedName, type NameValidator } from './names.ts';
import { isRecord } from './object.ts';

export const totalAnnotationSizeLimit = 256 * 1024;

export function validateLabels(labels: unknown, path: string): StatusCause[] {
  if (!isRecord(labels)) return [];
  const errs: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    const value = typeof v === 'string' ? v : String(v);
    errs.push(...invalidEach(path, value, isLabelValue(value)));
  }
  return errs;
}

export function validateLabelName(name: string, path: string): StatusCause[] {
  return invalidEach(path, name, isQualifiedName(name));
}

export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  if (!isRecord(annotations)) return [];
  const errs: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are qualified names in which case does not matter.
    errs.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (size > totalAnnotationSizeLimit) errs.push(tooLong(path, totalAnnotationSizeLimit));
  return errs;
}

function validateOwnerReferences(refs: V1OwnerReference[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(invalid(child(path, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(child(path, 'kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalid(child(path, 'name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(child(path, 'uid'), ref.uid ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

// Finalizers without a domain prefix are reserved for these.
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizerName(name: string, path: string): StatusCause[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (!name.includes('/') && !standardFinalizers.has(name)) {
    errs.push(invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

function validateFinalizers(finalizers: string[] | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  const list = finalizers ?? [];
  // Upstream checks each name twice (generic, then core rules), at the list and at the index.
  for (const f of list) errs.push(...invalidEach(path, f, isQualifiedName(f)));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(
      invalid(path, goStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'),
    );
  }
  list.forEach((f, i) => {
    if (!f.includes('/') && !standardFinalizers.has(f)) {
      errs.push(
        invalid(index(path, i), f, 'name is neither a standard finalizer name nor is it fully qualified'),
      );
    }
  });
  return errs;
}

export interface MetaRules {
  namespaced: boolean;
  nameFn: NameValidator;
}

/** Metadata of an object being created. Name generation must already have happened. */
export function validateObjectMeta(
  meta: V1ObjectMeta | undefined,
  rules: MetaRules,
  path = 'metadata',
): StatusCause[] {
  const m = meta ?? {};
  const errs: StatusCause[] = [];
  if (m.generateName) {
    errs.push(
      ...invalidEach(child(path, 'generateName'), m.generateName, rules.nameFn(m.generateName, true)),
    );
  }
  if (!m.name) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  else errs.push(...invalidEach(child(path, 'name'), m.name, rules.nameFn(m.name, false)));
  if (rules.namespaced) {
    if (!m.namespace) errs.push(required(child(path, 'namespace')));
    else errs.push(...invalidEach(child(path, 'namespace'), m.namespace, isDns1123Label(m.namespace)));
  } else if (m.namespace) {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...nonNegative(child(path, 'generation'), m.generation));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, child(path, 'ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return errs;
}

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v instanceof Date ? v.toISOString() : (v ?? ''));
  return norm(a) === norm(b);
}

/** Metadata of an object being updated; the new object must also pass the create-time rules that apply. */
export function validateObjectMetaUpdate(
  next: V1ObjectMeta | undefined,
  old: V1ObjectMeta | undefined,
  path = 'metadata',
): StatusCause[] {
  const n = next ?? {};
  const o = old ?? {};
  const errs: StatusCause[] = [];
  if (o.deletionTimestamp) {
    const added = (n.finalizers ?? []).filter((f) => !(o.finalizers ?? []).includes(f));
    if (added.length > 0) {
      errs.push(
        forbidden(
          child(path, 'finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice([...new Set(added)].sort()).goSyntax}`,
        ),
      );
    }
  }
  if ((n.generation ?? 0) < (o.generation ?? 0)) {
    errs.push(invalid(child(path, 'generation'), n.generation ?? 0, 'must not be decremented'));
  }
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp'] as const) {
    if (!sameValue(n[f], o[f])) errs.push(invalid(child(path, f), toText(n[f]), fieldImmutable));
  }
  if ((n.deletionGracePeriodSeconds ?? null) !== (o.deletionGracePeriodSeconds ?? null)) {
    errs.push(
      invalid(
        child(path, 'deletionGracePeriodSeconds'),
        n.deletionGracePeriodSeconds ?? null,
        fieldImmutable,
      ),
    );
  }
  errs.push(...validateLabels(n.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(n.annotations, child(path, 'annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, child(path, 'ownerReferences')));
  errs.push(...validateFinalizers(n.finalizers, child(path, 'finalizers')));
  return errs;
}

function toText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  return v === undefined || v === null ? '' : String(v);
}

/** Structure of a label selector: operators, values, keys. */
export function validateLabelSelector(sel: V1LabelSelector | undefined, path: string): StatusCause[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, child(path, 'matchLabels'));
  (sel.matchExpressions ?? []).forEach((req, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) {
          errs.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        }
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(
              child(p, 'values'),
              "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            ),
          );
        }
        break;
      default:
        errs.push(invalid(child(p, 'operator'), req.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(req.key ?? '', child(p, 'key')));
    values.forEach((v, j) => {
      errs.push(...invalidEach(index(child(p, 'values'), j), v, isLabelValue(v)));
    });
  });
  return errs;
}

/**
 * Whether a selector selects the given labels. A nil selector selects
 * nothing; an empty one selects everything (upstream LabelSelectorAsSelector).
 */
export function selectorMatches(
  sel: V1LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** True when a selector has no requirements at all (it would select everything). */
export function selectorIsEmpty(sel: V1LabelSelector | undefined): boolean {
  return (
    !!sel && Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0
  );
}
