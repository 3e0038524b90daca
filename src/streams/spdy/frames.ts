// SPDY/3.1 framing: the frames a port-forward or remote-command server sees
// and sends. Only framing lives here; header blocks stay compressed bytes
// (header-block.ts) and stream state lives in session.ts.
//
// Every frame starts with 8 bytes. A control frame: C=1, version (15 bits),
// type (16 bits), flags (8), payload length (24). A data frame: C=0, stream id
// (31 bits), flags (8), length (24). Data payloads are handed on in the pieces
// they arrived in (subarrays, never copied), so a large frame split across
// WebSocket messages costs nothing extra.

export const spdyVersion = 3;

export const controlType = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const flagFin = 0x01;

/** RST_STREAM status codes. */
export const rstStatus = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  cancel: 5,
  internalError: 6,
  streamInUse: 8,
} as const;

/** Control frames larger than this are refused: header blocks of real clients are tiny. */
const maxControlPayload = 1 << 20;

export type SpdyFrame =
  /** One piece of a data frame; `fin` is set on the last piece of a frame that carried FLAG_FIN. */
  | { type: 'data'; streamId: number; data: Buffer; fin: boolean }
  | {
      type: 'synStream';
      streamId: number;
      associatedId: number;
      priority: number;
      fin: boolean;
      headerBlock: Buffer;
    }
  | { type: 'synReply'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** SETTINGS and frame types SPDY tells receivers to ignore. */
  | { type: 'ignored'; controlType: number };

export class SpdyProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpdyProtocolError';
  }
}

type ParserState =
  | { kind: 'header' }
  | { kind: 'data'; streamId: number; fin: boolean; remaining: number }
  | { kind: 'control'; type: number; flags: number; length: number; parts: Buffer[]; have: number };

/** Incremental frame decoder: feed it bytes in any split, get whole frames (data in pieces) back. */
export class FrameParser {
  private state: ParserState = { kind: 'header' };
  private readonly head = Buffer.alloc(8);
  private headHave = 0;

  /** Decodes what `chunk` completes; throws SpdyProtocolError on a malformed stream. */
  feed(chunk: Buffer, emit: (frame: SpdyFrame) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const s = this.state;
      switch (s.kind) {
        case 'header': {
          const n = Math.min(8 - this.headHave, chunk.length - at);
          chunk.copy(this.head, this.headHave, at, at + n);
          this.headHave += n;
          at += n;
          if (this.headHave === 8) {
            this.headHave = 0;
            this.startFrame(emit);
          }
          break;
        }
        case 'data': {
          const n = Math.min(s.remaining, chunk.length - at);
          s.remaining -= n;
          const done = s.remaining === 0;
          if (done) this.state = { kind: 'header' };
          emit({ type: 'data', streamId: s.streamId, data: chunk.subarray(at, at + n), fin: done && s.fin });
          at += n;
          break;
        }
        case 'control': {
          const n = Math.min(s.length - s.have, chunk.length - at);
          s.parts.push(chunk.subarray(at, at + n));
          s.have += n;
          at += n;
          if (s.have === s.length) {
            this.state = { kind: 'header' };
            const payload = s.parts.length === 1 ? s.parts[0] : Buffer.concat(s.parts);
            emit(decodeControl(s.type, s.flags, payload));
          }
          break;
        }
      }
    }
  }

  private startFrame(emit: (frame: SpdyFrame) => void): void {
    const h = this.head;
    const flags = h[4];
    const length = h.readUIntBE(5, 3);
    if (h[0] & 0x80) {
      const version = h.readUInt16BE(0) & 0x7fff;
      if (version !== spdyVersion) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
      const type = h.readUInt16BE(2);
      if (length > maxControlPayload) throw new SpdyProtocolError(`control frame of ${length} bytes`);
      if (length === 0) emit(decodeControl(type, flags, Buffer.alloc(0)));
      else this.state = { kind: 'control', type, flags, length, parts: [], have: 0 };
      return;
    }
    const streamId = h.readUInt32BE(0) & 0x7fffffff;
    const fin = (flags & flagFin) !== 0;
    // An empty data frame still matters when it carries FIN (a half-close).
    if (length === 0) emit({ type: 'data', streamId, data: Buffer.alloc(0), fin });
    else this.state = { kind: 'data', streamId, fin, remaining: length };
  }
}

