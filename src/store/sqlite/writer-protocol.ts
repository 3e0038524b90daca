// Messages between the main thread and the writer thread. The main thread
// keeps at most one request outstanding, so replies need no ids: each reply
// answers the request before it.

import type { OpOutcome, WriteOp } from './log-writer.ts';

export interface WriterStartup {
  path: string;
}

export type WriterRequest =
  | { kind: 'write'; ops: WriteOp[] }
  | { kind: 'compact'; upTo: number }
  | { kind: 'vacuum'; maxPages: number }
  | { kind: 'close' };

export type WriterReply =
  | { kind: 'ready'; revision: number; compacted: number }
  | { kind: 'written'; outcomes: OpOutcome[]; revision: number }
  | { kind: 'compacted'; compacted: number; rowsDeleted: number; elapsedMs: number }
  | { kind: 'vacuumed'; freePages: number }
  | { kind: 'failed'; message: string }
  | { kind: 'closed' };
