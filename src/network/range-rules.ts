// The node's rules for its whole pod range, made once rather than per pod:
//  - FORWARD accepts what the pods send and the replies coming back to them,
//    so pods still forward on hosts whose FORWARD policy is DROP (what the CNI
//    firewall plugin does with a pair of rules per pod);
//  - nat POSTROUTING masquerades what leaves the range, multicast aside (what
//    the bridge plugin's ipMasq does with a chain of its own per pod).
// Per pod, those plugins ran about twenty iptables commands between ADD and
// DEL, each taking the xtables lock and reading the whole ruleset, so starting
// many pods at once got slower the more pods there were.
// The rules carry the comment the CNI plugins put on theirs
// (name: "<network>" id: "…"), so a whole-network sweep removes them too.

import { CommandError, type ProcessRunner, runCommand } from '../util/process-runner.ts';

/** The id in the rules' comment; no pod's container id looks like it. */
export const rangeRulesId = 'orca-pod-range';

export interface RangeRule {
  table: 'filter' | 'nat';
  chain: string;
  /** iptables arguments after the chain name. */
  spec: string[];
}

/** The range's rules, in the order they end up in their chains. */
export function rangeRules(networkName: string, podCIDR: string): RangeRule[] {
  const comment = ['-m', 'comment', '--comment', `name: "${networkName}" id: "${rangeRulesId}"`];
  return [
    {
      table: 'filter',
      chain: 'FORWARD',
      spec: [
        '-d',
        podCIDR,
        '-m',
        'conntrack',
        '--ctstate',
        'RELATED,ESTABLISHED',
        ...comment,
        '-j',
        'ACCEPT',
      ],
    },
    { table: 'filter', chain: 'FORWARD', spec: ['-s', podCIDR, ...comment, '-j', 'ACCEPT'] },
    {
      table: 'nat',
      chain: 'POSTROUTING',
      spec: [
        '-s',
        podCIDR,
        '!',
        '-d',
        podCIDR,
        '-m',
        'iprange',
        '!',
        '--dst-range',
        '224.0.0.0-239.255.255.255',
        ...comment,
        '-j',
        'MASQUERADE',
      ],
    },
  ];
}

/**
 * Adds whichever of the range's rules are missing: FORWARD's at the top, so
 * a DROP further down cannot shadow them, and the masquerade rule at the end
 * of POSTROUTING, after the portmap plugin's hairpin rule.
 */
export async function ensureRangeRules(
  runner: ProcessRunner,
  networkName: string,
  podCIDR: string,
  signal?: AbortSignal,
): Promise<void> {
  for (const rule of rangeRules(networkName, podCIDR).reverse()) {
    const args = (op: string[]) => ['-w', '-t', rule.table, ...op, ...rule.spec];
    try {
      await runCommand(runner, 'iptables', args(['-C', rule.chain]), { signal });
    } catch (err) {
      // -C exits 1 when the rule is missing; anything else is a real failure.
      if (!(err instanceof CommandError) || err.exitCode !== 1) throw err;
      const add = rule.chain === 'FORWARD' ? ['-I', rule.chain, '1'] : ['-A', rule.chain];
      await runCommand(runner, 'iptables', args(add), { signal });
    }
  }
}
