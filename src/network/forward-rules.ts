// The node's forwarding rules for its pods: accept what the pods send and
// the replies coming back to them, so pods still forward on hosts whose
// FORWARD policy is DROP. This is what the CNI firewall plugin does, but for
// the whole pod range at once instead of a pair of rules per pod: the plugin
// ran about ten iptables commands for every pod, each reading the whole
// ruleset, which made starting many pods at once slower the more there were.
// The rules carry the comment the CNI plugins put on theirs
// (name: "<network>" id: "…"), so a whole-network sweep removes them too.

import { CommandError, type ProcessRunner, runCommand } from '../util/process-runner.ts';

/** The id in the rules' comment; no pod's container id looks like it. */
export const forwardRulesId = 'orca-pod-range';

/** Both rules as iptables arguments after the chain name, the replies' rule first. */
export function forwardRuleSpecs(networkName: string, podCIDR: string): string[][] {
  const comment = ['-m', 'comment', '--comment', `name: "${networkName}" id: "${forwardRulesId}"`];
  return [
    ['-d', podCIDR, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...comment, '-j', 'ACCEPT'],
    ['-s', podCIDR, ...comment, '-j', 'ACCEPT'],
  ];
}

/** Puts the rules at the top of FORWARD unless they are there already. */
export async function ensureForwardRules(
  runner: ProcessRunner,
  networkName: string,
  podCIDR: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const spec of forwardRuleSpecs(networkName, podCIDR).reverse()) {
    try {
      await runCommand(runner, 'iptables', ['-w', '-t', 'filter', '-C', 'FORWARD', ...spec], { signal });
    } catch (err) {
      // -C exits 1 when the rule is missing; anything else is a real failure.
      if (!(err instanceof CommandError) || err.exitCode !== 1) throw err;
      await runCommand(runner, 'iptables', ['-w', '-t', 'filter', '-I', 'FORWARD', '1', ...spec], { signal });
    }
  }
}
