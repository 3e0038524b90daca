// SPDY/3.1 framing, header compression and the server session, against
// bytes as Go's spdystream (kubectl) produces them.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { constants, createDeflate, createInflate } from 'node:zlib';
import { spdyHeaderDictionary } from '../../src/streams/spdy/dictionary.ts';
import { encode, FrameParser, rstStatus, type SpdyFrame } from '../../src/streams/spdy/frames.ts';
import {
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  parseHeaderBlock,
} from '../../src/streams/spdy/header-block.ts';
import { SpdySession, type SpdyStream } from '../../src/streams/spdy/session.ts';
import type { FrameTransport } from '../../src/streams/spdy/transport.ts';
import { silentLogger } from '../../src/util/log.ts';

/** Compresses header blocks the way Go's framer does: one zlib stream, dictionary, sync flush per block. */
function goLikeCompressor() {
  const def = createDeflate({ dictionary: spdyHeaderDictionary, level: 9 });
  const out: Buffer[] = [];
  def.on('data', (c: Buffer) => out.push(c));
  return {
    compress: (headers: Record<string, string>) =>
      new Promise<Buffer>((resolve) => {
        def.write(encodeHeaderBlock(headers));
        def.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out.splice(0))));
      }),
    close: () => def.close(),
  };
}

function parseAll(bytes: Buffer, splitAt: number[]): SpdyFrame[] {
  const p = new FrameParser();
  const frames: SpdyFrame[] = [];
  let at = 0;
  for (const cut of [...splitAt, bytes.length]) {
    p.feed(bytes.subarray(at, cut), (f) => frames.push(f));
    at = cut;
  }
  // Join data pieces back into whole frames so splits compare equal.
  const joined: SpdyFrame[] = [];
  for (const f of frames) {
    const last = joined.at(-1);
    if (
      f.type === 'data' &&
      last?.type === 'data' &&
      last.streamId === f.streamId &&
      !last.fin &&
      f.data.length
    ) {
      joined[joined.length - 1] = { ...last, data: Buffer.concat([last.data, f.data]), fin: f.fin };
    } else joined.push(f.type === 'data' ? { ...f, data: Buffer.from(f.data) } : f);
  }
  return joined;
}

describe('SPDY frames', () => {
  const payload = Buffer.from('hello, pod');
  const bytes = Buffer.concat([
    encode.synStream(1, Buffer.from([1, 2, 3]), true),
    encode.dataHeader(3, payload.length, false),
    payload,
    encode.dataHeader(3, 0, true),
    encode.ping(7),
    encode.rstStream(5, rstStatus.cancel),
    encode.goAway(9, 0),
  ]);

  it('decodes the same frames however the bytes are split', () => {
    const whole = parseAll(bytes, []);
    assert.deepEqual(
      whole.map((f) => f.type),
      ['synStream', 'data', 'data', 'ping', 'rstStream', 'goAway'],
    );
    assert.deepEqual(whole[0], {
      type: 'synStream',
      streamId: 1,
      associatedId: 0,
      priority: 0,
      fin: true,
      headerBlock: Buffer.from([1, 2, 3]),
    });
    assert.deepEqual(whole[1], { type: 'data', streamId: 3, data: payload, fin: false });
    assert.deepEqual(whole[2], { type: 'data', streamId: 3, data: Buffer.alloc(0), fin: true });
    assert.deepEqual(whole[3], { type: 'ping', id: 7 });
    assert.deepEqual(whole[4], { type: 'rstStream', streamId: 5, status: rstStatus.cancel });
    assert.deepEqual(whole[5], { type: 'goAway', lastGoodStreamId: 9, status: 0 });
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(parseAll(bytes, [cut]), whole, `split at ${cut}`);
    }
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(parseAll(bytes, everyByte), whole);
  });

  it('hands data payloads on without copying them', () => {
    const chunk = Buffer.concat([encode.dataHeader(1, 4, false), Buffer.from('abcd')]);
    const p = new FrameParser();
    let piece: Buffer | undefined;
    p.feed(chunk, (f) => {
      if (f.type === 'data') piece = f.data;
    });
    assert.equal(piece?.buffer, chunk.buffer);
  });

  it('refuses other SPDY versions', () => {
    const bad = encode.ping(1);
    bad.writeUInt16BE(0x8002, 0);
    assert.throws(() => new FrameParser().feed(bad, () => {}), /unsupported SPDY version 2/);
  });
});

