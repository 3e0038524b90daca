// Removes iptables rules the CNI plugins left behind for this network.
//
// Why this exists: the bridge plugin (1.1.1) finds the addresses whose
// masquerade rules it must delete by looking at the pod's interface, so a DEL
// after the namespace is gone (a crash, a hand-deleted netns) releases the IP
// but strands the pod's CNI-… chain in the nat table. Those rules carry the
// comment `name: "<network>" id: "<container>"`, which is how they are found
// here. The firewall plugin's rules carry no comment but name the pod's /32,
// so a whole-network sweep also drops those that fall inside the pod CIDR.

import { type ProcessRunner, runCommand } from '../util/process-runner.ts';
import { parseIpv4, parseIpv4Cidr } from './cidr.ts';

export interface SweepTarget {
  networkName: string;
  /** Only this container's rules; all of the network's when absent. */
  containerId?: string;
  /** Also drop firewall-plugin rules for addresses in this range (whole-network sweeps). */
  podCIDR?: string;
}

export interface SweepPlan {
  table: string;
  lines: string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function inCidr(address: string, cidr: string): boolean {
  const { network, prefix } = parseIpv4Cidr(cidr);
  const size = 2 ** (32 - prefix);
  const value = parseIpv4(address);
  const base = parseIpv4(network);
  return value >= base && value < base + size;
}

/**
 * Turns one table's `iptables-save` text into the restore lines that delete
 * the target's rules and the per-pod chains they jump to. Pure, so it is
 * tested without touching the host.
 */
export function planSweep(table: string, saved: string, target: SweepTarget): SweepPlan {
  // iptables-save prints the comment with its inner quotes escaped: name: \"net\" id: \"cid\"
  const id = target.containerId ? escapeRegExp(target.containerId) : '[^\\\\"]*';
  const commentMatch = new RegExp(`name: \\\\"${escapeRegExp(target.networkName)}\\\\" id: \\\\"${id}\\\\"`);
  const deletes: string[] = [];
  const chains = new Set<string>();
  for (const line of saved.split('\n')) {
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (!rule) continue;
    const [, chain, spec] = rule;
    let ours = commentMatch.test(spec);
    if (!ours && target.podCIDR && chain === 'CNI-FORWARD') {
      const address = /-[sd] (\d+\.\d+\.\d+\.\d+)\/32(?:\s|$)/.exec(spec)?.[1];
      ours = address !== undefined && inCidr(address, target.podCIDR);
    }
    if (!ours) continue;
    const jump = /(?:^|\s)-j (CNI-\S+)/.exec(spec)?.[1];
    // Rules inside a per-pod chain go with the chain; only jumps into it need deleting one by one.
    if (jump && /^CNI-(?!HOSTPORT-|FORWARD$|ADMIN$)/.test(jump)) chains.add(jump);
    deletes.push(`-D ${chain} ${spec}`);
  }
  const kept = deletes.filter((d) => !chains.has(d.split(' ')[1]));
  const lines = [...kept, ...[...chains].map((c) => `-F ${c}`), ...[...chains].map((c) => `-X ${c}`)];
  return { table, lines };
}

/** Applies the sweep to the nat and filter tables; returns how many rules and chains it removed. */
export async function sweepRules(
  runner: ProcessRunner,
  target: SweepTarget,
  signal?: AbortSignal,
): Promise<number> {
  let removed = 0;
  for (const table of ['nat', 'filter']) {
    const saved = await runCommand(runner, 'iptables-save', ['-t', table], { signal });
    const plan = planSweep(table, saved, target);
    if (plan.lines.length === 0) continue;
    const input = `*${table}\n${plan.lines.join('\n')}\nCOMMIT\n`;
    await runCommand(runner, 'iptables-restore', ['--noflush'], { input, signal });
    removed += plan.lines.length;
  }
  return removed;
}
