// Reads a container's CRI log file for one logs request: from the start or
// the last N lines, once or following it as it grows.
//
// Following survives rotation. Rotation renames the file away and the writer
// then switches to a new file at the same path; until it switches it may
// still append to the renamed one. We keep reading the old file (by its open
// handle) until the new file has data, which proves the writer moved on,
// drain the old one a last time and continue with the new one. Following ends
// once the container has exited and everything it wrote has been read.
import { watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CriRecord, LineSplitter, parseCriRecord } from './cri-log.ts';
import type { ContainerLog } from './types.ts';

export interface ReadOptions {
  follow: boolean;
  /** Start this many complete lines before the end (partial records count with their line). */
  tailLines?: number;
  signal: AbortSignal;
  /** Longest wait between checks when file-change notifications are missed. */
  pollMs?: number;
}

/** Receives records in file order; resolves when it can take more; returns false to stop reading. */
export type RecordSink = (records: CriRecord[]) => Promise<boolean>;

const blockSize = 64 * 1024;

/** Offset of the first byte of the last `lines` lines (counted by full records) of the first `size` bytes. */
export async function findTailStart(fh: FileHandle, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  let winStart = size;
  let win = Buffer.alloc(0);
  // Position of the last newline before `pos`, or -1; reads further back as needed.
  const newlineBefore = async (pos: number): Promise<number> => {
    for (;;) {
      const idx = pos - winStart - 1 >= 0 ? win.lastIndexOf(0x0a, pos - winStart - 1) : -1;
      if (idx >= 0) return winStart + idx;
      if (winStart === 0) return -1;
      const from = Math.max(0, winStart - blockSize);
      const block = Buffer.alloc(winStart - from);
      await fh.read(block, 0, block.length, from);
      win = Buffer.concat([block, win]);
      winStart = from;
    }
  };
  let end = await newlineBefore(size);
  let full = 0;
  while (end >= 0) {
    const start = (await newlineBefore(end)) + 1;
    const record = parseCriRecord(win.subarray(start - winStart, end - winStart));
    if (!record?.partial) full++;
    if (full > lines) return end + 1;
    end = start - 1;
  }
  return 0;
}

export async function readLogFile(log: ContainerLog, sink: RecordSink, opts: ReadOptions): Promise<void> {
  const reader = new FollowState(log, sink, opts);
  try {
    await reader.run();
  } finally {
    await reader.close();
  }
}

class FollowState {
  private readonly log: ContainerLog;
  private readonly sink: RecordSink;
  private readonly opts: ReadOptions;
  private fh: FileHandle | undefined;
  private identity = '';
  private pos = 0;
  private splitter = new LineSplitter();
  private stopped = false;
  private exited = false;
  private wake: (() => void) | undefined;
  private watcher: ReturnType<typeof watch> | undefined;

  constructor(log: ContainerLog, sink: RecordSink, opts: ReadOptions) {
    this.log = log;
    this.sink = sink;
    this.opts = opts;
  }

  async run(): Promise<void> {
    await this.openCurrent(true);
    if (!this.opts.follow) {
      if (this.fh) await this.drain(true);
      return;
    }
    this.log.exited.then(
      () => {
        this.exited = true;
        this.wake?.();
      },
      () => {},
    );
    this.opts.signal.addEventListener('abort', () => this.wake?.(), { once: true });
    try {
      this.watcher = watch(dirname(this.log.path), () => this.wake?.());
      this.watcher.on('error', () => {});
    } catch {
      // No notifications: the poll below still notices growth.
    }
    while (!this.stopped && !this.opts.signal.aborted) {
      // Read the flag before draining: an exit seen now means all output is already in the file.
      const exitedBefore = this.exited;
      if (this.fh) await this.drain(false);
      if (this.stopped || this.opts.signal.aborted) return;
      const now = await this.currentFile();
      if (now.kind === 'other' && now.size > 0) {
        // The writer has moved to the new file: the old one is complete.
        if (this.fh) await this.drain(true);
        await this.openCurrent(false);
        continue;
      }
      if (exitedBefore) {
        if (this.fh) await this.drain(true);
        return;
      }
      await this.waitForChange();
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    await this.fh?.close();
    this.fh = undefined;
  }

  private async openCurrent(tail: boolean): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
    this.splitter = new LineSplitter();
    let fh: FileHandle;
    try {
      fh = await open(this.log.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // no output yet
      throw e;
    }
    this.fh = fh;
    const st = await fh.stat();
    this.identity = `${st.dev}:${st.ino}`;
    this.pos =
      tail && this.opts.tailLines !== undefined ? await findTailStart(fh, st.size, this.opts.tailLines) : 0;
  }

  /** Whether the path still names the file we read, and the size of whatever it names. */
  private async currentFile(): Promise<{ kind: 'same' | 'other' | 'missing'; size: number }> {
    try {
      const st = await stat(this.log.path);
      return { kind: `${st.dev}:${st.ino}` === this.identity ? 'same' : 'other', size: st.size };
    } catch {
      return { kind: 'missing', size: 0 };
    }
  }

  /** Reads to the end of the open file; `final` also hands on an unfinished last line. */
  private async drain(final: boolean): Promise<void> {
    const fh = this.fh!;
    const buf = Buffer.allocUnsafe(blockSize);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, blockSize, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      // The splitter keeps what it holds past this call; the buffer is reused, so hand it a copy.
      if (!(await this.deliver(this.splitter.push(Buffer.from(buf.subarray(0, bytesRead)))))) return;
    }
    if (final) {
      const rest = this.splitter.rest();
      if (rest) await this.deliver([rest]);
    }
  }

  private async deliver(lines: Buffer[]): Promise<boolean> {
    if (this.stopped) return false;
    const records: CriRecord[] = [];
    for (const line of lines) {
      const r = parseCriRecord(line);
      if (r) records.push(r);
    }
    if (records.length === 0) return true;
    if (!(await this.sink(records))) this.stopped = true;
    return !this.stopped;
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.opts.pollMs ?? 1000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
      if (this.exited || this.opts.signal.aborted) this.wake();
    });
  }
}
