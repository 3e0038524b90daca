// What each side of the pod benchmark measures, in one shape for both.

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
