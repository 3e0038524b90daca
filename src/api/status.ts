// Kubernetes API errors as typed values. Every layer throws StatusError; only
// the apiserver turns it into an HTTP response (the Status object is the body).

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Expired';

export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'UnexpectedServerResponse'
  | 'FieldManagerConflict'
  | 'ResourceVersionTooLarge'
  | 'ExitCode';

export interface StatusCause {
  reason: CauseType | string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

const codeFor: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export class StatusError extends Error {
  readonly status: Status;
  constructor(reason: StatusReason, message: string, details?: StatusDetails, code?: number) {
    super(message);
    this.name = 'StatusError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details ? { details } : {}),
      code: code ?? codeFor[reason],
    };
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** Identifies the object an error is about, as upstream names it in messages: `pods "web"`. */
export interface Subject {
  /** Plural resource name, e.g. "pods" or "deployments.apps" style qualified name for non-core. */
  resource: string;
  group?: string;
  kind?: string;
  name: string;
}

function qualified(s: Subject): string {
  return s.group ? `${s.resource}.${s.group}` : s.resource;
}

function detailsOf(s: Subject): StatusDetails {
  return { name: s.name, ...(s.group ? { group: s.group } : {}), kind: s.resource };
}

export const errors = {
  notFound: (s: Subject) =>
    new StatusError('NotFound', `${qualified(s)} "${s.name}" not found`, detailsOf(s)),
  alreadyExists: (s: Subject) =>
    new StatusError('AlreadyExists', `${qualified(s)} "${s.name}" already exists`, detailsOf(s)),
  conflict: (
    s: Subject,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ) =>
    new StatusError(
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(s)} "${s.name}": ${why}`,
      detailsOf(s),
    ),
  invalid: (kind: string, name: string, causes: StatusCause[], group?: string) => {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
    const msg = `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.length > 1 ? `[${list}]` : list}`;
    return new StatusError('Invalid', msg, { name, ...(group ? { group } : {}), kind, causes });
  },
  badRequest: (message: string) => new StatusError('BadRequest', message),
  gone: (message: string) => new StatusError('Expired', message, undefined, 410),
  methodNotAllowed: (message: string) => new StatusError('MethodNotAllowed', message),
  unsupportedMediaType: (message: string) => new StatusError('UnsupportedMediaType', message),
  notAcceptable: (message: string) => new StatusError('NotAcceptable', message),
  tooLarge: (message = 'Request entity too large: limit is 3145728') =>
    new StatusError('RequestEntityTooLarge', message),
  unauthorized: () => new StatusError('Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new StatusError('Forbidden', message),
  internal: (message: string) => new StatusError('InternalError', `Internal error occurred: ${message}`),
  unavailable: (message: string) => new StatusError('ServiceUnavailable', message),
  timeout: (message: string) => new StatusError('Timeout', message),
};

export const isStatusError = (e: unknown): e is StatusError => e instanceof StatusError;
export const isNotFound = (e: unknown): boolean => isStatusError(e) && e.reason === 'NotFound';
export const isAlreadyExists = (e: unknown): boolean => isStatusError(e) && e.reason === 'AlreadyExists';
export const isConflict = (e: unknown): boolean => isStatusError(e) && e.reason === 'Conflict';
export const isGone = (e: unknown): boolean => isStatusError(e) && e.code === 410;
export const isInvalid = (e: unknown): boolean => isStatusError(e) && e.reason === 'Invalid';
