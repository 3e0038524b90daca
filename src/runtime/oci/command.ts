// Runs a short-lived helper program (runc, mount, stty) and collects its output.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs file with args; never rejects for a non-zero exit (callers decide what failure means). */
export function runCommand(file: string, args: string[], input?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + signalNumber(signal),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like runCommand, but a non-zero exit is an Error carrying the program's own message. */
export async function runChecked(file: string, args: string[]): Promise<string> {
  const r = await runCommand(file, args);
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
