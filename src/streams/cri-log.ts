// CRI container log lines and the kubelet's rules for serving them:
//   2026-01-01T00:00:00.123456789Z stdout F the text
// "P" marks a partial line (a long line split by the runtime) that continues
// in the next record; "F" ends it. Output is the text, joined back, optionally
// prefixed once per line with the timestamp (9 fractional digits, the zone as
// written), records before `since` skipped, and cut at `limitBytes`.

export interface LogTime {
  /** Whole seconds since the epoch. */
  seconds: number;
  nanos: number;
}

export interface CriRecord {
  /** The timestamp as the runtime wrote it. */
  rawTime: string;
  time: LogTime;
  stream: string;
  partial: boolean;
  /** The text, without the newline a full record ends with. */
  text: Buffer;
}

const timeShape = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

export function parseLogTime(raw: string): LogTime | undefined {
  const m = timeShape.exec(raw);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0')) };
}

export function timeFromDate(d: Date): LogTime {
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

export function isBefore(a: LogTime, b: LogTime): boolean {
  return a.seconds < b.seconds || (a.seconds === b.seconds && a.nanos < b.nanos);
}

/** The kubelet's output form: always nine fractional digits, the zone kept. */
export function formatLogTime(raw: string): string {
  const m = timeShape.exec(raw);
  if (!m) return raw;
  // A zero offset prints as Z, as Go's time formatting does (conmon writes +00:00).
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}${zone}`;
}

/** One line of the file, without its newline; undefined for a malformed line (the kubelet skips those). */
export function parseCriRecord(line: Buffer): CriRecord | undefined {
  const sp1 = line.indexOf(0x20);
  if (sp1 < 0) return undefined;
  const sp2 = line.indexOf(0x20, sp1 + 1);
  if (sp2 < 0) return undefined;
  const rawTime = line.toString('latin1', 0, sp1);
  const time = parseLogTime(rawTime);
  if (!time) return undefined;
  const stream = line.toString('latin1', sp1 + 1, sp2);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag field: "P" or "F", possibly with more ':'-separated tags after.
  let sp3 = line.indexOf(0x20, sp2 + 1);
  if (sp3 < 0) sp3 = line.length;
  const partial = line[sp2 + 1] === 0x50 /* P */ && (sp3 === sp2 + 2 || line[sp2 + 2] === 0x3a);
  const text = line.subarray(Math.min(sp3 + 1, line.length));
  return { rawTime, time, stream, partial, text };
}

const newline = Buffer.from('\n');

export interface OutputOptions {
  timestamps: boolean;
  since?: LogTime;
  /** Total bytes to send at most. */
  limitBytes?: number;
}

/** Turns records into output bytes with the kubelet's rules; one per request, records in file order. */
export class LogFormatter {
  private readonly opts: OutputOptions;
  private startOfLine = true;
  private remaining: number;

  constructor(opts: OutputOptions) {
    this.opts = opts;
    this.remaining = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Whether the byte limit has been reached: nothing more will be output. */
  get full(): boolean {
    return this.remaining <= 0;
  }

  /** The bytes to send for one record (possibly none). */
  format(r: CriRecord): Buffer[] {
    const addPrefix = this.startOfLine;
    this.startOfLine = !r.partial;
    if (this.full || (this.opts.since && isBefore(r.time, this.opts.since))) return [];
    const out: Buffer[] = [];
    if (this.opts.timestamps && addPrefix) out.push(Buffer.from(`${formatLogTime(r.rawTime)} `, 'latin1'));
    out.push(r.text);
    if (!r.partial) out.push(newline);
    return this.cut(out);
  }

  private cut(parts: Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    for (const p of parts) {
      if (this.remaining <= 0) break;
      const piece = p.length > this.remaining ? p.subarray(0, this.remaining) : p;
      this.remaining -= piece.length;
      out.push(piece);
    }
    return out;
  }
}

/** Splits a byte stream into lines; keeps the unfinished last line for the next chunk. */
export class LineSplitter {
  private carry: Buffer | undefined;

  /** Complete lines in `chunk` (with what was carried), without their newlines. */
  push(chunk: Buffer): Buffer[] {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      lines.push(data.subarray(start, nl));
      start = nl + 1;
    }
    this.carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
    return lines;
  }

  /** The unfinished last line, if any, taken out. */
  rest(): Buffer | undefined {
    const r = this.carry;
    this.carry = undefined;
    return r;
  }
}
