// Quantities are stored the way upstream serialises them: canonical text,
// and resource lists rounded up to whole milli-units. Values that do not
// parse are left alone for validation to report.
import { canonicalQuantity, formatQuantity, roundUpToMilli, tryParseQuantity } from '../quantity.ts';
import { isRecord } from '../validation/object.ts';

/** Canonical form of one quantity field, in place. */
export function canonicalizeQuantityField(holder: unknown, field: string): void {
  if (!isRecord(holder)) return;
  const v = holder[field];
  if (typeof v !== 'string' && typeof v !== 'number') return;
  try {
    holder[field] = canonicalQuantity(v);
  } catch {
    // Left as given: validation reports it with the parser's message.
  }
}

/** A resource list (requests, limits, capacity…): rounded up to milli and canonical, in place. */
export function canonicalizeResourceList(list: unknown): void {
  if (!isRecord(list)) return;
  for (const [name, v] of Object.entries(list)) {
    const q = tryParseQuantity(v);
    if (q) list[name] = formatQuantity(roundUpToMilli(q));
  }
}

/** Both lists of a ResourceRequirements. */
export function canonicalizeRequirements(req: unknown): void {
  if (!isRecord(req)) return;
  canonicalizeResourceList(req.limits);
  canonicalizeResourceList(req.requests);
}
