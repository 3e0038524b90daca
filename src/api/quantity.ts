// Kubernetes resource quantities ("100m", "1Gi", "1e3") held exactly and
// written back in upstream's canonical form, so stored objects read exactly
// as they would from a real API server and sums never lose precision.
//
// A quantity is mantissa × 10^exponent. Binary suffixes are integers times a
// power of two, and every fraction of those is still a finite decimal, so one
// decimal representation covers all three notations.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  /** The notation it was written in; canonical output keeps the same family. */
  readonly format: QuantityFormat;
  /** Set when the input was already canonical: upstream echoes such strings verbatim. */
  readonly original?: string;
}

export const quantityPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Parse failures carry upstream's wording (it surfaces in API errors). */
export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const formatWrong = `quantities must match the regular expression '${quantityPattern}'`;
const numericWrong = 'unable to parse numeric part of quantity';
const suffixWrong = "unable to parse quantity's suffix";

const decimalSuffixes: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByPower = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

// Upstream stores at most nine decimal places and rounds anything finer up.
const nanoExponent = -9;
// BinarySI amounts are capped at the largest int64.
const maxInt64 = (1n << 63n) - 1n;
const suffixChars = 'eEinumkKMGTP';

interface Scanned {
  negative: boolean;
  num: string;
  denom: string;
  suffix: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

// Mirrors upstream's scanner so the same strings are accepted and rejected.
function scan(s: string): Scanned {
  let pos = 0;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    pos++;
  }
  while (s[pos] === '0') pos++;
  if (pos >= s.length) return { negative, num: '0', denom: '', suffix: '' };
  let start = pos;
  while (isDigit(s[pos])) pos++;
  const num = s.slice(start, pos) || '0';
  let denom = '';
  if (s[pos] === '.') {
    pos++;
    start = pos;
    while (isDigit(s[pos])) pos++;
    denom = s.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < s.length && suffixChars.includes(s[pos])) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos < s.length) throw new QuantityError(formatWrong);
  return { negative, num, denom, suffix: s.slice(suffixStart) };
}

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix {
  if (suffix in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[suffix], format: 'DecimalSI' };
  if (suffix in binarySuffixes) return { base: 2, exponent: binarySuffixes[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    // Upstream parses the exponent as an int64; keep far inside that and sane.
    if (Math.abs(exponent) <= 1e9) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityError(suffixWrong);
}

function digitCount(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Rounds away from zero to at most nine decimal places, as upstream does. */
function roundToNano(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (exponent >= nanoExponent || mantissa === 0n) return { mantissa, exponent };
  const drop = nanoExponent - exponent;
  const sign = mantissa < 0n ? -1n : 1n;
  if (drop > digitCount(mantissa)) return { mantissa: sign, exponent: nanoExponent };
  const divisor = 10n ** BigInt(drop);
  const m = abs(mantissa);
  const rounded = m / divisor + (m % divisor === 0n ? 0n : 1n);
  return { mantissa: sign * rounded, exponent: nanoExponent };
}

// Upstream echoes the input string unchanged when its fast path sees it is
// already canonical; reproduce that decision so output matches byte for byte.
function echoesInput(sc: Scanned, sfx: Suffix): boolean {
  if (sfx.format === 'BinarySI') {
    if (sc.denom !== '' || sfx.exponent % 10 !== 0) return false;
    const precision = 15 - sc.num.length - Math.trunc((sfx.exponent * 3) / 10) - 1;
    if (precision < 0) return false;
    const value = BigInt(sc.num);
    return (value & 7n) !== 0n && value * (1n << BigInt(sfx.exponent)) <= maxInt64;
  }
  if (18 - (sc.num.length + sc.denom.length) < 0) return false;
  const scale = sfx.exponent - sc.denom.length;
  const shifted = sc.num + sc.denom;
  return scale >= nanoExponent && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
}

/** Parses a quantity as written in JSON (string or number). Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  const s = typeof input === 'number' ? numberText(input) : input.trim();
  if (s === '') throw new QuantityError(formatWrong);
  if (s === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI', original: '0' };
  const sc = scan(s);
  const sfx = interpretSuffix(sc.suffix);
  if (!/^\d+$/.test(sc.num) || !/^\d*$/.test(sc.denom)) throw new QuantityError(numericWrong);
  let mantissa = BigInt(sc.num + sc.denom) * (sc.negative ? -1n : 1n);
  let exponent = -sc.denom.length;
  if (sfx.base === 10) exponent += sfx.exponent;
  else mantissa *= 1n << BigInt(sfx.exponent);
  let format = sfx.format;
  ({ mantissa, exponent } = roundToNano(mantissa, exponent));
  if (format === 'BinarySI') {
    const capped = capBinary(mantissa, exponent);
    mantissa = capped.mantissa;
    exponent = capped.exponent;
    if (mantissa !== 0n && compareMagnitude({ mantissa: abs(mantissa), exponent }, 1n, 0) < 0) {
      format = 'DecimalSI';
    }
  }
  const q: Quantity = { mantissa, exponent, format };
  return echoesInput(sc, sfx) ? { ...q, original: s } : q;
}

function capBinary(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (compareMagnitude({ mantissa: abs(mantissa), exponent }, maxInt64, 0) <= 0)
    return { mantissa, exponent };
  return { mantissa: mantissa < 0n ? -maxInt64 : maxInt64, exponent: 0 };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(formatWrong);
  return String(n);
}

/** Parses or returns undefined; for callers that report errors themselves. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** The reason a value is not a quantity, or undefined when it parses. */
export function quantityProblem(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return formatWrong;
  try {
    parseQuantity(input);
    return undefined;
  } catch (e) {
    return e instanceof QuantityError ? e.message : formatWrong;
  }
}

function stripTens(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (mantissa === 0n) return { mantissa, exponent: 0 };
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  return { mantissa: m, exponent: e };
}

/** Canonical text, exactly as upstream serialises the quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.original !== undefined) return q.original;
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  const { mantissa, exponent } = stripTens(q.mantissa, q.exponent);
  if (format === 'BinarySI') {
    const small = compareMagnitude({ mantissa: abs(mantissa), exponent }, 1024n, 0) < 0;
    if (small || exponent < 0) format = 'DecimalSI';
  }
  const sign = mantissa < 0n ? '-' : '';
  if (format === 'BinarySI') {
    let value = abs(mantissa) * 10n ** BigInt(exponent);
    let power = 0;
    while (value >= 1024n && value % 1024n === 0n && power < binaryByPower.length - 1) {
      value /= 1024n;
      power++;
    }
    return `${sign}${value}${binaryByPower[power]}`;
  }
  let m = abs(mantissa);
  let e = exponent;
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  if (format === 'DecimalSI') {
    const suffix = decimalByExponent.get(e);
    if (suffix !== undefined) return `${sign}${m}${suffix}`;
  }
  return e === 0 ? `${sign}${m}` : `${sign}${m}e${e}`;
}

/** Canonical text of a quantity given as JSON; throws QuantityError if it does not parse. */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

function compareMagnitude(a: { mantissa: bigint; exponent: number }, m: bigint, e: number): number {
  return compareParts(a.mantissa, a.exponent, m, e);
}

// Compares two non-negative or signed values without building huge powers
// when their orders of magnitude already decide the answer.
function compareParts(ma: bigint, ea: number, mb: bigint, eb: number): number {
  const sa = ma === 0n ? 0 : ma < 0n ? -1 : 1;
  const sb = mb === 0n ? 0 : mb < 0n ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const oa = digitCount(ma) + ea;
  const ob = digitCount(mb) + eb;
  if (oa !== ob) return (oa < ob ? -1 : 1) * sa;
  const e = Math.min(ea, eb);
  const a = ma * 10n ** BigInt(ea - e);
  const b = mb * 10n ** BigInt(eb - e);
  return a === b ? 0 : a < b ? -1 : 1;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return compareParts(a.mantissa, a.exponent, b.mantissa, b.exponent);
}

/** Exact sum; keeps the first operand's notation (upstream Add does the same). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  if (b.mantissa === 0n) return { mantissa: a.mantissa, exponent: a.exponent, format: a.format };
  if (a.mantissa === 0n) return { mantissa: b.mantissa, exponent: b.exponent, format: a.format };
  const e = Math.min(a.exponent, b.exponent);
  if (Math.max(a.exponent, b.exponent) - e > 4000) throw new QuantityError('quantity out of range');
  const m = a.mantissa * 10n ** BigInt(a.exponent - e) + b.mantissa * 10n ** BigInt(b.exponent - e);
  return { ...stripTens(m, e), format: a.format };
}

export const zeroQuantity: Quantity = { mantissa: 0n, exponent: 0, format: 'DecimalSI' };

/** The value scaled by 10^scale, rounded away from zero to an integer (upstream ScaledValue). */
export function scaledValue(q: Quantity, scale: number): bigint {
  const e = q.exponent - scale;
  if (e >= 0) return q.mantissa * 10n ** BigInt(e);
  if (-e > digitCount(q.mantissa)) return q.mantissa === 0n ? 0n : q.mantissa < 0n ? -1n : 1n;
  const divisor = 10n ** BigInt(-e);
  const m = abs(q.mantissa);
  const rounded = m / divisor + (m % divisor === 0n ? 0n : 1n);
  return q.mantissa < 0n ? -rounded : rounded;
}

/** Whole units, rounded up (upstream Value()). */
export function quantityValue(q: Quantity): number {
  return Number(scaledValue(q, 0));
}

/** Thousandths, rounded up (upstream MilliValue()). */
export function quantityMilliValue(q: Quantity): number {
  return Number(scaledValue(q, -3));
}

/** Approximate float value, for display and ratios only. */
export function quantityToNumber(q: Quantity): number {
  return Number(q.mantissa) * 10 ** q.exponent;
}

/** CPU in millicores: "100m" → 100, "2" → 2000. Throws QuantityError. */
export function cpuMillis(input: string | number): number {
  return quantityMilliValue(parseQuantity(input));
}

/** Memory or storage in bytes: "1Gi" → 1073741824. Throws QuantityError. */
export function memoryBytes(input: string | number): number {
  return quantityValue(parseQuantity(input));
}

/**
 * The amount the scheduler and kubelet count for a resource: millicores for
 * cpu, whole units for everything else.
 */
export function resourceAmount(resource: string, input: string | number): number {
  return resource === 'cpu' ? cpuMillis(input) : memoryBytes(input);
}

/** Rounds up to three decimal places (what upstream does to every stored resource list). */
export function roundUpToMilli(q: Quantity): Quantity {
  if (q.exponent >= -3) return q;
  const m = scaledValue(q, -3);
  return { ...stripTens(m, -3), format: q.format };
}
