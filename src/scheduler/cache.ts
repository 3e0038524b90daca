// The scheduler's view of where pods sit, built from the pod and node
// informers — plus pods it has assumed: bound by this scheduler a moment
// ago but not yet seen bound through the informer. Counting those at once is
// what keeps a burst of pods from all landing on the node that looked
// emptiest before any of them arrived. An assumed pod becomes an ordinary
// one when the informer shows it bound, and is forgotten if binding fails.
import type { KubeObject } from '../api/object.ts';
import { objectKey } from '../api/object.ts';
import { NodeInfo } from './node-info.ts';
import { isTerminal, type PodInfo, podInfo } from './pod-info.ts';

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  /** pod key → the node it counts against. */
  private readonly placement = new Map<string, string>();
  private readonly assumed = new Set<string>();

  setNode(node: KubeObject): void {
    const name = node.metadata.name!;
    const info = this.nodes.get(name);
    if (info) info.setNode(node);
    else this.nodes.set(name, new NodeInfo(name, node));
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    // Pods still bound there keep their entry until they go, so a node that
    // comes back under the same name is not mistaken for an empty one.
    if (info.pods.size === 0) this.nodes.delete(name);
    else info.node = undefined;
  }

  /** Nodes that can be considered: those whose Node object is known. */
  nodeInfos(): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const n of this.nodes.values()) if (n.node) out.push(n);
    return out;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Applies a pod as the informer reports it (added or updated). */
  updatePod(pod: KubeObject): void {
    const key = objectKey(pod);
    const nodeName: string | undefined = pod.spec?.nodeName;
    if (!nodeName) {
      // Not bound yet as far as the informer knows: an assumed pod stays counted.
      if (!this.assumed.has(key)) this.detach(key);
      return;
    }
    this.assumed.delete(key);
    if (isTerminal(pod)) {
      this.detach(key);
      return;
    }
    this.attach(podInfo(pod), nodeName);
  }

  removePod(pod: KubeObject): void {
    const key = objectKey(pod);
    this.assumed.delete(key);
    this.detach(key);
  }

  /** Counts the pod against `nodeName` before the API has confirmed the binding. */
  assume(p: PodInfo, nodeName: string): void {
    this.assumed.add(p.key);
    this.attach(p, nodeName);
  }

  /** Drops an assumption whose binding failed; a pod the informer shows bound stays. */
  forget(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.detach(key);
  }

  private attach(p: PodInfo, nodeName: string): void {
    const prior = this.placement.get(p.key);
    if (prior !== undefined && prior !== nodeName) this.detach(p.key);
    let info = this.nodes.get(nodeName);
    if (!info) {
      info = new NodeInfo(nodeName);
      this.nodes.set(nodeName, info);
    }
    info.addPod(p);
    this.placement.set(p.key, nodeName);
  }

  private detach(key: string): void {
    const nodeName = this.placement.get(key);
    if (nodeName === undefined) return;
    this.placement.delete(key);
    const info = this.nodes.get(nodeName);
    if (!info) return;
    info.removePod(key);
    if (!info.node && info.pods.size === 0) this.nodes.delete(nodeName);
  }
}
