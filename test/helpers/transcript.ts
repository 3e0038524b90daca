// A stream's whole output, for tests that wait until it says something.
import { once } from 'node:events';
import type { Readable } from 'node:stream';

/** Keeps everything a stream says; waitUntil resolves once the text so far satisfies a check. */
export function transcript(stream: Readable) {
  let text = '';
  let wake = () => {};
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    wake();
  });
  const ended = once(stream, 'end');
  return {
    get text() {
      return text;
    },
    async waitUntil(done: (text: string) => boolean): Promise<void> {
      while (!done(text)) await new Promise<void>((resolve) => (wake = resolve));
    },
    ended,
  };
}
