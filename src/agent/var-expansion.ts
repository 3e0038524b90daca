// Kubernetes `$(VAR)` references, expanded the way the kubelet does in env
// values, command, args and subPathExpr: `$$` is a literal `$`, a reference
// to an unknown name stays as written, and an unclosed `$(` is kept as text.

/** Returns the value a reference expands to. */
export type Mapping = (name: string) => string;

const operator = '$';
const opener = '(';
const closer = ')';

interface Read {
  text: string;
  isReference: boolean;
  /** Characters consumed after the operator. */
  advance: number;
}

function readAfterOperator(rest: string): Read {
  switch (rest[0]) {
    case operator:
      return { text: operator, isReference: false, advance: 1 };
    case opener: {
      const end = rest.indexOf(closer, 1);
      if (end >= 0) return { text: rest.slice(1, end), isReference: true, advance: end + 1 };
      // Unclosed: keep "$(" and go on scanning after the parenthesis.
      return { text: operator + opener, isReference: false, advance: 1 };
    }
    default:
      return { text: operator + rest[0], isReference: false, advance: 1 };
  }
}

export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== operator || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const read = readAfterOperator(input.slice(cursor + 1));
    out += read.isReference ? mapping(read.text) : read.text;
    cursor += read.advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** Looks a name up in each context in turn; an unknown name expands to its own reference. */
export function mappingFor(...contexts: ReadonlyMap<string, string>[]): Mapping {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `${operator}${opener}${name}${closer}`;
  };
}
