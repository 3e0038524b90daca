// One pass of a pod worker: compare the pod's spec with what the runtime
// reports and take the next steps — volumes, network and sandbox, then the
// containers the plan says to start — and report the resulting status.
// Level-triggered: it reads everything afresh each time and may run any
// number of times; terminating a pod is the separate `terminate` path.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/object.ts';
import { deepEqual } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import type { Client } from '../client/types.ts';
import type { ImageStore } from '../images/index.ts';
import { type PodNetwork, writePodHostsFile, writeResolvConf } from '../network/index.ts';
import type { ContainerConfig, ContainerStatus, Mount, Runtime } from '../runtime/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { Backoff } from './backoff.ts';
import { backoffKey, type Plan, planContainers, type StartStep } from './container-plan.ts';
import type { EventSink, ImagePuller } from './image-puller.ts';
import { computePodStatus } from './pod-status.ts';

const pods = resources.find((r) => r.kind === 'Pod' && r.group === '')!;

export const labels = {
  podUid: 'orca.pod.uid',
  podName: 'orca.pod.name',
  podNamespace: 'orca.pod.namespace',
  container: 'orca.container.name',
} as const;

/** Volumes: what the agent's volume manager provides. */
export interface Volumes {
  setUp(pod: KubeObject, signal: AbortSignal): Promise<Map<string, { hostPath: string; readOnly?: boolean }>>;
  mountsFor(pod: KubeObject, container: KubeObject['spec'], volumes: Map<string, { hostPath: string; readOnly?: boolean }>): Mount[];
  tearDown(podUid: string): Promise<void>;
}

export interface ContainerConfigRequest {
  pod: KubeObject;
  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  container: any;
  imageConfig: Awaited<ReturnType<ImageStore['imageConfig']>>['config'];
  podIP?: string;
  volumes: Map<string, { hostPath: string; readOnly?: boolean }>;
  sandboxId: string;
  rootfs: string;
  logPath: string;
  attempt: number;
  id: string;
  labels: Record<string, string>;
  signal: AbortSignal;
}

/** A failure to build a container's config: it waits with this reason (CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface PodSyncDeps {
  client: Client;
  runtime: Runtime;
  images: ImageStore;
  puller: ImagePuller;
  network: PodNetwork;
  volumes: Volumes;
  buildConfig(req: ContainerConfigRequest): Promise<ContainerConfig>;
  events: EventSink;
  backoff: Backoff;
  clock: Clock;
  logger: Logger;
  podsDir: string;
  nodeIP: string;
  clusterDomain: string;
}

/** What the agent remembers of a pod between syncs (lost on restart, rebuilt from the runtime). */
interface PodMemory {
  startTime: Date;
  podIP?: string;
  images: Map<string, { imageID: string; image: string }>;
  failures: Map<string, { reason: string; message: string }>;
  lastStatus?: unknown;
}

export class PodSyncer {
  private readonly d: PodSyncDeps;
  private readonly memory = new Map<string, PodMemory>();

  constructor(deps: PodSyncDeps) {
    this.d = deps;
  }

  podDir(uid: string): string {
    return join(this.d.podsDir, uid);
  }

  private remember(pod: KubeObject): PodMemory {
    const uid = pod.metadata.uid!;
    let m = this.memory.get(uid);
    if (!m) {
      const started = pod.status?.startTime ? new Date(pod.status.startTime) : this.d.clock.now();
      m = { startTime: started, images: new Map(), failures: new Map() };
      this.memory.set(uid, m);
    }
    return m;
  }

  async instances(uid: string): Promise<Map<string, ContainerStatus[]>> {
    const list = await this.d.runtime.listContainers({ labels: { [labels.podUid]: uid } });
    const by = new Map<string, ContainerStatus[]>();
    for (const c of list) {
      const name = c.labels[labels.container] ?? c.name;
      by.set(name, [...(by.get(name) ?? []), c]);
    }
    for (const l of by.values()) l.sort((a, b) => a.attempt - b.attempt);
    return by;
  }

  /** Brings the pod one step closer to its spec; returns when to look again. */
  async sync(pod: KubeObject, signal: AbortSignal): Promise<{ requeueAfterMs?: number }> {
    const uid = pod.metadata.uid!;
    const mem = this.remember(pod);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      await this.stopPod(pod, 0, 'terminal');
      return {};
    }
    const dir = this.podDir(uid);
    await mkdir(join(dir, 'logs'), { recursive: true });

