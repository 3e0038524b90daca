// Generates src/api/generated/models.json: the field graph of every
// Kubernetes type reachable from the kinds orca serves, taken from the
// maintained @kubernetes/client-node package (its generated models carry each
// field's JSON name, type and format; its .d.ts files carry descriptions and
// which fields are required). OpenAPI, strategic merge patch and validation
// all read this one file. Run: node scripts/gen-models.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { groupVersion, resources } from '../src/api/resources.ts';
import type { FieldType, Model, ModelSet } from '../src/api/schema.ts';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type ModelClass = { attributeTypeMap?: Attribute[] };

const classes = k8s as unknown as Record<string, ModelClass>;
const modelsDir = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')),
  'gen',
  'models',
);

// Kinds whose client-node class name differs from V1<Kind>.
const classOf = (group: string, kind: string): string => {
  if (group === '' && (kind === 'Event' || kind === 'EventList')) return `CoreV1${kind}`;
  if (group === 'events.k8s.io' && (kind === 'Event' || kind === 'EventList')) return `EventsV1${kind}`;
  return `V1${kind}`;
};

const packageOf = (group: string): string => {
  if (group === '') return 'io.k8s.api.core.v1';
  const short = group.replace(/\.k8s\.io$/, '').replace(/\./g, '');
  return `io.k8s.api.${short}.v1`;
};

const metaTypes = new Set([
  'V1ObjectMeta',
  'V1ListMeta',
  'V1LabelSelector',
  'V1LabelSelectorRequirement',
  'V1OwnerReference',
  'V1ManagedFieldsEntry',
  'V1Status',
  'V1StatusDetails',
  'V1StatusCause',
  'V1DeleteOptions',
  'V1Preconditions',
  'V1Condition',
  'V1MicroTime',
  'V1Time',
  'V1APIResource',
  'V1APIResourceList',
  'V1WatchEvent',
]);

function parseType(t: string, format: string): FieldType {
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { kind: 'array', items: parseType(arr[1], format) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { kind: 'map', values: parseType(map[1], format) };
  switch (t) {
    case 'string':
      return { kind: 'string', ...(format ? { format } : {}) };
    case 'Date':
      return { kind: 'string', format: format || 'date-time' };
    case 'number':
      return { kind: format === 'double' ? 'number' : 'integer', ...(format ? { format } : {}) };
    case 'boolean':
      return { kind: 'boolean' };
    case 'IntOrString':
      return { kind: 'int-or-string' };
    // Serialised as RFC 3339 strings, whatever class the client models give them.
    case 'V1MicroTime':
    case 'V1Time':
      return { kind: 'string', format: 'date-time' };
    case 'any':
    case 'object':
      return { kind: 'any' };
    default:
      return { kind: 'ref', model: t };
  }
}

/** Descriptions and required-ness from the generated .d.ts next to each model. */
function docsOf(className: string): {
  description: string;
  fields: Map<string, { doc: string; required: boolean }>;
} {
  const fields = new Map<string, { doc: string; required: boolean }>();
  let text: string;
  try {
    text = readFileSync(join(modelsDir, `${className}.d.ts`), 'utf8');
  } catch {
    return { description: '', fields };
  }
  const clean = (s: string) =>
    s
      .replace(/^\s*\*\s?/gm, '')
      .replace(/\\(['"])/g, '$1')
      .replace(/\s+/g, ' ')
      .trim();
  const classDoc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export declare class/.exec(text);
  const re = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*'([^']+)'(\?)?:/g;
  for (let m = re.exec(text); m; m = re.exec(text)) fields.set(m[2], { doc: clean(m[1]), required: !m[3] });
  return { description: classDoc ? clean(classDoc[1]) : '', fields };
}

const out: ModelSet = { generatedFrom: '@kubernetes/client-node', kinds: {}, models: {} };
const queue: { className: string; pkg: string }[] = [];

for (const r of resources) {
  const className = classOf(r.group, r.kind);
  if (!classes[className]?.attributeTypeMap) throw new Error(`no model ${className} for ${r.kind}`);
  out.kinds[`${groupVersion(r)}/${r.kind}`] = className;
  queue.push({ className, pkg: packageOf(r.group) });
  const listClass = classOf(r.group, r.listKind);
  if (classes[listClass]?.attributeTypeMap) {
    out.kinds[`${groupVersion(r)}/${r.listKind}`] = listClass;
    queue.push({ className: listClass, pkg: packageOf(r.group) });
  }
}
for (const extra of ['V1Status', 'V1DeleteOptions', 'V1Binding', 'V1Eviction', 'V1Scale']) {
  queue.push({
    className: extra,
    pkg: extra === 'V1Scale' ? 'io.k8s.api.autoscaling.v1' : 'io.k8s.api.core.v1',
  });
}
// Core kinds go first in the queue, so shared core types (PodSpec…) are named in the core package.
queue.sort((a, b) => Number(b.pkg === 'io.k8s.api.core.v1') - Number(a.pkg === 'io.k8s.api.core.v1'));

while (queue.length) {
  const { className, pkg } = queue.shift()!;
  if (out.models[className]) continue;
  const attrs = classes[className]?.attributeTypeMap;
  if (!attrs) continue;
  const docs = docsOf(className);
  const bare = className
    .replace(/^(CoreV1|EventsV1|DiscoveryV1|AppsV1|BatchV1)/, '')
    .replace(/^V1(beta\d|alpha\d)?/, '');
  const name = `${metaTypes.has(className) ? 'io.k8s.apimachinery.pkg.apis.meta.v1' : pkg}.${bare}`;
  const model: Model = { name, description: docs.description, fields: {} };
  for (const a of attrs) {
    const type = parseType(a.type, a.format);
    const doc = docs.fields.get(a.name);
    model.fields[a.baseName] = {
      type,
      ...(doc?.doc ? { description: doc.doc } : {}),
      ...(doc?.required ? { required: true } : {}),
    };
    let inner: FieldType = type;
    while (inner.kind === 'array' || inner.kind === 'map')
      inner = inner.kind === 'array' ? inner.items : inner.values;
    if (inner.kind === 'ref') queue.push({ className: inner.model, pkg });
  }
  out.models[className] = model;
}

const target = new URL('../src/api/generated/models.json', import.meta.url);
writeFileSync(target, JSON.stringify(out));
console.log(`wrote ${Object.keys(out.models).length} models for ${Object.keys(out.kinds).length} kinds`);
