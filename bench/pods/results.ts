// What each side of the pod benchmark measures, in one shape for both.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessSum } from './processes.ts';

export interface BurstResult {
  pods: number;
  /** Per round: from the first create until the last pod was seen started (ms). */
  rounds: number[];
}

export interface SideResult {
  /** Create → started of one pod at a time (ms), warm-up runs left out. */
  sequential: number[];
  bursts: BurstResult[];
  /** Memory with the largest burst's pods all running. */
  memory: {
    pods: number;
    /** The long-lived manager process (orca server); absent for podman, which has none. */
    managerBytes?: number;
    /** orca's process launcher helper (a child of the server): VmRSS, and RssAnon of it. */
    helperBytes?: number;
    helperAnonBytes?: number;
    conmon: ProcessSum;
  };
}

export interface Settings {
  runs: number;
  warmup: number;
  /** Rounds of each burst size but the largest, which runs once. */
  rounds: number;
  bursts: number[];
  skipPodman: boolean;
  logLevel: string;
  profileDir?: string;
}

export const podTimeoutMs = (pods: number) => 60_000 + pods * 2_000;

export const log = (side: string, what: string) => console.error(`[${side}] ${what}`);

/** Idle time before reading memory, for the garbage collector to settle after the largest burst. */
const SETTLE_MS = 3_000;

/** What one side does with named pods; everything else about a measurement is the same for both. */
export interface Side {
  label: string;
  /** Creates the pods at once; per pod, the ms from its create until it was seen started. */
  start(names: string[]): Promise<number[]>;
  /** Removes them, returning once they are gone from the node. */
  remove(names: string[]): Promise<void>;
  /** Memory with these pods (the largest burst) running. */
  memory(names: string[]): Promise<SideResult['memory']>;
}

/**
 * The measurement both sides run: one pod at a time (after warm-up runs),
 * then each burst size for its rounds (the largest once, with memory read
 * while its pods run). Pod names start with `prefix`.
 */
export async function measure(side: Side, s: Settings, prefix: string): Promise<SideResult> {
  const sequential: number[] = [];
  for (let i = 1; i <= s.warmup + s.runs; i++) {
    const name = `${prefix}seq-${i}`;
    const [ms] = await side.start([name]);
    if (i > s.warmup) sequential.push(ms);
    await side.remove([name]);
    if (i % 10 === 0) log(side.label, `${i}/${s.warmup + s.runs} sequential runs`);
  }
  const bursts: BurstResult[] = [];
  let memory: SideResult['memory'] | undefined;
  const largest = Math.max(...s.bursts);
  for (const pods of s.bursts) {
    const result: BurstResult = { pods, rounds: [] };
    const rounds = pods === largest ? 1 : s.rounds;
    for (let r = 1; r <= rounds; r++) {
      const names = Array.from({ length: pods }, (_, j) => `${prefix}burst${pods}-${r}-${j + 1}`);
      const slowest = Math.max(...(await side.start(names)));
      result.rounds.push(slowest);
      log(side.label, `${pods} pods at once, round ${r}: all started after ${Math.round(slowest)} ms`);
      if (pods === largest) {
        await sleep(SETTLE_MS);
        memory = await side.memory(names);
      }
      await side.remove(names);
    }
    bursts.push(result);
  }
  return { sequential, bursts, memory: memory ?? { pods: 0, conmon: { count: 0, bytes: 0 } } };
}
