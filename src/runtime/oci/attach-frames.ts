// Reads what orca-attach-relay (attach-relay.c) writes: frames of a 4-byte
// big-endian length and one packet from conmon's attach socket. A packet's
// first byte names the container pipe its data came from. Two frames are the
// relay's own: the empty one it sends first says it is connected, and one
// holding only the byte 0 says it has passed on all input up to its end.

/** conmon's names for the container's pipes (its stdpipe_t). */
const conmonStdout = 2;
const conmonStderr = 3;
/** Never a pipe conmon names (its NO_PIPE); the relay uses it for its own message. */
const relayInputEnded = 0;

export type AttachPacket =
  | { kind: 'connected' }
  | { kind: 'inputEnded' }
  | { kind: 'output'; pipe: 'stdout' | 'stderr'; data: Buffer }
  /** A packet naming no pipe we know; kept so a caller can log it, never shown to users. */
  | { kind: 'unknown'; pipe: number; data: Buffer };

/** Cuts the relay's byte stream into packets; chunks may split frames anywhere. */
export class AttachFrameReader {
  #buffered: Buffer = Buffer.alloc(0);

  /** The packets completed by this chunk, in order. */
  read(chunk: Buffer): AttachPacket[] {
    let buf = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    const packets: AttachPacket[] = [];
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      packets.push(packetOf(buf.subarray(4, 4 + len)));
      buf = buf.subarray(4 + len);
    }
    // A copy, so a held remainder does not pin the whole chunk it came in.
    this.#buffered = Buffer.from(buf);
    return packets;
  }

  /** Bytes of an unfinished frame: non-zero at the end of the stream means it was cut short. */
  get pendingBytes(): number {
    return this.#buffered.length;
  }
}

function packetOf(packet: Buffer): AttachPacket {
  if (packet.length === 0) return { kind: 'connected' };
  if (packet.length === 1 && packet[0] === relayInputEnded) return { kind: 'inputEnded' };
  const data = packet.subarray(1);
  switch (packet[0]) {
    case conmonStdout:
      return { kind: 'output', pipe: 'stdout', data };
    case conmonStderr:
      return { kind: 'output', pipe: 'stderr', data };
    default:
      return { kind: 'unknown', pipe: packet[0], data };
  }
}

/** One frame as the relay writes it (for tests and tools that stand in for the relay). */
export function attachFrame(pipe: number | undefined, data: Buffer = Buffer.alloc(0)): Buffer {
  const packet = pipe === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([pipe]), data]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(packet.length);
  return Buffer.concat([head, packet]);
}
