// How components start short-lived host programs (ip, mount, CNI plugins,
// runc) and collect what they print. Where they are started from is the
// caller's choice: this process, or a small helper process when this one is
// large and busy (see src/runtime/oci/launcher.ts for why that matters).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface RunOptions {
  /** Written to the program's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** The program's whole environment; without it, this process's. */
  env?: Record<string, string>;
  /** The program's working directory; without it, this process's. */
  cwd?: string;
  /** Aborting kills the program; the run then rejects. */
  signal?: AbortSignal;
}

export interface RunResult {
  /** The exit status, or 128 + n for a program killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface ProcessRunner {
  /** Runs file with args to its end; never rejects for a non-zero exit (callers decide what failure means). */
  run(file: string, args: string[], options?: RunOptions): Promise<RunResult>;
}

/** Starts programs from this process. */
export const localRunner: ProcessRunner = { run: runProcess };

export function runProcess(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const { input, env, cwd, signal } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env,
      cwd,
      signal,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, killedBy) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error(`${file} was aborted`));
      resolve({
        code: code ?? 128 + (killedBy ? constants.signals[killedBy] : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (input !== undefined) {
      // A program that exits before reading its input makes this write fail (EPIPE); its exit status tells more.
      child.stdin?.on('error', () => {});
      child.stdin?.end(input);
    }
  });
}

/** A program that exited non-zero, with what it said. */
export class CommandError extends Error {
  readonly file: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(file: string, args: string[], exitCode: number | undefined, stderr: string) {
    super(
      `${file} ${args.join(' ')} failed${exitCode === undefined ? '' : ` (${exitCode})`}: ${stderr.trim()}`,
    );
    this.name = 'CommandError';
    this.file = file;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs a program through runner; a non-zero exit rejects with CommandError. Resolves with its stdout. */
export async function runCommand(
  runner: ProcessRunner,
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const r = await runner.run(file, args, options);
  if (r.code !== 0) throw new CommandError(file, args, r.code, r.stderr || r.stdout);
  return r.stdout;
}
