// Reads a layer blob as a stream of tar entries, handling the compressions
// layers come in (gzip, zstd, none — told apart by magic bytes, as media
// types are not always right) and hashing the uncompressed bytes, which is
// what a diffID names. Entries are handed to `onEntry` strictly one at a time.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { ImageError } from './errors.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

export async function detectCompression(file: string): Promise<Compression> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, 6, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    if (bytesRead >= 6 && head.toString('latin1') === '\xfd7zXZ\x00') {
      throw new ImageError('Unsupported', `${file}: xz-compressed layers are not supported`);
    }
    if (bytesRead >= 3 && head.toString('latin1', 0, 3) === 'BZh') {
      throw new ImageError('Unsupported', `${file}: bzip2-compressed layers are not supported`);
    }
    return 'none';
  } finally {
    await handle.close();
  }
}

/** Reads every entry of the archive in `file`; returns the digest of the uncompressed tar. */
export async function readTarEntries(
  file: string,
  onEntry: (entry: ReadEntry) => Promise<void>,
  signal?: AbortSignal,
): Promise<string> {
  const compression = await detectCompression(file);
  const hash = createHash('sha256');
  let failure: unknown;
  let chain = Promise.resolve();
  let current: ReadEntry | undefined;
  const parser = new Parser({
    strict: true,
    noResume: true,
    onReadEntry: (entry) => {
      chain = chain.then(async () => {
        if (failure !== undefined) {
          entry.resume();
          return;
        }
        current = entry;
        try {
          await onEntry(entry);
        } catch (err) {
          failure ??= err;
          parser.abort(err as Error);
        } finally {
          current = undefined;
          entry.resume(); // drain whatever the handler left unread
        }
      });
    },
  });
  const parsed = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('abort', (err: Error) => reject(err));
    parser.on('error', (err: Error) => reject(err));
  });
  parsed.catch(() => {}); // observed below; avoid an unhandled rejection meanwhile

  const decompress =
    compression === 'gzip'
      ? createGunzip()
      : compression === 'zstd'
        ? createZstdDecompress()
        : new PassThrough();
  try {
    await pipeline(
      createReadStream(file),
      decompress,
      async (input: AsyncIterable<Buffer>) => {
        for await (const chunk of input) {
          if (failure !== undefined) break;
          hash.update(chunk);
          if (!parser.write(chunk)) {
            await Promise.race([once(parser, 'drain'), parsed.catch(() => {})]);
          }
        }
        parser.end();
        await parsed;
        await chain;
      },
      { signal },
    );
  } catch (err) {
    // A handler still reading a half-delivered entry would wait forever.
    current?.destroy(err as Error);
    if (failure !== undefined) throw failure;
    if (err instanceof ImageError || (err as Error).name === 'AbortError') throw err;
    throw new ImageError('InvalidImage', `${file}: bad layer archive: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (failure !== undefined) throw failure;
  return 'sha256:' + hash.digest('hex');
}
