// What the scheduler knows about one node: the Node object and the pods that
// count against it (bound, not terminal, plus pods it has assumed), with
// their summed requests and the host ports they hold, kept up to date as
// pods come and go so each filter is a cheap comparison.
import type { KubeObject } from '../api/object.ts';
import type { PodInfo } from './pod-info.ts';
import { type Allocatable, accumulate, allocatableOf, emptyResources, type Resources } from './requests.ts';

export const anyHostIP = '0.0.0.0';

export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

export class NodeInfo {
  readonly name: string;
  /** Undefined while pods name a node the scheduler has not seen (or no longer sees). */
  node: KubeObject | undefined;
  allocatable: Allocatable;
  readonly pods = new Map<string, PodInfo>();
  /** Summed requests of the pods here: what the fit check compares. */
  readonly requested: Resources = emptyResources();
  /** The same with cpu/memory defaults for containers that name none: what scoring uses. */
  readonly nonZeroRequested: Resources = emptyResources();
  // "ip|protocol|port" and "protocol|port" → how many pods hold it.
  private readonly portsByAddress = new Map<string, number>();
  private readonly portsAnyAddress = new Map<string, number>();

  constructor(name: string, node?: KubeObject) {
    this.name = name;
    this.node = node;
    this.allocatable = allocatableOf(node);
  }

  setNode(node: KubeObject): void {
    this.node = node;
    this.allocatable = allocatableOf(node);
  }

  addPod(p: PodInfo): void {
    this.removePod(p.key);
    this.pods.set(p.key, p);
    accumulate(this.requested, p.requests, 1);
    accumulate(this.nonZeroRequested, p.nonZeroRequests, 1);
    for (const hp of p.hostPorts) this.countPort(hp, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    accumulate(this.requested, p.requests, -1);
    accumulate(this.nonZeroRequested, p.nonZeroRequests, -1);
    for (const hp of p.hostPorts) this.countPort(hp, -1);
    return p;
  }

  /**
   * Whether a wanted host port collides with one in use: the same protocol
   * and port on the same address, where 0.0.0.0 overlaps every address.
   */
  portInUse(want: HostPort): boolean {
    if (want.hostIP === anyHostIP) return this.portsAnyAddress.has(`${want.protocol}|${want.port}`);
    return (
      this.portsByAddress.has(`${want.hostIP}|${want.protocol}|${want.port}`) ||
      this.portsByAddress.has(`${anyHostIP}|${want.protocol}|${want.port}`)
    );
  }

  private countPort(hp: HostPort, delta: 1 | -1): void {
    bump(this.portsByAddress, `${hp.hostIP}|${hp.protocol}|${hp.port}`, delta);
    bump(this.portsAnyAddress, `${hp.protocol}|${hp.port}`, delta);
  }
}

function bump(m: Map<string, number>, key: string, delta: number): void {
  const n = (m.get(key) ?? 0) + delta;
  if (n <= 0) m.delete(key);
  else m.set(key, n);
}
