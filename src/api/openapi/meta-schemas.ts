// Definitions the type graph has no model for: scalar wrappers that upstream
// publishes as named schemas (Time, Quantity, IntOrString…) and the
// envelope types that operations reference (WatchEvent, Patch).

export type Schema = Record<string, unknown>;

const packages = {
  Time: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  MicroTime: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  FieldsV1: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  Patch: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  WatchEvent: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  Quantity: 'io.k8s.apimachinery.pkg.api.resource',
  IntOrString: 'io.k8s.apimachinery.pkg.util.intstr',
  RawExtension: 'io.k8s.apimachinery.pkg.runtime',
} as const;

export type MetaSchema = keyof typeof packages;

export function metaSchemaName(short: MetaSchema): string {
  return `${packages[short]}.${short}`;
}

export const metaSchemas: Record<MetaSchema, { schema: Schema; uses: MetaSchema[] }> = {
  Time: {
    schema: {
      description: 'A point in time, serialized as an RFC 3339 string with second precision (UTC).',
      format: 'date-time',
      type: 'string',
    },
    uses: [],
  },
  MicroTime: {
    schema: {
      description: 'A point in time, serialized as an RFC 3339 string with microsecond precision (UTC).',
      format: 'date-time',
      type: 'string',
    },
    uses: [],
  },
  Quantity: {
    schema: {
      description:
        'A fixed-point amount such as "100m", "1.5", "64Mi" or "2e3": a number followed by an optional ' +
        'binary (Ki, Mi, Gi, Ti, Pi, Ei) or decimal (n, u, m, k, M, G, T, P, E) suffix, or an exponent. ' +
        'Serialized as a string in canonical form.',
      oneOf: [{ type: 'string' }, { type: 'number' }],
    },
    uses: [],
  },
  IntOrString: {
    schema: {
      description:
        'Either a 32-bit integer or a string. Where it names a port it may be a number or a port name; ' +
        'elsewhere it is often an absolute number or a percentage such as "25%".',
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    },
    uses: [],
  },
  FieldsV1: {
    schema: {
      description:
        'The set of fields a manager owns, as a JSON trie whose keys are "f:<field>", "k:<list keys>", ' +
        '"v:<value>" or "i:<index>", and "." for the field itself.',
      type: 'object',
    },
    uses: [],
  },
  RawExtension: {
    schema: {
      description: 'An embedded object of any kind, carried as its own JSON with apiVersion and kind.',
      type: 'object',
    },
    uses: [],
  },
  Patch: {
    schema: {
      description:
        'The body of a PATCH request; its meaning depends on the Content-Type (JSON patch, merge patch, ' +
        'strategic merge patch or apply configuration).',
      type: 'object',
    },
    uses: [],
  },
  WatchEvent: {
    schema: {
      description: 'One change seen by a watch: its type and the object it concerns.',
      properties: {
        object: {
          allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension' }],
          description:
            'For ADDED and MODIFIED the object as it is now; for DELETED its last state; for BOOKMARK an ' +
            'object carrying only the resourceVersion; for ERROR a Status.',
        },
        type: {
          description: 'ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.',
          type: 'string',
        },
      },
      required: ['type', 'object'],
      type: 'object',
    },
    uses: ['RawExtension'],
  },
};
