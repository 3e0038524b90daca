// Server-side printing: turns objects of one resource into the
// meta.k8s.io/v1 Table that `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io).
//
//   const table = toTable(podsResource, pods, { includeObject: 'Metadata', now: clock.now() });
//   table.metadata = { resourceVersion: list.resourceVersion };
import type { ResourceInfo } from '../resources.ts';
import {
  configMapPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  persistentVolumeClaimPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './cluster.ts';
import { fieldDoc, nameColumn } from './columns.ts';
import { coreEventPrinter, eventsV1Printer } from './events.ts';
import { toMillis } from './format.ts';
import { podPrinter } from './pods.ts';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './services.ts';
import type {
  IncludeObject,
  KubeObject,
  ListMeta,
  Printer,
  Table,
  TableColumnDefinition,
  TableRow,
} from './types.ts';
import {
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './workloads.ts';

/** Printers by "group/version/plural" ("" group for core). */
const printers: ReadonlyMap<string, Printer> = new Map([
  ['/v1/namespaces', namespacePrinter],
  ['/v1/pods', podPrinter],
  ['/v1/nodes', nodePrinter],
  ['/v1/events', coreEventPrinter],
  ['/v1/configmaps', configMapPrinter],
  ['/v1/secrets', secretPrinter],
  ['/v1/services', servicePrinter],
  ['/v1/endpoints', endpointsPrinter],
  ['/v1/serviceaccounts', serviceAccountPrinter],
  ['/v1/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['apps/v1/deployments', deploymentPrinter],
  ['apps/v1/replicasets', replicaSetPrinter],
  ['apps/v1/statefulsets', statefulSetPrinter],
  ['apps/v1/daemonsets', daemonSetPrinter],
  ['batch/v1/jobs', jobPrinter],
  ['batch/v1/cronjobs', cronJobPrinter],
  ['coordination.k8s.io/v1/leases', leasePrinter],
  ['events.k8s.io/v1/events', eventsV1Printer],
  ['discovery.k8s.io/v1/endpointslices', endpointSlicePrinter],
]);

/** RFC3339 in UTC to the second, as Go formats a metav1.Time; Go's zero time when unset. */
function rfc3339(ms: number | undefined): string {
  if (ms === undefined) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * For resources without a printer of their own (custom resources, kinds
 * added later): NAME and CREATED AT, as the apiserver's default table.
 */
const defaultPrinter: Printer = {
  columns: () => [
    nameColumn(),
    {
      name: 'Created At',
      type: 'date',
      format: '',
      description: fieldDoc('V1ObjectMeta', 'creationTimestamp'),
      priority: 0,
    },
  ],
  cells: (obj) => [obj.metadata?.name ?? '', rfc3339(toMillis(obj.metadata?.creationTimestamp))],
};

/** The printer kube-apiserver would use for this resource. */
export function printerFor(resource: Pick<ResourceInfo, 'group' | 'version' | 'plural'>): Printer {
  return printers.get(`${resource.group}/${resource.version}/${resource.plural}`) ?? defaultPrinter;
}

export interface TableOptions {
  /** What each row carries besides its cells; kubectl asks for 'Metadata'. */
  includeObject: IncludeObject;
  /** The moment ages are measured from. */
  now: Date;
  /** Leave out the column definitions (TableOptions.noHeaders). */
  noHeaders?: boolean;
}

/** The column definitions and rows; the caller adds list metadata with wrapTable. */
export interface TableBody {
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): TableRow['object'] {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
    case 'Object':
      return obj;
  }
}

/** Columns and one row per object, in the order given. */
export function tableBody(
  resource: ResourceInfo,
  objects: readonly KubeObject[],
  opts: TableOptions,
): TableBody {
  const printer = printerFor(resource);
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, opts.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object) row.object = object;
    return row;
  });
  return { columnDefinitions: opts.noHeaders ? [] : printer.columns(), rows };
}

/** The full Table object around a body; `metadata` is the list's (resourceVersion, continue…). */
export function wrapTable(body: TableBody, metadata: ListMeta = {}): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: body.columnDefinitions,
    rows: body.rows,
  };
}

/** tableBody and wrapTable in one step, with empty list metadata for the caller to fill. */
export function toTable(
  resource: ResourceInfo,
  objects: readonly KubeObject[],
  opts: TableOptions & { metadata?: ListMeta },
): Table {
  return wrapTable(tableBody(resource, objects, opts), opts.metadata);
}
