// Entry point of the writer thread: owns the only writable connection and
// answers one request at a time (see writer-protocol.ts).

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { LogWriter } from './log-writer.ts';
import { openWriterConnection } from './schema.ts';
import type { WriterReply, WriterRequest, WriterStartup } from './writer-protocol.ts';

function serve(port: MessagePort, startup: WriterStartup): void {
  const reply = (message: WriterReply) => port.postMessage(message);
  let writer: LogWriter;
  try {
    writer = new LogWriter(openWriterConnection(startup.path));
  } catch (err) {
    reply({ kind: 'failed', message: errorMessage(err) });
    return;
  }
  reply({ kind: 'ready', revision: writer.revision, compacted: writer.compacted });

  port.on('message', (request: WriterRequest) => {
    try {
      switch (request.kind) {
        case 'write': {
          const outcomes = writer.apply(request.ops);
          reply({ kind: 'written', outcomes, revision: writer.revision });
          return;
        }
        case 'compact': {
          const started = performance.now();
          const step = writer.compactStep(request.upTo);
          reply({ kind: 'compacted', ...step, elapsedMs: performance.now() - started });
          return;
        }
        case 'vacuum':
          reply({ kind: 'vacuumed', freePages: writer.vacuumStep(request.maxPages) });
          return;
        case 'close':
          writer.close();
          reply({ kind: 'closed' });
          port.close();
          return;
      }
    } catch (err) {
      reply({ kind: 'failed', message: errorMessage(err) });
    }
  });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

if (parentPort) serve(parentPort, workerData as WriterStartup);
