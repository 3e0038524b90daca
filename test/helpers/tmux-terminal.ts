// A terminal as a person would use one, for `kubectl … -it` tests: a tmux
// session (its own server socket) running one command line, driven by
// send-keys and read back with capture-pane. Waits poll for what should show
// on the screen; nothing here asserts how long anything takes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  screen(): Promise<string>;
  /** Types text, then Enter when `enter` (the default). */
  type(text: string, enter?: boolean): Promise<void>;
  /** Polls until `check` returns a value, typing `nudge` (if any) before each look. */
  waitFor<T>(what: string, check: (screen: string) => T | undefined, nudge?: string): Promise<T>;
  /**
   * Resizes the window and waits until the shell inside reports the new size
   * through `stty size`: the command passed the resize on.
   */
  resizeAndCheck(columns: number, rows: number): Promise<void>;
  /** The command's exit status, once it has ended. */
  exitStatus(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Opens a 90×25 terminal running argv in dir (where the exit status is kept).
 * The size is one no check uses, so every checked size is a real change.
 */
export async function openTerminal(dir: string, name: string, argv: string[]): Promise<Terminal> {
  const socket = join(dir, `tmux-${name}.sock`);
  const tmux = async (...args: string[]) =>
    (await run('tmux', ['-S', socket, '-f', '/dev/null', ...args])).stdout;
  const exitFile = join(dir, `${name}-exit-status`);
  const line = argv.map(quote).join(' ');
  await tmux(
    'new-session',
    '-d',
    '-s',
    'tty',
    '-x',
    '90',
    '-y',
    '25',
    `${line}; echo $? > ${quote(exitFile)}`,
  );
  await tmux('set-option', '-t', 'tty', 'status', 'off');
  const screen = () => tmux('capture-pane', '-p', '-t', 'tty');
  const type = async (text: string, enter = true) => {
    await tmux('send-keys', '-t', 'tty', ...(text ? [text] : []), ...(enter ? ['Enter'] : []));
  };
  async function waitFor<T>(what: string, check: (s: string) => T | undefined, nudge?: string): Promise<T> {
    for (let polls = 0; polls < 300; polls++) {
      if (nudge !== undefined) await type(nudge);
      const found = check(await screen());
      if (found !== undefined) return found;
      await sleep(nudge === undefined ? 50 : 200);
    }
    throw new Error(`the terminal never showed ${what}:\n${await screen()}`);
  }
  return {
    screen,
    type,
    waitFor,
    async resizeAndCheck(columns, rows) {
      await tmux('resize-window', '-t', 'tty', '-x', String(columns), '-y', String(rows));
      const pane = (await tmux('display-message', '-p', '-t', 'tty', '#{pane_height} #{pane_width}')).trim();
      if (pane !== `${rows} ${columns}`)
        throw new Error(`tmux made the pane ${pane}, not ${rows} ${columns}`);
      await waitFor(
        `stty size ${pane}`,
        (s) => (s.split('\n').some((l) => l.trim() === pane) ? true : undefined),
        'clear; stty size',
      );
    },
    async exitStatus() {
      for (;;) {
        try {
          const status = readFileSync(exitFile, 'utf8').trim();
          if (status) return status;
        } catch {
          // not yet written
        }
        await sleep(50);
      }
    },
    async close() {
      await tmux('kill-server').catch(() => {});
    },
  };
}
