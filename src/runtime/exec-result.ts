// Collects a whole exec session, for callers that want the result rather than
// the streams (exec probes, tests).
import type { ExecSession } from './types.ts';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function collectExec(session: ExecSession): Promise<ExecResult> {
  const read = async (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString();
  };
  const [stdout, stderr, exitCode] = await Promise.all([
    read(session.stdout),
    read(session.stderr),
    session.exitCode,
  ]);
  return { exitCode, stdout, stderr };
}
