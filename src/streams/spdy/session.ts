// The server end of a SPDY/3.1 connection, as Kubernetes streaming uses it:
// the client opens every stream (SYN_STREAM with headers), the server answers
// each with SYN_REPLY and then both sides send data and half-close with FIN.
//
// Flow control: Go's spdystream, which kubectl and the kubelet use, neither
// sends nor honours WINDOW_UPDATE; it slows a peer down by not reading. So
// does this session: a stream whose reader is behind pauses the whole
// connection's input, and a stream's writes wait while the transport is
// behind. Nothing is buffered without bound and no byte is copied.
import { Duplex } from 'node:stream';
import type { Logger } from '../../util/log.ts';
import { encode, FrameParser, maxDataPayload, rstStatus, type SpdyFrame } from './frames.ts';
import { encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, type HeaderMap } from './header-block.ts';
import type { FrameTransport } from './transport.ts';

export interface SpdySessionOptions {
  /** A stream the client opened; call accept() or reject() on it. */
  onStream(stream: SpdyStream): void;
  /** The connection is gone; every stream has been destroyed. */
  onClose?(): void;
  log: Logger;
}

/** One SPDY stream as a Node Duplex: readable = what the client sends, writable = what we send. */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: HeaderMap;
  private readonly session: SpdySession;
  private replied = false;
  private localFin = false;
  private remoteFin = false;
  /** The peer needs no RST_STREAM from us: it reset the stream, or we already refused it. */
  private skipReset = false;

  constructor(session: SpdySession, id: number, headers: HeaderMap) {
    super({ allowHalfOpen: true });
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  /** Sends SYN_REPLY; the stream may carry data from now on. */
  accept(): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendReply(this.id);
  }

  /** Refuses the stream (RST_STREAM). */
  reject(): void {
    this.session.sendReset(this.id, rstStatus.refusedStream);
    this.skipReset = true;
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.accept();
    this.session.sendData(this.id, chunk, false, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.accept();
    this.localFin = true;
    this.session.sendData(this.id, Buffer.alloc(0), true, cb);
  }

  override _read(): void {
    this.session.readResumed(this);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.skipReset && !(this.localFin && this.remoteFin)) {
      this.session.sendReset(this.id, rstStatus.cancel);
    }
    this.session.forget(this);
    cb(err);
  }

  /** Data (possibly empty) from the peer; fin = the peer's half-close. */
  received(data: Buffer, fin: boolean): void {
    if (this.remoteFin || this.destroyed) return;
    if (data.length > 0 && !this.push(data)) this.session.readBlocked(this);
    if (fin) {
      this.remoteFin = true;
      this.push(null);
    }
  }

  /** The peer reset the stream, or the connection is gone: no more data either way. */
  abort(why: string): void {
    this.skipReset = true;
    this.destroy(new Error(why));
  }
}

export class SpdySession {
  private readonly opts: SpdySessionOptions;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly parser = new FrameParser();
  private readonly decompressor = new HeaderDecompressor();
  private readonly compressor = new HeaderCompressor();
  /** Frames held while a header block decompresses, so order is kept. */
  private readonly held: SpdyFrame[] = [];
  private decoding = false;
  private readonly readersBehind = new Set<SpdyStream>();
  private transport: FrameTransport | undefined;
  private goingAway = false;
  private closed = false;
  private lastStreamId = 0;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(opts: SpdySessionOptions) {
    this.opts = opts;
  }

  start(transport: FrameTransport): void {
    this.transport = transport;
  }

  /** Bytes from the transport. */
  receive(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.parser.feed(chunk, (f) => {
        if (this.decoding || this.held.length > 0 || needsHeaderDecode(f)) this.held.push(f);
        else this.handle(f);
      });
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.pump();
  }

  /** The transport is gone. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.lingerTimer);
    this.decompressor.close();
    for (const s of [...this.streams.values()]) s.abort('connection closed');
    this.streams.clear();
    this.opts.onClose?.();
  }

  /** Asks the client to stop (GOAWAY) and closes once the data sent so far is out. */
  close(): void {
    if (this.closed || !this.transport) return;
    clearTimeout(this.lingerTimer);
    this.transport.send([encode.goAway(this.lastStreamId, 0)]);
    this.transport.end();
  }

