// Small helpers around the programs the runtime runs (runc, mount, stty).
import { constants } from 'node:os';
import { runProcess } from '../../util/process-runner.ts';

export type { RunResult as CommandResult } from '../../util/process-runner.ts';

/** Runs a program from this process; a non-zero exit is an Error carrying the program's own message. */
export async function runChecked(file: string, args: string[]): Promise<string> {
  const r = await runProcess(file, args);
  if (r.code !== 0)
    throw new Error(`${file} ${args.join(' ')}: ${cleanMessage(r.stderr) || `exit ${r.code}`}`);
  return r.stdout;
}

/** runc logs as logfmt (`time=… level=error msg="…"`); keep just the messages. */
export function cleanMessage(stderr: string): string {
  const msgs = [...stderr.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\"/g, '"'));
  return (msgs.length > 0 ? msgs.join('; ') : stderr).trim();
}

export function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] : 0;
}
