// Resource names and quantities in requests/limits, and the rule that a
// request may not exceed its limit.
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import {
  compareQuantities,
  formatQuantity,
  type Quantity,
  quantityProblem,
  scaledValue,
  tryParseQuantity,
  zeroQuantity,
} from '../quantity.ts';
import type { StatusCause } from '../status.ts';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  isNegative,
  key,
  notFound,
  required,
} from './field.ts';
import { isQualifiedName } from './names.ts';
import { entriesOf } from './object.ts';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
  'storage',
]);

export function isHugePageResource(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** Unprefixed names and kubernetes.io/ names belong to Kubernetes itself. */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Extended resources (vendor-prefixed devices) that must be requested in whole units. */
export function isExtendedResource(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Resources that cannot be overcommitted: request must equal limit. */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResource(name);
}

// Object counts (quota resources) and devices only come in whole units.
const integerResources = new Set([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

function isIntegerResource(name: string): boolean {
  return isExtendedResource(name) || integerResources.has(name);
}

function validateResourceName(name: string, path: string): StatusCause[] {
  const errs = invalidEach(path, name, isQualifiedName(name));
  if (errs.length) return errs;
  if (!name.includes('/') && !standardResources.has(name) && !isHugePageResource(name)) {
    return [invalid(path, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

function validateContainerResourceName(name: string, path: string): StatusCause[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !isHugePageResource(name)) {
      return [...errs, invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    return [...errs, invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

export interface ParsedQuantity {
  causes: StatusCause[];
  quantity?: Quantity;
}

/**
 * Parses a quantity field. A value that does not parse is a decoding error
 * upstream (the request never reaches validation); here it becomes an
 * Invalid cause on the field with the parser's message.
 */
export function parseQuantityField(value: unknown, path: string): ParsedQuantity {
  const problem = quantityProblem(value);
  if (problem) return { causes: [invalid(path, value as string, problem)] };
  return { causes: [], quantity: tryParseQuantity(value) };
}

/** A quantity must not be negative; integer-only resources must be whole. */
export function validateResourceQuantity(name: string, value: unknown, path: string): StatusCause[] {
  const parsed = parseQuantityField(value, path);
  if (!parsed.quantity) return parsed.causes;
  const q = parsed.quantity;
  const errs: StatusCause[] = [];
  if (compareQuantities(q, zeroQuantity) < 0) errs.push(invalid(path, formatQuantity(q), isNegative));
  if (isIntegerResource(name) && scaledValue(q, -3) % 1000n !== 0n) {
    errs.push(invalid(path, formatQuantity(q), 'must be an integer'));
  }
  return errs;
}

function hugePageSize(name: string): Quantity | undefined {
  return tryParseQuantity(name.slice('hugepages-'.length));
}

function validateHugePageValue(name: string, q: Quantity, path: string): StatusCause[] {
  const size = hugePageSize(name);
  if (!size || size.mantissa === 0n) return [];
  const bytes = scaledValue(q, 0);
  const unit = scaledValue(size, 0);
  if (bytes % unit === 0n) return [];
  return [
    invalid(path, formatQuantity(q), `${formatQuantity(q)} is not positive integer multiple of ${name}`),
  ];
}

export type ResourceScope = 'container' | 'pod';

/** Requests and limits of a container (or a pod's overhead / pod-level resources). */
export function validateResourceRequirements(
  req: V1ResourceRequirements | undefined,
  path: string,
  scope: ResourceScope = 'container',
  podClaimNames: ReadonlySet<string> = new Set(),
): StatusCause[] {
  const errs: StatusCause[] = [];
  const limPath = child(path, 'limits');
  const reqPath = child(path, 'requests');
  const nameCheck = scope === 'container' ? validateContainerResourceName : validateResourceName;
  let cpuOrMemory = false;
  let hugePages = false;
  const limits = new Map<string, Quantity>();
  for (const [name, value] of entriesOf(req?.limits)) {
    const p = key(limPath, name);
    errs.push(...nameCheck(name, p));
    errs.push(...validateResourceQuantity(name, value, p));
    const q = tryParseQuantity(value);
    if (q) limits.set(name, q);
    if (isHugePageResource(name)) {
      hugePages = true;
      if (q) errs.push(...validateHugePageValue(name, q, p));
    }
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  for (const [name, value] of entriesOf(req?.requests)) {
    const p = key(reqPath, name);
    errs.push(...nameCheck(name, p));
    errs.push(...validateResourceQuantity(name, value, p));
    const q = tryParseQuantity(value);
    const limit = limits.get(name);
    if (q && limit) {
      const cmp = compareQuantities(q, limit);
      const shown = formatQuantity(q);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, shown, `must be equal to ${name} limit of ${formatQuantity(limit)}`));
      } else if (cmp > 0) {
        errs.push(
          invalid(reqPath, shown, `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`),
        );
      }
    } else if (!limit && !isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResource(name)) {
      hugePages = true;
      if (q) errs.push(...validateHugePageValue(name, q, p));
    }
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
  }
  if (!cpuOrMemory && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  errs.push(...validateClaims(req?.claims, podClaimNames, child(path, 'claims')));
  return errs;
}

function validateClaims(
  claims: V1ResourceRequirements['claims'],
  podClaimNames: ReadonlySet<string>,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const seen = new Set<string>();
  (claims ?? []).forEach((claim, i) => {
    const p = index(path, i);
    if (!claim.name) {
      errs.push(required(p));
      return;
    }
    if (seen.has(claim.name)) errs.push(duplicate(p, claim.name));
    seen.add(claim.name);
    if (!podClaimNames.has(claim.name)) {
      const known = [...podClaimNames].sort();
      const detail = known.length
        ? `must be one of the names in pod.spec.resourceClaims: ${known.join(', ')}`
        : 'must be one of the names in pod.spec.resourceClaims which is empty';
      errs.push(notFound(p, claim.name, detail));
    }
  });
  return errs;
}