    let volumes: Map<string, { hostPath: string; readOnly?: boolean }>;
    try {
      volumes = await this.d.volumes.setUp(pod, signal);
    } catch (err) {
      this.d.events.event(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${(err as Error).message}`);
      await this.report(pod, mem, await this.instances(uid), { start: [], waiting: new Map(), initialized: false }, false);
      return { requeueAfterMs: 2000 };
    }

    const sandbox = await this.ensureSandbox(pod, mem, signal);
    const instances = await this.instances(uid);
    const plan = planContainers(pod, instances, this.d.backoff);
    if (plan.terminal) {
      await this.report(pod, mem, instances, plan, true);
      return {};
    }
    let requeue = plan.requeueAfterMs;
    // Init containers and sidecars start one at a time, in order; app containers together.
    const steps = plan.start;
    const results = await Promise.all(steps.map((s) => this.startContainer(pod, mem, s, sandbox, volumes, signal)));
    for (const r of results) if (r.retryAfterMs !== undefined) requeue = Math.min(requeue ?? r.retryAfterMs, r.retryAfterMs);
    await this.pruneInstances(uid);
    const after = await this.instances(uid);
    const finalPlan = steps.length ? planContainers(pod, after, this.d.backoff) : plan;
    await this.report(pod, mem, after, finalPlan, true);
    if (finalPlan.requeueAfterMs !== undefined) requeue = Math.min(requeue ?? finalPlan.requeueAfterMs, finalPlan.requeueAfterMs);
    return { requeueAfterMs: requeue };
  }

  /** The pod's ready sandbox, made (with its network) when missing or dead. */
  private async ensureSandbox(pod: KubeObject, mem: PodMemory, signal: AbortSignal): Promise<string> {
    const uid = pod.metadata.uid!;
    const existing = await this.d.runtime.listSandboxes({ podUid: uid });
    const ready = existing.find((s) => s.state.kind === 'ready');
    if (ready) {
      if (!mem.podIP && !pod.spec?.hostNetwork) {
        const st = await this.d.network.status(uid);
        if (st.state === 'ready') mem.podIP = st.ip;
      }
      if (pod.spec?.hostNetwork) mem.podIP = this.d.nodeIP;
      return ready.id;
    }
    // A dead sandbox takes its containers with it: they all start again in a new one.
    for (const s of existing) await this.d.runtime.removeSandbox(s.id);
    const dir = this.podDir(uid);
    const hostNetwork = Boolean(pod.spec?.hostNetwork);
    let netnsPath: string | undefined;
    if (hostNetwork) mem.podIP = this.d.nodeIP;
    else {
      const hostPorts = (pod.spec?.containers ?? []).flatMap((c: { ports?: { containerPort: number; hostPort?: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; hostIP?: string }[] }) =>
        (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ containerPort: p.containerPort, hostPort: p.hostPort!, protocol: p.protocol, hostIP: p.hostIP })),
      );
      const attached = await this.d.network.setUp({ podUid: uid, namespace: pod.metadata.namespace!, name: pod.metadata.name!, hostPorts }, signal);
      netnsPath = attached.netnsPath;
      mem.podIP = attached.ip;
    }
    const hostsPath = join(dir, 'etc-hosts');
    const resolvPath = join(dir, 'resolv.conf');
    await writePodHostsFile(hostsPath, pod, mem.podIP ? [mem.podIP] : [], { clusterDomain: this.d.clusterDomain });
    const warnings = await writeResolvConf(resolvPath, pod, this.d.network);
    for (const w of warnings) this.d.events.event(pod, 'Warning', w.reason, w.message);
    return this.d.runtime.createSandbox({
      podUid: uid,
      name: pod.metadata.name!,
      namespace: pod.metadata.namespace!,
      attempt: existing.length,
      hostname: pod.spec?.hostname ?? pod.metadata.name,
      network: hostNetwork ? { kind: 'host' } : { kind: 'pod', netnsPath: netnsPath! },
      hostIPC: Boolean(pod.spec?.hostIPC),
      pidMode: pod.spec?.hostPID ? 'host' : pod.spec?.shareProcessNamespace ? 'pod' : 'container',
      hostsPath,
      resolvConfPath: resolvPath,
      labels: { [labels.podUid]: uid, [labels.podName]: pod.metadata.name!, [labels.podNamespace]: pod.metadata.namespace! },
    });
  }

  private async startContainer(
    pod: KubeObject,
    mem: PodMemory,
    step: StartStep,
    sandboxId: string,
    volumes: Map<string, { hostPath: string; readOnly?: boolean }>,
    signal: AbortSignal,
  ): Promise<{ retryAfterMs?: number }> {
    const c = step.container;
    const uid = pod.metadata.uid!;
    const fieldPath = `spec.${c.kind === 'app' ? 'containers' : 'initContainers'}{${c.name}}`;
    const pulled = await this.d.puller.ensure(pod, c.spec, fieldPath, signal);
    if (pulled.kind === 'failed') {
      mem.failures.set(c.name, { reason: pulled.reason, message: pulled.message });
      return { retryAfterMs: pulled.retryAfterMs ?? 1000 };
    }
    mem.images.set(c.spec.image, { imageID: pulled.imageID, image: pulled.image });
    const id = `${uid.slice(0, 8)}-${c.name}-${step.attempt}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    const containerDir = join(this.podDir(uid), 'containers', `${c.name}-${step.attempt}`);
    const logPath = join(this.podDir(uid), 'logs', c.name, `${step.attempt}.log`);
    let config: ContainerConfig;
    try {
      const info = await this.d.images.imageConfig(pulled.image);
      const rootfs = await this.d.images.prepareRootfs({ image: pulled.image, containerDir, signal });
      config = await this.d.buildConfig({
        pod,
        container: c.spec,
        imageConfig: info.config,
        podIP: mem.podIP,
        volumes,
        sandboxId,
        rootfs: rootfs.rootfs,
        logPath,
        attempt: step.attempt,
        id,
        labels: { [labels.podUid]: uid, [labels.container]: c.name },
        signal,
      });
    } catch (err) {
      await this.d.images.releaseRootfs(containerDir).catch(() => undefined);
      const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerConfigError';
      mem.failures.set(c.name, { reason, message: (err as Error).message });
      this.d.events.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, { fieldPath });
      return { retryAfterMs: 2000 };
    }
    if (step.attempt > 0) this.d.backoff.next(backoffKey(pod, c.name), step.previousFinishedAt);
    try {
      await this.d.runtime.createContainer(config);
      this.d.events.event(pod, 'Normal', 'Created', `Created container: ${c.name}`, { fieldPath });
      await this.d.runtime.startContainer(id);
      mem.failures.delete(c.name);
      this.d.events.event(pod, 'Normal', 'Started', `Started container ${c.name}`, { fieldPath });
    } catch (err) {
      mem.failures.set(c.name, { reason: 'RunContainerError', message: (err as Error).message });
      this.d.events.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, { fieldPath });
    }
    return {};
  }

  /** Keeps the current and the previous instance of each container (for logs --previous). */
  private async pruneInstances(uid: string): Promise<void> {
    for (const list of (await this.instances(uid)).values()) {
      for (const old of list.slice(0, -2)) {
        await this.d.runtime.removeContainer(old.id, { removeLogs: true });
        await this.d.images.releaseRootfs(join(this.podDir(uid), 'containers', `${old.labels[labels.container]}-${old.attempt}`)).catch(() => undefined);
      }
    }
  }

  private async report(pod: KubeObject, mem: PodMemory, instances: Map<string, ContainerStatus[]>, plan: Plan, sandboxReady: boolean): Promise<void> {
    const status = computePodStatus({
      pod,
      instances,
      plan,
      sandboxReady,
      podIP: mem.podIP,
      hostIP: this.d.nodeIP,
      startTime: mem.startTime,
      now: this.d.clock.now(),
      images: mem.images,
      failures: mem.failures,
    });
    if (deepEqual(status, mem.lastStatus) && deepEqual(status, pod.status)) return;
    try {
      await this.d.client.patch(pods, pod.metadata.namespace, pod.metadata.name!, 'merge', { metadata: { uid: pod.metadata.uid }, status }, { subresource: 'status' });
      mem.lastStatus = status;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Stops every container (app containers first, then sidecars and init
   * containers in reverse order), then the sandbox, and releases the
   * network. `why` 'terminal': the pod finished; 'deleted': it is going away.
   */
  async stopPod(pod: KubeObject, graceSeconds: number, why: 'terminal' | 'deleted'): Promise<void> {
    const uid = pod.metadata.uid!;
    const instances = await this.instances(uid);
    const appNames = new Set((pod.spec?.containers ?? []).map((c: { name: string }) => c.name));
    const running = [...instances.values()].map((l) => l.at(-1)!).filter((s) => s.state.kind === 'running' || s.state.kind === 'created');
    const stop = async (s: ContainerStatus) => {
      const name = s.labels[labels.container];
      const kind = appNames.has(name) ? 'containers' : 'initContainers';
      if (why === 'deleted') this.d.events.event(pod, 'Normal', 'Killing', `Stopping container ${name}`, { fieldPath: `spec.${kind}{${name}}` });
      await this.d.runtime.stopContainer(s.id, graceSeconds);
    };
    await Promise.all(running.filter((s) => appNames.has(s.labels[labels.container])).map(stop));
    for (const s of running.filter((x) => !appNames.has(x.labels[labels.container])).reverse()) await stop(s);
    for (const sb of await this.d.runtime.listSandboxes({ podUid: uid })) await this.d.runtime.stopSandbox(sb.id);
    await this.d.network.tearDown(uid);
    if (why === 'terminal') {
      const mem = this.remember(pod);
      const after = await this.instances(uid);
      await this.report(pod, mem, after, planContainers(pod, after, this.d.backoff), false);
    }
  }

  /** Removes everything the pod had on this node: containers, sandbox, network, volumes, files. */
  async cleanup(uid: string): Promise<void> {
    for (const sb of await this.d.runtime.listSandboxes({ podUid: uid })) await this.d.runtime.removeSandbox(sb.id);
    for (const c of await this.d.runtime.listContainers({ labels: { [labels.podUid]: uid } })) await this.d.runtime.removeContainer(c.id, { removeLogs: true });
    await this.d.network.tearDown(uid);
    await this.d.volumes.tearDown(uid);
    const dir = this.podDir(uid);
    const containers = join(dir, 'containers');
    try {
      const { readdir } = await import('node:fs/promises');
      for (const d of await readdir(containers)) await this.d.images.releaseRootfs(join(containers, d));
    } catch {
      // no containers dir: nothing mounted
    }
    await rm(dir, { recursive: true, force: true });
    this.memory.delete(uid);
    this.d.backoff.forgetPrefix(`${uid}/`);
  }
}
