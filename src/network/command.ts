// Runs the host's networking tools (ip, iptables-save, …) without a shell,
// so names from pods never reach a shell parser.

import { execFile } from 'node:child_process';

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

export function runCommand(
  file: string,
  args: string[],
  options: { input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { signal: options.signal, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof err.code === 'number' ? err.code : undefined;
          reject(new CommandError(file, args, code, stderr || err.message));
          return;
        }
        resolve(stdout);
      },
    );
    if (options.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
  });
}
