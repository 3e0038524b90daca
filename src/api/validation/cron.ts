// Standard five-field cron schedules as CronJobs accept them ("*/5 * * * *",
// "@hourly", "@every 90s"), parsed with the error wording upstream's cron
// library produces. The parsed form lists the allowed values per field so a
// controller can compute run times from it.

export type CronSchedule =
  | {
      kind: 'fields';
      minutes: Set<number>;
      hours: Set<number>;
      daysOfMonth: Set<number>;
      months: Set<number>;
      daysOfWeek: Set<number>;
      /** A field given as "*" or "?": standard cron ORs day-of-month and day-of-week only when both are restricted. */
      anyDayOfMonth: boolean;
      anyDayOfWeek: boolean;
    }
  | { kind: 'every'; seconds: number };

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const months: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const weekdays: Bounds = {
  min: 0,
  max: 6,
  names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
};
const fieldBounds: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  months,
  weekdays,
];

function parseInt10(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr))
    throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? parseInt10(expr);
}

/** One comma-separated part: "*", "5", "1-5", "*\/15", "10-40/10". */
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]);
    // "N/step" means "from N to the maximum".
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) star = parseRange(part, b, values) || star;
  return { values, star };
}

const durationUnits: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (text === '0') return 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) throw new CronError(`time: invalid duration "${text}"`);
    total += Number(m[1]) * durationUnits[m[2]];
    pos = re.lastIndex;
  }
  if (text.length === 0) throw new CronError(`time: invalid duration "${text}"`);
  return total;
}

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a standard cron schedule; throws CronError with upstream's message. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronError('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    if (space < 0 || !knownZone(zone))
      throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
    return parseCronSchedule(spec.slice(space).trim());
  }
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      const text = spec.slice('@every '.length);
      try {
        return { kind: 'every', seconds: Math.max(1, Math.round(parseDuration(text))) };
      } catch (e) {
        throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
    }
    const expanded = descriptors[spec];
    if (!expanded) throw new CronError(`unrecognized descriptor: ${spec}`);
    return parseCronSchedule(expanded);
  }
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const [min, hour, dom, month, dow] = fields.map((f, i) => parseField(f, fieldBounds[i]));
  return {
    kind: 'fields',
    minutes: min.values,
    hours: hour.values,
    daysOfMonth: dom.values,
    months: month.values,
    daysOfWeek: dow.values,
    anyDayOfMonth: dom.star,
    anyDayOfWeek: dow.star,
  };
}

/** The parse error message, or undefined when the schedule is valid. */
export function cronScheduleProblem(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return e instanceof CronError ? e.message : String(e);
  }
}
