// Runs one CNI plugin binary the way the CNI spec says a runtime must: the
// operation and the container's identity in CNI_* environment variables, the
// network configuration as JSON on stdin, a result (or a spec-shaped error)
// as JSON on stdout.

import path from 'node:path';
import type { ProcessRunner } from '../util/process-runner.ts';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniInvocation {
  command: CniCommand;
  containerId: string;
  /** Path of the network namespace; empty for a DEL whose namespace is already gone. */
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs, e.g. K8S_POD_NAMESPACE; joined as `K=V;K=V`. */
  args?: Record<string, string>;
}

/** A failure the plugin reported (spec error codes), or one from running it at all. */
export class CniError extends Error {
  readonly plugin: string;
  readonly command: CniCommand;
  /** The spec's error code: 1–99 are well-known, 100+ plugin-specific, 0 = not reported by the plugin. */
  readonly code: number;
  readonly details: string;

  constructor(plugin: string, command: CniCommand, code: number, msg: string, details = '') {
    super(`CNI ${command} ${plugin}: ${msg}${details ? ` (${details})` : ''}`);
    this.name = 'CniError';
    this.plugin = plugin;
    this.command = command;
    this.code = code;
    this.details = details;
  }
}

/** Plugins run iptables, ip and friends from PATH; a daemon's PATH may lack the sbin directories. */
function pluginPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    if (!dirs.includes(d)) dirs.push(d);
  }
  return dirs.join(':');
}

/**
 * Runs plugin `type` from `binDir` and returns its parsed stdout (an empty
 * object for commands that print nothing, such as DEL). Throws CniError.
 */
export async function execCniPlugin(
  runner: ProcessRunner,
  binDir: string,
  type: string,
  invocation: CniInvocation,
  config: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) {
    throw new CniError(type, invocation.command, 0, 'invalid plugin type name');
  }
  const env: Record<string, string> = {
    PATH: pluginPath(),
    CNI_COMMAND: invocation.command,
    CNI_CONTAINERID: invocation.containerId,
    CNI_NETNS: invocation.netns,
    CNI_IFNAME: invocation.ifName,
    CNI_PATH: binDir,
  };
  if (invocation.args && Object.keys(invocation.args).length > 0) {
    env.CNI_ARGS = Object.entries(invocation.args)
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
  }

  const { code, stdout, stderr } = await runner
    .run(path.join(binDir, type), [], { env, input: JSON.stringify(config), signal })
    .catch((err: unknown) => {
      throw new CniError(type, invocation.command, 0, err instanceof Error ? err.message : String(err));
    });

  const parsed = parseJson(stdout);
  if (code !== 0) {
    if (parsed && typeof parsed.msg === 'string') {
      const details = typeof parsed.details === 'string' ? parsed.details : '';
      throw new CniError(type, invocation.command, Number(parsed.code ?? 0), parsed.msg, details);
    }
    throw new CniError(type, invocation.command, 0, `exited with ${code}`, (stderr || stdout).trim());
  }
  if (stdout.trim() === '') return {};
  if (!parsed) throw new CniError(type, invocation.command, 0, 'unparseable result', stdout.slice(0, 200));
  return parsed;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
