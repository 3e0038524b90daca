// The meta.k8s.io/v1 Table shape kubectl asks for, and the contract each
// per-resource printer fulfils.
import type { KubeObject, ObjectMeta } from '../object.ts';

export type { KubeObject, ObjectMeta };

export interface TableColumnDefinition {
  /** As upstream spells it ("Up-to-date"); kubectl upper-cases it for the header. */
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** "name" on the column that holds the object's name, else "". */
  format: string;
  description: string;
  /** 0: always shown; 1: shown by kubectl only with `-o wide`. */
  priority: number;
}

export type TableCell = string | number | boolean;

/** Set on rows of finished objects (a Succeeded or Failed pod). */
export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** Absent for includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** What each row carries besides its cells (the request's `includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/**
 * How one resource prints. The server always renders wide: every column,
 * priority 1 included, has a cell in every row, and clients hide the wide
 * ones themselves. `cells` returns exactly one cell per column, in order.
 */
export interface Printer {
  columns(): TableColumnDefinition[];
  cells(obj: KubeObject, now: Date): TableCell[];
  conditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

/**
 * A stored object seen as its kind's client-node model. Type-only: at run
 * time timestamps stay RFC3339 strings, which the time helpers accept.
 */
export function asModel<T>(obj: KubeObject): T {
  return obj as unknown as T;
}
