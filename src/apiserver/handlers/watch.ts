// Streams watch events as newline-delimited JSON. Headers go out at once
// (kubectl wait hangs on a withheld 200); a too-old resourceVersion becomes
// an ERROR event carrying a 410 Status, as upstream's watch cache answers.
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.ts';
import { errors, StatusError } from '../../api/status.ts';
import type { Logger } from '../../util/log.ts';
import type { CacheEvent } from '../watch-cache.ts';

export interface WatchStreamOptions {
  events: AsyncIterable<CacheEvent>;
  /** Turns an event's object into what this client asked for (plain, Table row, metadata). */
  render: (e: CacheEvent) => unknown;
  /** Renders an object for a BOOKMARK event (only metadata.resourceVersion is read). */
  bookmark?: () => KubeObject | undefined;
  bookmarkIntervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
  abort: () => void;
  log: Logger;
}

export async function streamWatch(res: ServerResponse, o: WatchStreamOptions): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  const timer = setTimeout(o.abort, o.timeoutMs);
  const bookmarks = o.bookmark
    ? setInterval(() => {
        const obj = o.bookmark?.();
        if (obj) res.write(`${JSON.stringify({ type: 'BOOKMARK', object: obj })}\n`);
      }, o.bookmarkIntervalMs)
    : undefined;
  try {
    for await (const e of o.events) {
      const line = `${JSON.stringify({ type: e.type, object: o.render(e) })}\n`;
      if (!res.write(line)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      if (o.signal.aborted) break;
    }
  } catch (err) {
    if (!o.signal.aborted) {
      const se = err instanceof StatusError ? err : errors.internal((err as Error).message);
      if (!(err instanceof StatusError)) o.log.warn('watch failed', { err: err as Error });
      res.write(`${JSON.stringify({ type: 'ERROR', object: se.status })}\n`);
    }
  } finally {
    clearTimeout(timer);
    if (bookmarks) clearInterval(bookmarks);
    o.abort();
    res.end();
  }
}
