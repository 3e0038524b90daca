// Events, in both API versions. events.k8s.io/v1 renames the core/v1 fields
// (regarding, note, deprecated*) but prints the same columns.
import type { CoreV1Event, EventsV1Event, V1EventSource, V1ObjectReference } from '@kubernetes/client-node';
import { column, fieldDoc, nameColumn, wideColumn } from './columns.ts';
import { since, type Timestamp, toMillis } from './format.ts';
import { asModel, type KubeObject, type Printer, type TableCell } from './types.ts';

/** The fields the columns read, whichever API version the event came in. */
interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  regarding: V1ObjectReference | undefined;
  source: V1EventSource | undefined;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: Timestamp;
  lastTimestamp: Timestamp;
  eventTime: Timestamp;
  count: number;
  series: { count?: number; lastObservedTime?: Timestamp } | undefined;
}

function coreView(e: CoreV1Event): EventView {
  return {
    name: e.metadata?.name ?? '',
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    regarding: e.involvedObject,
    source: e.source,
    reportingController: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    count: e.count ?? 0,
    series: e.series,
  };
}

function eventsV1View(e: EventsV1Event): EventView {
  return {
    name: e.metadata?.name ?? '',
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.note ?? '',
    regarding: e.regarding,
    source: e.deprecatedSource,
    reportingController: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    eventTime: e.eventTime,
    count: e.deprecatedCount ?? 0,
    series: e.series,
  };
}

/** "component, host", falling back to the reporting controller and instance; just the component without a host. */
function sourceText(v: EventView): string {
  const component = v.source?.component || v.reportingController;
  const host = v.source?.host || v.reportingInstance;
  return host ? `${component}, ${host}` : component;
}

/** kind/name of the object the event is about, lower-case kind; just the kind when unnamed. */
function objectText(ref: V1ObjectReference | undefined): string {
  const kind = (ref?.kind ?? '').toLowerCase();
  return ref?.name ? `${kind}/${ref.name}` : kind;
}

function eventCells(v: EventView, now: Date): TableCell[] {
  const first =
    toMillis(v.firstTimestamp) !== undefined ? since(v.firstTimestamp, now) : since(v.eventTime, now);
  let last = toMillis(v.lastTimestamp) !== undefined ? since(v.lastTimestamp, now) : first;
  let count = v.count;
  if (v.series) {
    last = since(v.series.lastObservedTime, now);
    count = v.series.count ?? 0;
  } else if (count === 0) {
    // Events recorded through the new API carry no count until they repeat.
    count = 1;
  }
  return [
    last,
    v.type,
    v.reason,
    objectText(v.regarding),
    v.regarding?.fieldPath ?? '',
    sourceText(v),
    v.message.trim(),
    first,
    count,
    v.name,
  ];
}

function eventColumns() {
  return [
    column('Last Seen', 'string', fieldDoc('CoreV1Event', 'lastTimestamp')),
    column('Type', 'string', fieldDoc('CoreV1Event', 'type')),
    column('Reason', 'string', fieldDoc('CoreV1Event', 'reason')),
    column('Object', 'string', 'The object this event is about, as kind/name.'),
    wideColumn('Subobject', 'string', fieldDoc('V1ObjectReference', 'fieldPath')),
    wideColumn('Source', 'string', 'The component, and host, that reported the event.'),
    column('Message', 'string', fieldDoc('CoreV1Event', 'message')),
    wideColumn('First Seen', 'string', fieldDoc('CoreV1Event', 'firstTimestamp')),
    wideColumn('Count', 'string', fieldDoc('CoreV1Event', 'count')),
    { ...nameColumn(), priority: 1 },
  ];
}

export const coreEventPrinter: Printer = {
  columns: eventColumns,
  cells: (obj: KubeObject, now: Date) => eventCells(coreView(asModel<CoreV1Event>(obj)), now),
};

export const eventsV1Printer: Printer = {
  columns: eventColumns,
  cells: (obj: KubeObject, now: Date) => eventCells(eventsV1View(asModel<EventsV1Event>(obj)), now),
};
