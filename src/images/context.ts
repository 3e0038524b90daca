// What the parts of one ImageStore share: where the store is, who we are (to
// name temp files and leases) and the layer unpacks running in this process,
// so two pulls of one image unpack each layer once.

import type { Logger } from '../util/log.ts';
import type { ProcessRunner } from '../util/process-runner.ts';
import type { StoreLayout } from './layout.ts';
import type { ProcessOwner } from './owner.ts';

export interface StoreContext {
  layout: StoreLayout;
  owner: ProcessOwner;
  logger: Logger;
  unpacking: Map<string, Promise<void>>;
  /** Starts mount and umount. */
  runner: ProcessRunner;
}

/** Progress of a pull or import, for CLI output and agent events. */
export type ImageProgress =
  | { kind: 'resolved'; reference: string; digest: string }
  | { kind: 'blob-exists'; digest: string; size: number }
  | { kind: 'downloading'; digest: string; completed: number; total: number }
  | { kind: 'downloaded'; digest: string; size: number }
  | { kind: 'unpacking'; digest: string; chainID: string }
  | { kind: 'unpacked'; digest: string; chainID: string }
  | { kind: 'done'; references: string[]; digest: string };

export type ProgressCallback = (event: ImageProgress) => void;
