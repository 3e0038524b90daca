// Server-side printing of meta.k8s.io/v1 Tables for `kubectl get`.
export { humanDuration } from './format.ts';
export { printerFor, type TableBody, type TableOptions, tableBody, toTable, wrapTable } from './table.ts';
export type {
  IncludeObject,
  KubeObject,
  ListMeta,
  ObjectMeta,
  PartialObjectMetadata,
  Printer,
  Table,
  TableCell,
  TableColumnDefinition,
  TableRow,
  TableRowCondition,
} from './types.ts';
