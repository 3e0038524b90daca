// Key ranges shared by both stores. Keys compare as UTF-8 bytes (code point
// order), which is how etcd compares them and how SQLite's BINARY collation
// compares TEXT. JavaScript's `<` compares UTF-16 units and disagrees for
// characters above U+FFFF, so never use it to order keys.

const encoder = new TextEncoder();

/** Compares two keys in the order both backends store them. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/**
 * The smallest string greater than every string that starts with `prefix`,
 * or undefined when there is none (empty prefix, or only U+10FFFF code points).
 * Built by bumping the last code point, so the result stays valid UTF-8.
 */
export function prefixEndString(prefix: string): string | undefined {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last >= 0x10ffff) continue;
    // Skip the surrogate block: those code points cannot appear in UTF-8.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, next);
  }
  return undefined;
}

/**
 * etcd's range end for a prefix: the prefix with its last byte below 0xff
 * incremented and everything after it dropped. An empty result means "to the
 * end of the keyspace" (etcd's "\0" convention is applied by the caller).
 */
export function prefixEndBytes(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]++;
      return end;
    }
  }
  return new Uint8Array(0);
}

/** The key range a list or watch of `prefix` covers, with an optional exclusive start. */
export interface KeyRange {
  /** Lower bound and whether it is included. */
  from: string;
  fromInclusive: boolean;
  /** Exclusive upper bound; undefined = unbounded. */
  to: string | undefined;
}

export function keyRange(prefix: string, startAfter?: string): KeyRange {
  const to = prefixEndString(prefix);
  if (startAfter !== undefined && compareKeys(startAfter, prefix) >= 0) {
    return { from: startAfter, fromInclusive: false, to };
  }
  return { from: prefix, fromInclusive: true, to };
}
