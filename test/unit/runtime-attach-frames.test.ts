// The attach relay's framing: conmon's packets, each naming its pipe, cut out
// of a byte stream that arrives in chunks of any size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttachFrameReader, type AttachPacket, attachFrame } from '../../src/runtime/oci/attach-frames.ts';

const stdout = 2;
const stderr = 3;

function text(packets: AttachPacket[]): string[] {
  return packets.map((p) =>
    p.kind === 'connected' || p.kind === 'inputEnded' ? `<${p.kind}>` : `${p.kind}:${p.pipe}:${p.data}`,
  );
}

describe('attach frames', () => {
  const stream = Buffer.concat([
    attachFrame(undefined),
    attachFrame(stdout, Buffer.from('hello ')),
    attachFrame(stderr, Buffer.from('oops\n')),
    attachFrame(stdout, Buffer.from('world\n')),
    attachFrame(9, Buffer.from('?')),
    attachFrame(0),
    attachFrame(0, Buffer.from('x')),
  ]);
  const want = [
    '<connected>',
    'output:stdout:hello ',
    'output:stderr:oops\n',
    'output:stdout:world\n',
    'unknown:9:?',
    '<inputEnded>',
    'unknown:0:x',
  ];

  it('reads whole frames in one chunk', () => {
    const reader = new AttachFrameReader();
    assert.deepEqual(text(reader.read(stream)), want);
    assert.equal(reader.pendingBytes, 0);
  });

  it('reads frames split at every possible byte', () => {
    for (let size = 1; size <= 7; size++) {
      const reader = new AttachFrameReader();
      const got: AttachPacket[] = [];
      for (let at = 0; at < stream.length; at += size)
        got.push(...reader.read(stream.subarray(at, at + size)));
      assert.deepEqual(text(got), want, `chunks of ${size}`);
      assert.equal(reader.pendingBytes, 0);
    }
  });

  it('keeps an unfinished frame until the rest arrives', () => {
    const reader = new AttachFrameReader();
    const frame = attachFrame(stdout, Buffer.alloc(70_000, 'x'));
    assert.deepEqual(reader.read(frame.subarray(0, 1000)), []);
    assert.equal(reader.pendingBytes, 1000);
    const [packet] = reader.read(frame.subarray(1000));
    assert.equal(packet.kind === 'output' && packet.data.length, 70_000);
  });

  it('passes binary data through unchanged', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const [packet] = new AttachFrameReader().read(attachFrame(stdout, bytes));
    assert.ok(packet.kind === 'output' && packet.data.equals(bytes));
  });
});
