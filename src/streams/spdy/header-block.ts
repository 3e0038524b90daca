// SPDY/3 header blocks: a count, then length-prefixed names and values, all
// run through ONE zlib stream per direction for the whole connection (each
// block ends with a sync flush), seeded with the SPDY dictionary.
//
// Decoding uses real inflate, since peers compress. Encoding writes deflate
// "stored" blocks: valid zlib that any inflater reads, needs no compression
// state, and costs nothing for the few tiny replies a server sends.
import { constants, createInflate, type Inflate } from 'node:zlib';
import { spdyHeaderDictionary } from './dictionary.ts';
import { SpdyProtocolError } from './frames.ts';

export type HeaderMap = Map<string, string>;

export function encodeHeaderBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Names are lower-case; a value holding several (NUL-separated) keeps the first. */
export function parseHeaderBlock(raw: Buffer): HeaderMap {
  const out: HeaderMap = new Map();
  let at = 0;
  const take = (): Buffer => {
    if (at + 4 > raw.length) throw new SpdyProtocolError('truncated header block');
    const len = raw.readUInt32BE(at);
    at += 4;
    if (at + len > raw.length) throw new SpdyProtocolError('truncated header block');
    const b = raw.subarray(at, at + len);
    at += len;
    return b;
  };
  if (raw.length < 4) throw new SpdyProtocolError('truncated header block');
  const count = raw.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString('utf8').toLowerCase();
    const value = take().toString('utf8').split('\0')[0];
    out.set(name, value);
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

const syncFlushMarker = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** Compresses outgoing header blocks of one connection (stored deflate blocks). */
export class HeaderCompressor {
  private started = false;

  compress(raw: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      // zlib header: deflate, 32K window, no preset dictionary (stored blocks never refer back).
      parts.push(Buffer.from([0x78, 0x01]));
      this.started = true;
    }
    let at = 0;
    do {
      const piece = raw.subarray(at, at + 0xffff);
      const head = Buffer.allocUnsafe(5);
      head[0] = 0; // BFINAL=0, BTYPE=00 (stored), then padding to the byte boundary
      head.writeUInt16LE(piece.length, 1);
      head.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(head, piece);
      at += piece.length;
    } while (at < raw.length);
    // The empty stored block a sync flush ends with. Inflaters (Go's among them) hand
    // out a block's bytes only when the next block starts; this one needs no more input.
    parts.push(syncFlushMarker);
    return Buffer.concat(parts);
  }
}

/** Decompressed header blocks larger than this end the connection (a block of a real client is tiny). */
const maxHeaderBlock = 1 << 20;

/**
 * Decompresses incoming header blocks of one connection, in order. Calls must
 * not overlap: the caller awaits each block before starting the next.
 */
export class HeaderDecompressor {
  private readonly inflate: Inflate;
  private out: Buffer[] = [];
  private outBytes = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor() {
    this.inflate = createInflate({ dictionary: spdyHeaderDictionary });
    // Drain output as it appears: zlib holds back the flush callback while its output buffer is full.
    this.inflate.on('readable', () => this.drain());
    this.inflate.on('error', (e) => {
      this.failure = new SpdyProtocolError(`header block does not decompress: ${e.message}`);
    });
  }

  decompress(block: Buffer): Promise<HeaderMap> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      if (this.closed) return reject(new SpdyProtocolError('connection closed'));
      this.inflate.write(block);
      this.inflate.flush(constants.Z_SYNC_FLUSH, () => {
        this.drain();
        if (this.failure) return reject(this.failure);
        const raw = Buffer.concat(this.out);
        this.out = [];
        this.outBytes = 0;
        try {
          resolve(parseHeaderBlock(raw));
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  close(): void {
    this.closed = true;
    this.inflate.close();
  }

  private drain(): void {
    for (let c = this.inflate.read() as Buffer | null; c !== null; c = this.inflate.read()) {
      this.outBytes += c.length;
      if (this.outBytes > maxHeaderBlock) {
        this.failure ??= new SpdyProtocolError(`header block over ${maxHeaderBlock} bytes`);
        continue;
      }
      this.out.push(c);
    }
  }
}
