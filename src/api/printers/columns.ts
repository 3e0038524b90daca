// Column definitions. Descriptions of columns that show one API field are
// that field's documentation from the generated model set, as upstream's
// are; columns computed from several fields describe themselves.
import { model } from '../schema.ts';
import type { TableColumnDefinition } from './types.ts';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/** The documentation of `field` in model `modelId`, or `fallback` when the model set has none. */
export function fieldDoc(modelId: string, field: string, fallback = ''): string {
  return model(modelId)?.fields[field]?.description ?? fallback;
}

/** A column shown by default. */
export function column(name: string, type: ColumnType, description: string): TableColumnDefinition {
  return { name, type, format: '', description, priority: 0 };
}

/** A column kubectl shows only with `-o wide`. */
export function wideColumn(name: string, type: ColumnType, description: string): TableColumnDefinition {
  return { name, type, format: '', description, priority: 1 };
}

/** The NAME column: format "name" tells clients which cell names the object. */
export function nameColumn(): TableColumnDefinition {
  return {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: fieldDoc('V1ObjectMeta', 'name'),
    priority: 0,
  };
}

export function ageColumn(): TableColumnDefinition {
  return column('Age', 'string', fieldDoc('V1ObjectMeta', 'creationTimestamp'));
}

/** The CONTAINERS and IMAGES wide columns every pod-template owner has. */
export function templateColumns(): TableColumnDefinition[] {
  return [
    wideColumn('Containers', 'string', 'The names of the containers in the pod template.'),
    wideColumn('Images', 'string', 'The images of the containers in the pod template.'),
  ];
}
