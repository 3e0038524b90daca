// The request parameters orca's REST operations take, described in OpenAPI
// form. Names and types follow upstream so that clients which probe the
// document (kubectl looks for fieldValidation on PATCH) find what they expect.

export interface Parameter {
  description: string;
  in: 'path' | 'query';
  name: string;
  required?: boolean;
  schema: { type: 'string' | 'integer' | 'boolean' };
}

const query = (name: string, type: Parameter['schema']['type'], description: string): Parameter => ({
  description,
  in: 'query',
  name,
  schema: { type },
});

export const pathName = (kind: string): Parameter => ({
  description: `name of the ${kind}`,
  in: 'path',
  name: 'name',
  required: true,
  schema: { type: 'string' },
});

export const pathNamespace: Parameter = {
  description: 'the namespace the object lives in',
  in: 'path',
  name: 'namespace',
  required: true,
  schema: { type: 'string' },
};

export const pretty = query('pretty', 'string', "If 'true', the response is indented for reading.");

const dryRun = query(
  'dryRun',
  'string',
  'When set to All, the request runs every stage (admission, validation, defaulting) but persists nothing.',
);
const fieldManager = query(
  'fieldManager',
  'string',
  'Name of the actor making the change, recorded in managedFields; at most 128 printable characters. ' +
    'Required for apply patches.',
);
const fieldValidation = query(
  'fieldValidation',
  'string',
  'How to treat unknown or duplicated fields in the body: Ignore drops them silently, Warn drops them ' +
    'with a Warning header for each (the default), Strict rejects the request with BadRequest naming them.',
);
const force = query(
  'force',
  'boolean',
  'For apply patches only: take ownership of fields that conflict with other managers instead of failing.',
);

export const writeParams = [dryRun, fieldManager, fieldValidation];
export const patchParams = [dryRun, fieldManager, fieldValidation, force];

const listOnly = {
  allowWatchBookmarks: query(
    'allowWatchBookmarks',
    'boolean',
    'Ask the watch to send BOOKMARK events carrying the current resourceVersion. Ignored unless watching.',
  ),
  watch: query(
    'watch',
    'boolean',
    'Stream ADDED, MODIFIED and DELETED events instead of returning a list; pair with resourceVersion.',
  ),
};

const selection = [
  query(
    'continue',
    'string',
    'Token from the metadata of a previous chunked list, to fetch the next chunk. A token that has ' +
      'expired yields 410 Gone. Not used with watch.',
  ),
  query('fieldSelector', 'string', 'Only objects whose fields match this selector. Defaults to all.'),
  query('labelSelector', 'string', 'Only objects whose labels match this selector. Defaults to all.'),
  query(
    'limit',
    'integer',
    'Return at most this many items and a continue token when more remain. Not used with watch.',
  ),
  query(
    'resourceVersion',
    'string',
    'Which resource version the answer may come from; for a watch, the version to start after. ' +
      'Unset means the most recent.',
  ),
  query(
    'resourceVersionMatch',
    'string',
    'How resourceVersion is applied to a list: Exact or NotOlderThan. Defaults to unset.',
  ),
  query(
    'sendInitialEvents',
    'boolean',
    'With watch=true, begin the stream with synthetic ADDED events for the current objects followed by ' +
      'a BOOKMARK; requires resourceVersionMatch=NotOlderThan.',
  ),
  query('timeoutSeconds', 'integer', 'End the list or watch call after this many seconds.'),
];

/** Parameters of list and watch operations, alphabetical as upstream orders them. */
export const listParams = byName([...selection, listOnly.allowWatchBookmarks, listOnly.watch]);

const deleteOnly = [
  query(
    'gracePeriodSeconds',
    'integer',
    'Seconds the object gets to terminate gracefully; 0 deletes at once. Unset uses the per-kind default.',
  ),
  query(
    'orphanDependents',
    'boolean',
    'Deprecated in favour of propagationPolicy: true orphans the dependents, false deletes them.',
  ),
  query(
    'propagationPolicy',
    'string',
    'What happens to dependents: Orphan, Background (the garbage collector deletes them afterwards) or ' +
      'Foreground (they are deleted before the owner).',
  ),
];

export const deleteParams = byName([dryRun, ...deleteOnly]);
export const deleteCollectionParams = byName([dryRun, ...deleteOnly, ...selection]);

export const logParams = byName([
  query('container', 'string', 'Container to read; may be omitted when the pod has one container.'),
  query('follow', 'boolean', 'Keep the stream open and send new lines as they are written.'),
  query('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the serving certificate of the node.'),
  query('limitBytes', 'integer', 'Stop after this many bytes.'),
  query('previous', 'boolean', 'Read the previous, terminated instance of the container.'),
  query('sinceSeconds', 'integer', 'Only lines written in the last this many seconds.'),
  query('sinceTime', 'string', 'Only lines written at or after this RFC 3339 time.'),
  query('stream', 'string', 'All (default), Stdout or Stderr.'),
  query('tailLines', 'integer', 'Only this many lines from the end.'),
  query('timestamps', 'boolean', 'Prefix each line with its RFC 3339 timestamp.'),
]);

const streamFlags = [
  query('container', 'string', 'Container to connect to; may be omitted when the pod has one container.'),
  query('stderr', 'boolean', 'Forward the standard error stream.'),
  query('stdin', 'boolean', 'Forward the caller’s standard input.'),
  query('stdout', 'boolean', 'Forward the standard output stream.'),
  query('tty', 'boolean', 'Allocate a terminal.'),
];

export const execParams = byName([
  query('command', 'string', 'The command to run, one argument per repeated parameter.'),
  ...streamFlags,
]);
export const attachParams = byName(streamFlags);
export const portForwardParams = [
  query('ports', 'integer', 'Ports to forward, repeated or comma separated.'),
];
export const proxyParams = [query('path', 'string', 'Path to pass on to the proxied target.')];

function byName(params: Parameter[]): Parameter[] {
  return [...params].sort((a, b) => a.name.localeCompare(b.name));
}
