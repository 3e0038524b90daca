// GET pods/NAME/log: a container's CRI log as text/plain, chunked, kept open
// while following. Options and errors as upstream: the apiserver validates
// PodLogOptions and the container name, the kubelet checks the container's
// status, then streams the file with tail/since/timestamps/limit applied.
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/object.ts';
import { errors, type StatusCause } from '../api/status.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { LogFormatter, type LogTime, parseLogTime, timeFromDate } from './cri-log.ts';
import { readLogFile } from './log-file.ts';
import { checkLogAvailable, pickContainer } from './pod-checks.ts';
import type { PodStreamsResolver } from './types.ts';
import { flag } from './upgrade.ts';

export interface LogsDeps {
  resolve: PodStreamsResolver;
  clock: Clock;
  log: Logger;
  /** Longest wait between checks of a followed file when notifications are missed. */
  followPollMs?: number;
}

export interface LogOptions {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  since?: LogTime;
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return Number(raw);
}

/** PodLogOptions from the query, validated as the apiserver does. */
export function parseLogOptions(podName: string, query: URLSearchParams, clock: Clock): LogOptions {
  const tailLines = integer(query, 'tailLines');
  const limitBytes = integer(query, 'limitBytes');
  const sinceSeconds = integer(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  const causes: StatusCause[] = [];
  if (tailLines !== undefined && tailLines < 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'tailLines',
      message: `Invalid value: ${tailLines}: must be greater than or equal to 0`,
    });
  }
  if (limitBytes !== undefined && limitBytes < 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'limitBytes',
      message: `Invalid value: ${limitBytes}: must be greater than 0`,
    });
  }
  if (sinceSeconds !== undefined && sinceTime) {
    causes.push({
      reason: 'FieldValueForbidden',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  } else if (sinceSeconds !== undefined && sinceSeconds < 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'sinceSeconds',
      message: `Invalid value: ${sinceSeconds}: must be greater than 0`,
    });
  }
  if (causes.length > 0) throw errors.invalid('PodLogOptions', podName, causes);
  let since: LogTime | undefined;
  if (sinceSeconds !== undefined) since = timeFromDate(new Date(clock.now().getTime() - sinceSeconds * 1000));
  else if (sinceTime) {
    since = parseLogTime(sinceTime);
    if (!since) throw errors.badRequest(`parsing time "${sinceTime}" as RFC3339: cannot parse`);
  }
  return {
    container: query.get('container'),
    follow: flag(query, 'follow'),
    previous: flag(query, 'previous'),
    timestamps: flag(query, 'timestamps'),
    tailLines,
    limitBytes,
    since,
  };
}

/** Serves one logs request; throws a StatusError while nothing has been sent yet. */
export async function serveLogs(
  deps: LogsDeps,
  pod: KubeObject,
  _req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const name = pod.metadata.name ?? '';
  const opts = parseLogOptions(name, query, deps.clock);
  const container = pickContainer(pod, opts.container);
  if (!pod.spec?.nodeName) {
    // Not scheduled yet: upstream answers with an empty log.
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
    return;
  }
  checkLogAvailable(pod, container, opts.previous);
  const streams = (await deps.resolve(pod)).container(container);
  if (!streams) throw errors.badRequest(`container "${container}" in pod "${name}" is not available`);
  const ac = new AbortController();
  const log = await streams.log({ previous: opts.previous, signal: ac.signal });

  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  res.once('close', () => ac.abort());
  const formatter = new LogFormatter({
    timestamps: opts.timestamps,
    since: opts.since,
    limitBytes: opts.limitBytes,
  });
  try {
    await readLogFile(
      log,
      async (records) => {
        const parts = records.flatMap((r) => formatter.format(r));
        if (parts.length > 0 && !res.write(Buffer.concat(parts))) {
          await once(res, 'drain', { signal: ac.signal });
        }
        return !formatter.full;
      },
      { follow: opts.follow, tailLines: opts.tailLines, signal: ac.signal, pollMs: deps.followPollMs },
    );
  } catch (err) {
    if (!ac.signal.aborted) deps.log.warn('reading container log failed', { pod: name, container, err });
  }
  ac.abort();
  res.end();
}
