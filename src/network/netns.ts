// Named network namespaces the way `ip netns` keeps them: a bind mount of
// the namespace under /run/netns/NAME, so it outlives every process in it
// and runc can join it by path; and the host links (the bridge) around them.

import { access } from 'node:fs/promises';
import path from 'node:path';
import { CommandError, type ProcessRunner, runCommand } from '../util/process-runner.ts';

export const netnsDir = '/run/netns';

export function netnsPath(name: string): string {
  return path.join(netnsDir, name);
}

export async function netnsExists(name: string): Promise<boolean> {
  try {
    await access(netnsPath(name));
    return true;
  } catch {
    return false;
  }
}

export async function createNetns(
  runner: ProcessRunner,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  await runCommand(runner, 'ip', ['netns', 'add', name], { signal });
  return netnsPath(name);
}

/** Removes the namespace; a missing one is not an error, so teardown can repeat. */
export async function deleteNetns(runner: ProcessRunner, name: string, signal?: AbortSignal): Promise<void> {
  try {
    await runCommand(runner, 'ip', ['netns', 'delete', name], { signal });
  } catch (err) {
    if (err instanceof CommandError && !(await netnsExists(name))) return;
    throw err;
  }
}

/** Removes a host link such as the node bridge; a missing one is not an error. */
export async function deleteLink(runner: ProcessRunner, name: string, signal?: AbortSignal): Promise<void> {
  try {
    await runCommand(runner, 'ip', ['link', 'delete', name], { signal });
  } catch (err) {
    const missing = err instanceof CommandError && /Cannot find device|does not exist/.test(err.stderr);
    if (!missing) throw err;
  }
}