  /**
   * Everything has been sent: leave closing to the client for up to `ms`.
   * Closing at once would race the client: spdystream drops data it has read
   * but not yet handed to a stream when the connection ends under it.
   */
  closeAfter(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => this.close(), ms);
    this.lingerTimer.unref();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  sendReply(id: number): void {
    this.transport?.send([encode.synReply(id, this.compressor.compress(encodeHeaderBlock({})), false)]);
  }

  sendReset(id: number, status: number): void {
    if (!this.closed) this.transport?.send([encode.rstStream(id, status)]);
  }

  /** Sends one data payload (split at the frame limit); `done` runs when the transport can take more. */
  sendData(id: number, data: Buffer, fin: boolean, done: (err?: Error | null) => void): void {
    const t = this.transport;
    if (!t || this.closed) {
      done(new Error('connection closed'));
      return;
    }
    let ok = true;
    let at = 0;
    do {
      const piece =
        data.length - at > maxDataPayload ? data.subarray(at, at + maxDataPayload) : data.subarray(at);
      at += piece.length;
      const last = at >= data.length;
      ok = t.send([encode.dataHeader(id, piece.length, fin && last), piece]);
    } while (at < data.length);
    if (ok) done();
    else t.onDrain(() => done());
  }

  readBlocked(s: SpdyStream): void {
    if (this.readersBehind.size === 0) this.transport?.pause();
    this.readersBehind.add(s);
  }

  readResumed(s: SpdyStream): void {
    if (this.readersBehind.delete(s) && this.readersBehind.size === 0) this.transport?.resume();
  }

  forget(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.readResumed(s);
    if (this.goingAway && this.streams.size === 0) this.close();
  }

  private pump(): void {
    while (!this.decoding && this.held.length > 0) {
      const f = this.held.shift()!;
      if (!needsHeaderDecode(f)) {
        this.handle(f);
        continue;
      }
      this.decoding = true;
      const block = (f as { headerBlock: Buffer }).headerBlock;
      this.decompressor.decompress(block).then(
        (headers) => {
          this.decoding = false;
          if (this.closed) return;
          try {
            if (f.type === 'synStream') this.open(f, headers);
            this.pump();
          } catch (err) {
            this.fail(err as Error);
          }
        },
        (err: Error) => this.fail(err),
      );
    }
  }

  private handle(f: SpdyFrame): void {
    switch (f.type) {
      case 'data':
        this.streams.get(f.streamId)?.received(f.data, f.fin);
        return;
      case 'rstStream':
        this.streams.get(f.streamId)?.abort('stream reset by the client');
        return;
      case 'ping':
        // Client pings carry odd ids; echo them. Even ids would answer our own pings (we send none).
        if (f.id % 2 === 1) this.transport?.send([encode.ping(f.id)]);
        return;
      case 'goAway':
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case 'synStream':
      case 'synReply':
      case 'headers':
      case 'windowUpdate':
      case 'ignored':
        return;
    }
  }

  private open(f: Extract<SpdyFrame, { type: 'synStream' }>, headers: HeaderMap): void {
    if (this.goingAway || f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) {
      this.sendReset(f.streamId, this.goingAway ? rstStatus.refusedStream : rstStatus.protocolError);
      return;
    }
    this.lastStreamId = f.streamId;
    const stream = new SpdyStream(this, f.streamId, headers);
    this.streams.set(f.streamId, stream);
    if (f.fin) stream.received(Buffer.alloc(0), true);
    this.opts.onStream(stream);
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.opts.log.warn('closing SPDY connection', { err });
    if (this.transport && !this.closed) {
      this.transport.send([encode.goAway(this.lastStreamId, 1)]);
      this.transport.destroy();
    }
    this.transportClosed();
  }
}

function needsHeaderDecode(f: SpdyFrame): boolean {
  // Every header block must pass through the shared zlib stream, even ones we ignore.
  return f.type === 'synStream' || f.type === 'synReply' || f.type === 'headers';
}
