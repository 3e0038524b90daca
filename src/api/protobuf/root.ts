// The protobuf schema orca decodes request bodies with: the .proto files in
// ./proto, parsed by protobufjs on first use. Parsing is pure and the result
// immutable, so one parse is shared, as src/api/schema.ts shares models.json.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const files = [
  'apimachinery',
  'runtime',
  'intstr',
  'resource',
  'core',
  'pod',
  'container',
  'volume',
  'apps',
  'batch',
];

let parsed: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (!parsed) {
    const root = new protobuf.Root();
    root.loadSync(
      files.map((f) => fileURLToPath(new URL(`./proto/${f}.proto`, import.meta.url))),
      { keepCase: true },
    );
    root.resolveAll();
    parsed = root;
  }
  return parsed;
}

/** The message type of a top-level kind, e.g. ("apps/v1", "Deployment") → k8s.io.api.apps.v1.Deployment. */
export function kindType(apiVersion: string, kind: string): protobuf.Type | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  // Upstream's package is the group's first label: "events.k8s.io" → k8s.io.api.events.v1.
  const pkg = `k8s.io.api.${group ? group.split('.')[0] : 'core'}.${version}`;
  const found = protoRoot().lookup(`${pkg}.${kind}`);
  return found instanceof protobuf.Type ? found : undefined;
}

export function envelopeType(): protobuf.Type {
  return protoRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
}