function need(payload: Buffer, bytes: number, what: string): void {
  if (payload.length < bytes)
    throw new SpdyProtocolError(`${what} frame too short (${payload.length} bytes)`);
}

function decodeControl(type: number, flags: number, p: Buffer): SpdyFrame {
  const fin = (flags & flagFin) !== 0;
  switch (type) {
    case controlType.synStream:
      need(p, 10, 'SYN_STREAM');
      return {
        type: 'synStream',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        associatedId: p.readUInt32BE(4) & 0x7fffffff,
        priority: p[8] >> 5,
        fin,
        headerBlock: p.subarray(10),
      };
    case controlType.synReply:
      need(p, 4, 'SYN_REPLY');
      return { type: 'synReply', streamId: p.readUInt32BE(0) & 0x7fffffff, fin, headerBlock: p.subarray(4) };
    case controlType.headers:
      need(p, 4, 'HEADERS');
      return { type: 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, fin, headerBlock: p.subarray(4) };
    case controlType.rstStream:
      need(p, 8, 'RST_STREAM');
      return { type: 'rstStream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
    case controlType.ping:
      need(p, 4, 'PING');
      return { type: 'ping', id: p.readUInt32BE(0) };
    case controlType.goAway:
      need(p, 4, 'GOAWAY');
      return {
        type: 'goAway',
        lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff,
        status: p.length >= 8 ? p.readUInt32BE(4) : 0,
      };
    case controlType.windowUpdate:
      need(p, 8, 'WINDOW_UPDATE');
      return {
        type: 'windowUpdate',
        streamId: p.readUInt32BE(0) & 0x7fffffff,
        delta: p.readUInt32BE(4) & 0x7fffffff,
      };
    default:
      return { type: 'ignored', controlType: type };
  }
}

function controlHeader(type: number, flags: number, length: number, extra: number): Buffer {
  const b = Buffer.allocUnsafe(8 + extra);
  b.writeUInt16BE(0x8000 | spdyVersion, 0);
  b.writeUInt16BE(type, 2);
  b[4] = flags;
  b.writeUIntBE(length, 5, 3);
  return b;
}

export const encode = {
  /** The 8 bytes in front of a data payload; the payload itself is sent as it is. */
  dataHeader(streamId: number, length: number, fin: boolean): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32BE(streamId & 0x7fffffff, 0);
    b[4] = fin ? flagFin : 0;
    b.writeUIntBE(length, 5, 3);
    return b;
  },
  synStream(streamId: number, headerBlock: Buffer, fin: boolean): Buffer {
    const b = controlHeader(controlType.synStream, fin ? flagFin : 0, 10 + headerBlock.length, 10);
    b.writeUInt32BE(streamId, 8);
    b.writeUInt32BE(0, 12);
    b.writeUInt16BE(0, 16);
    return Buffer.concat([b, headerBlock]);
  },
  synReply(streamId: number, headerBlock: Buffer, fin: boolean): Buffer {
    const b = controlHeader(controlType.synReply, fin ? flagFin : 0, 4 + headerBlock.length, 4);
    b.writeUInt32BE(streamId, 8);
    return Buffer.concat([b, headerBlock]);
  },
  rstStream(streamId: number, status: number): Buffer {
    const b = controlHeader(controlType.rstStream, 0, 8, 8);
    b.writeUInt32BE(streamId, 8);
    b.writeUInt32BE(status, 12);
    return b;
  },
  ping(id: number): Buffer {
    const b = controlHeader(controlType.ping, 0, 4, 4);
    b.writeUInt32BE(id >>> 0, 8);
    return b;
  },
  goAway(lastGoodStreamId: number, status: number): Buffer {
    const b = controlHeader(controlType.goAway, 0, 8, 8);
    b.writeUInt32BE(lastGoodStreamId, 8);
    b.writeUInt32BE(status, 12);
    return b;
  },
};

/** Largest payload one data frame can carry (24-bit length). */
export const maxDataPayload = 0xffffff;
