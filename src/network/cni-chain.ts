// A CNI network configuration list run as the spec's chain: ADD walks the
// plugins in order, each seeing the result so far as `prevResult`; DEL walks
// them in reverse and CHECK in order, both given the final ADD result. Each
// plugin gets the list's name and cniVersion, and `runtimeConfig` only for
// the capabilities it declares.

import type { ProcessRunner } from '../util/process-runner.ts';
import { type CniCommand, CniError, type CniInvocation, execCniPlugin } from './cni-exec.ts';

export interface PluginConfig {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConfig[];
}

/** The parts of a CNI 1.0.0 result orca reads; the rest is kept as the plugins wrote it. */
export interface CniResult {
  cniVersion: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  routes?: { dst: string; gw?: string }[];
  [key: string]: unknown;
}

export interface ChainRuntime {
  containerId: string;
  netns: string;
  ifName: string;
  args?: Record<string, string>;
  /** Values for declared capabilities, e.g. { portMappings: [...] }. */
  capabilityArgs?: Record<string, unknown>;
}

function pluginConfig(
  list: NetworkConfigList,
  plugin: PluginConfig,
  runtime: ChainRuntime,
  prevResult: CniResult | undefined,
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const runtimeConfig: Record<string, unknown> = {};
  for (const [capability, enabled] of Object.entries(plugin.capabilities ?? {})) {
    const value = runtime.capabilityArgs?.[capability];
    if (enabled && value !== undefined) runtimeConfig[capability] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  if (prevResult) config.prevResult = prevResult;
  return config;
}

function invocation(command: CniCommand, runtime: ChainRuntime): CniInvocation {
  return {
    command,
    containerId: runtime.containerId,
    netns: runtime.netns,
    ifName: runtime.ifName,
    args: runtime.args,
  };
}

export async function addNetworkList(
  runner: ProcessRunner,
  binDir: string,
  list: NetworkConfigList,
  runtime: ChainRuntime,
  signal?: AbortSignal,
): Promise<CniResult> {
  let result: CniResult | undefined;
  for (const plugin of list.plugins) {
    const config = pluginConfig(list, plugin, runtime, result);
    const out = await execCniPlugin(runner, binDir, plugin.type, invocation('ADD', runtime), config, signal);
    result = out as CniResult;
  }
  if (!result) throw new CniError(list.name, 'ADD', 0, 'network list has no plugins');
  return result;
}

/**
 * Deletes in reverse order. Every plugin is asked even when one fails, so a
 * single stuck plugin does not strand the others' state; the first failure
 * is thrown afterwards so the caller retries.
 */
export async function delNetworkList(
  runner: ProcessRunner,
  binDir: string,
  list: NetworkConfigList,
  runtime: ChainRuntime,
  prevResult: CniResult | undefined,
  signal?: AbortSignal,
): Promise<void> {
  let firstError: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    const config = pluginConfig(list, plugin, runtime, prevResult);
    try {
      await execCniPlugin(runner, binDir, plugin.type, invocation('DEL', runtime), config, signal);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
}

export async function checkNetworkList(
  runner: ProcessRunner,
  binDir: string,
  list: NetworkConfigList,
  runtime: ChainRuntime,
  prevResult: CniResult,
  signal?: AbortSignal,
): Promise<void> {
  for (const plugin of list.plugins) {
    const config = pluginConfig(list, plugin, runtime, prevResult);
    await execCniPlugin(runner, binDir, plugin.type, invocation('CHECK', runtime), config, signal);
  }
}
