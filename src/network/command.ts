// Runs the host's networking tools (ip, iptables-save, …) without a shell,
// so names from pods never reach a shell parser.

import type { ProcessRunner } from '../util/process-runner.ts';

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

/** Runs a program through runner; a non-zero exit rejects with CommandError. */
export async function runCommand(
  runner: ProcessRunner,
  file: string,
  args: string[],
  options: { input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const r = await runner.run(file, args, options);
  if (r.code !== 0) throw new CommandError(file, args, r.code, r.stderr || r.stdout);
  return r.stdout;
}