describe('SPDY header blocks', () => {
  it('decompresses the header blocks kubectl port-forward sends', async () => {
    // Three consecutive SYN_STREAM header blocks of one kubectl connection (one zlib stream).
    const blocks = [
      '78f9e3c6a7c202253a060606ce2248fc6482d22da30138e59514a526e6420b17d65450d0430aea2250a266b23000000000ffff',
      '826a254a21aaf98600000000ffff',
      '225fab11000000ffff',
    ].map((h) => Buffer.from(h, 'hex'));
    const d = new HeaderDecompressor();
    try {
      const decoded = [];
      for (const b of blocks) decoded.push(Object.fromEntries(await d.decompress(b)));
      assert.deepEqual(decoded[0], { streamtype: 'error', port: '80', requestid: '0' });
      assert.equal(decoded[1].requestid, '1');
      assert.deepEqual(decoded[2], { streamtype: 'error', port: '80', requestid: '2' });
    } finally {
      d.close();
    }
  });

  it('decodes a long run of blocks compressed as Go does', async () => {
    const c = goLikeCompressor();
    const d = new HeaderDecompressor();
    try {
      for (let i = 0; i < 50; i++) {
        const h = { streamtype: i % 2 ? 'data' : 'error', port: String(8000 + i), requestid: String(i) };
        assert.deepEqual(Object.fromEntries(await d.decompress(await c.compress(h))), h);
      }
      // Larger than zlib's output buffer: must not stall the flush.
      const big = { note: 'y'.repeat(100_000) };
      assert.deepEqual(Object.fromEntries(await d.decompress(await c.compress(big))), big);
    } finally {
      c.close();
      d.close();
    }
  });

  it('writes valid zlib, each block ending in a sync-flush marker so readers need no more input', async () => {
    const hc = new HeaderCompressor();
    const inf = createInflate({ dictionary: spdyHeaderDictionary });
    try {
      const out: Buffer[] = [];
      inf.on('data', (c: Buffer) => out.push(c));
      const blocks: Record<string, string>[] = [{}, { ':status': '200' }, { big: 'x'.repeat(70_000) }];
      for (const h of blocks) {
        const block = hc.compress(encodeHeaderBlock(h));
        assert.deepEqual([...block.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
        inf.write(block);
        await new Promise<void>((resolve) => inf.flush(constants.Z_SYNC_FLUSH, () => resolve()));
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(Object.fromEntries(parseHeaderBlock(Buffer.concat(out.splice(0)))), h);
      }
    } finally {
      inf.close();
    }
  });
});

/** A transport recording what the session sends, with switchable backpressure. */
function fakeTransport() {
  const parser = new FrameParser();
  const frames: SpdyFrame[] = [];
  let behind = false;
  const drainWaiters: (() => void)[] = [];
  const calls = { pause: 0, resume: 0, end: 0 };
  const t: FrameTransport = {
    send(bufs) {
      for (const b of bufs)
        parser.feed(b, (f) => frames.push(f.type === 'data' ? { ...f, data: Buffer.from(f.data) } : f));
      return !behind;
    },
    onDrain(cb) {
      if (behind) drainWaiters.push(cb);
      else cb();
    },
    pause: () => void calls.pause++,
    resume: () => void calls.resume++,
    end: () => void calls.end++,
    destroy: () => {},
  };
  return {
    t,
    frames,
    calls,
    setBehind(b: boolean) {
      behind = b;
      if (!b) for (const cb of drainWaiters.splice(0)) cb();
    },
  };
}

describe('SPDY session', () => {
  async function open(session: SpdySession, c: ReturnType<typeof goLikeCompressor>, id: number, fin = false) {
    session.receive(encode.synStream(id, await c.compress({ streamtype: 'data', port: '80' }), fin));
  }

  it('opens client streams, replies, and carries data and half-closes both ways', async () => {
    const ft = fakeTransport();
    const streams: SpdyStream[] = [];
    const session = new SpdySession({
      onStream: (s) => streams.push(s.on('error', () => {})),
      log: silentLogger,
    });
    session.start(ft.t);
    const c = goLikeCompressor();
    try {
      await open(session, c, 1);
      while (streams.length === 0) await new Promise((r) => setImmediate(r));
      const s = streams[0];
      assert.equal(s.headers.get('port'), '80');
      s.accept();
      assert.equal(ft.frames[0].type, 'synReply');

      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      const ended = once(s, 'end');
      session.receive(Buffer.concat([encode.dataHeader(1, 3, false), Buffer.from('abc')]));
      session.receive(encode.dataHeader(1, 0, true));
      await ended;
      assert.equal(Buffer.concat(got).toString(), 'abc');

      s.end('xyz');
      await once(s, 'close');
      const data = ft.frames.filter((f) => f.type === 'data');
      assert.deepEqual(
        data.map((f) => (f.type === 'data' ? [f.streamId, f.data.toString(), f.fin] : [])),
        [
          [1, 'xyz', false],
          [1, '', true],
        ],
      );
      assert.equal(session.streamCount, 0);
      assert.ok(!ft.frames.some((f) => f.type === 'rstStream'), 'a cleanly closed stream is not reset');
    } finally {
      c.close();
      session.transportClosed();
    }
  });

  it('answers client pings and reports resets as stream errors', async () => {
    const ft = fakeTransport();
    const streams: SpdyStream[] = [];
    const session = new SpdySession({
      onStream: (s) => streams.push(s.on('error', () => {})),
      log: silentLogger,
    });
    session.start(ft.t);
    const c = goLikeCompressor();
    try {
      session.receive(encode.ping(5));
      assert.deepEqual(ft.frames.at(-1), { type: 'ping', id: 5 });
      await open(session, c, 1);
      while (streams.length === 0) await new Promise((r) => setImmediate(r));
      streams[0].accept();
      const failed = once(streams[0], 'error');
      session.receive(encode.rstStream(1, rstStatus.cancel));
      const [err] = await failed;
      assert.match((err as Error).message, /reset/);
      assert.equal(session.streamCount, 0);
    } finally {
      c.close();
      session.transportClosed();
    }
  });

  it('stops reading the connection while a stream reader is behind, and resumes', async () => {
    const ft = fakeTransport();
    const streams: SpdyStream[] = [];
    const session = new SpdySession({
      onStream: (s) => streams.push(s.on('error', () => {})),
      log: silentLogger,
    });
    session.start(ft.t);
    const c = goLikeCompressor();
    try {
      await open(session, c, 1);
      while (streams.length === 0) await new Promise((r) => setImmediate(r));
      const s = streams[0];
      s.accept();
      const big = Buffer.alloc(64 * 1024, 1);
      session.receive(Buffer.concat([encode.dataHeader(1, big.length, false), big]));
      assert.equal(ft.calls.pause, 1, 'nobody reads the stream: the connection pauses');
      s.resume();
      await new Promise((r) => setImmediate(r));
      assert.equal(ft.calls.resume, 1);
    } finally {
      c.close();
      session.transportClosed();
    }
  });

  it('holds stream writes while the transport is behind', async () => {
    const ft = fakeTransport();
    const streams: SpdyStream[] = [];
    const session = new SpdySession({
      onStream: (s) => streams.push(s.on('error', () => {})),
      log: silentLogger,
    });
    session.start(ft.t);
    const c = goLikeCompressor();
    try {
      await open(session, c, 1);
      while (streams.length === 0) await new Promise((r) => setImmediate(r));
      const s = streams[0];
      s.accept();
      ft.setBehind(true);
      let written = 0;
      s.write(Buffer.alloc(10), () => written++);
      s.write(Buffer.alloc(10), () => written++);
      await new Promise((r) => setImmediate(r));
      assert.equal(written, 0, 'the first write waits for the transport');
      ft.setBehind(false);
      await new Promise((r) => setImmediate(r));
      assert.equal(written, 2);
    } finally {
      c.close();
      session.transportClosed();
    }
  });

  it('refuses streams with even or repeated ids', async () => {
    const ft = fakeTransport();
    const session = new SpdySession({ onStream: (s) => s.on('error', () => {}).accept(), log: silentLogger });
    session.start(ft.t);
    const c = goLikeCompressor();
    try {
      await open(session, c, 2);
      await open(session, c, 3);
      await open(session, c, 3);
      while (ft.frames.length < 3) await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        ft.frames.map((f) => f.type),
        ['rstStream', 'synReply', 'rstStream'],
      );
    } finally {
      c.close();
      session.transportClosed();
    }
  });
});
