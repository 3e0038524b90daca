// One pass of a pod worker: compare the pod's spec with what the runtime
// reports and take the next steps — volumes, network and sandbox, then the
// containers the plan says to start — and report the resulting status.
// Level-triggered: it reads everything afresh each time and may run any
// number of times; terminating a pod is the separate `terminate` path.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/object.ts';
import { deepEqual } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { isNotFound } from '../api/status.ts';
import type { Client } from '../client/types.ts';
import type { ImageStore } from '../images/index.ts';
import { type PodAttachment, type PodNetwork, writePodHostsFile, writeResolvConf } from '../network/index.ts';
import type {
  ContainerConfig,
  ContainerStatus,
  Mount,
  Runtime,
  SandboxNetwork,
  SandboxStatus,
} from '../runtime/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { Backoff } from './backoff.ts';
import { ContainerConfigError } from './container-config-error.ts';
import { backoffKey, type Plan, planContainers, type StartStep } from './container-plan.ts';
import type { EventSink, ImagePuller } from './image-puller.ts';
import { labels } from './labels.ts';
import { computePodStatus } from './pod-status.ts';
import { failedMountMessage, VolumeSetupError } from './volumes/index.ts';

const pods = resources.find((r) => r.kind === 'Pod' && r.group === '')!;

export { labels };

/** Volumes: what the agent's volume manager provides. */
export interface Volumes {
  setUp(pod: KubeObject, signal: AbortSignal): Promise<Map<string, { hostPath: string; readOnly?: boolean }>>;
  mountsFor(
    pod: KubeObject,
    container: KubeObject['spec'],
    volumes: Map<string, { hostPath: string; readOnly?: boolean }>,
  ): Mount[];
  tearDown(podUid: string): Promise<void>;
  /** Re-renders configMap, secret, downward API and projected volumes whose sources changed. */
  refresh(pod: KubeObject, signal: AbortSignal): Promise<unknown>;
}

export interface ContainerConfigRequest {
  pod: KubeObject;
  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  container: any;
  imageConfig: Awaited<ReturnType<ImageStore['imageConfig']>>['config'];
  podIP?: string;
  volumes: Map<string, { hostPath: string; readOnly?: boolean }>;
  sandboxId: string;
  podDir: string;
  rootfs: string;
  logPath: string;
  attempt: number;
  id: string;
  labels: Record<string, string>;
  signal: AbortSignal;
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

/** A container made ready to create, or why it is not (its failure is already in the pod's memory). */
type PreparedContainer =
  | {
      kind: 'ready';
      imageConfig: ContainerConfigRequest['imageConfig'];
      rootfs: string;
      containerDir: string;
    }
  | { kind: 'failed'; retryAfterMs: number };

/** What the agent remembers of a pod between syncs (lost on restart, rebuilt from the runtime). */
interface PodMemory {
  startTime: Date;
  podIP?: string;
  images: Map<string, { imageID: string; image: string }>;
  failures: Map<string, { reason: string; message: string }>;
  lastStatus?: KubeObject['status'];
  /** The pod's resourceVersion after that write: informer copies older than it are stale. */
  lastStatusVersion?: bigint;
  /** Volumes once set up, and when their contents were last refreshed from their sources. */
  volumes?: Map<string, { hostPath: string; readOnly?: boolean }>;
  refreshedAt?: number;
}

/** How often configMap/secret/downward API volumes are re-rendered (the kubelet syncs about every minute). */
const volumeRefreshMs = 60_000;

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
    // Milliseconds since the sync began at each step, logged at debug level when containers start.
    const began = performance.now();
    const took: Record<string, number> = {};
    const mark = (step: string) => {
      took[step] = Math.round(performance.now() - began);
    };
    if (!mem.volumes) await mkdir(join(dir, 'logs'), { recursive: true });

    let volumes: Map<string, { hostPath: string; readOnly?: boolean }>;
    try {
      volumes = mem.volumes ?? (await this.d.volumes.setUp(pod, signal));
      const now = this.d.clock.now().getTime();
      if (!mem.volumes) {
        mem.volumes = volumes;
        mem.refreshedAt = now;
      } else if (now - (mem.refreshedAt ?? 0) > volumeRefreshMs) {
        mem.refreshedAt = now;
        await this.d.volumes.refresh(pod, signal);
      }
    } catch (err) {
      const failures =
        err instanceof VolumeSetupError ? err.failures : [{ volume: '', message: (err as Error).message }];
      for (const f of failures) this.d.events.event(pod, 'Warning', 'FailedMount', failedMountMessage(f));
      await this.report(
        pod,
        mem,
        await this.instances(uid),
        { start: [], waiting: new Map(), initialized: false },
        false,
      );
      return { requeueAfterMs: 2000 };
    }

    mark('volumes');
    // One look at the runtime for both (should runc be asked, they share one `runc list`).
    const [sandboxes, found] = await Promise.all([
      this.d.runtime.listSandboxes({ podUid: uid }),
      this.instances(uid),
    ]);
    // A pod without any sandbox yet has nothing to lose to a new one, so its plan is
    // known now: its containers' images and root filesystems are readied meanwhile.
    const early = sandboxes.length === 0 ? planContainers(pod, found, this.d.backoff) : undefined;
    const preparing = new Map(
      (early?.terminal ? [] : (early?.start ?? [])).map((s) => [
        s,
        this.prepareContainer(pod, mem, s, signal),
      ]),
    );
    let ensured: { id: string; replaced: boolean };
    try {
      ensured = await this.ensureSandbox(pod, mem, sandboxes, signal);
    } finally {
      // Never left running on their own; a root filesystem mounted here is reused by the next sync.
      if (preparing.size) await Promise.allSettled(preparing.values());
    }
    const { id: sandbox, replaced } = ensured;
    // Replacing a dead sandbox removed its containers with it.
    const instances = replaced ? await this.instances(uid) : found;
    mark('sandbox');
    const plan = early ?? planContainers(pod, instances, this.d.backoff);
    if (plan.terminal) {
      await this.report(pod, mem, instances, plan, true);
      return {};
    }
    let requeue = plan.requeueAfterMs;
    // Init containers and sidecars start one at a time, in order; app containers together.
    const steps = plan.start;
    const results = await Promise.all(
      steps.map((s) => this.startContainer(pod, mem, s, sandbox, volumes, signal, preparing.get(s))),
    );
    for (const r of results)
      if (r.retryAfterMs !== undefined) requeue = Math.min(requeue ?? r.retryAfterMs, r.retryAfterMs);
    mark('containers');
    // Looked at again only when something was started: otherwise nothing changed since the first look.
    const after = await this.pruneInstances(uid, steps.length ? await this.instances(uid) : instances);
    const finalPlan = steps.length ? planContainers(pod, after, this.d.backoff) : plan;
    await this.report(pod, mem, after, finalPlan, true);
    mark('reported');
    if (steps.length) this.d.logger.debug('pod sync started containers', { pod: uid, ms: took });
    if (finalPlan.requeueAfterMs !== undefined)
      requeue = Math.min(requeue ?? finalPlan.requeueAfterMs, finalPlan.requeueAfterMs);
    return { requeueAfterMs: requeue };
  }

  /**
   * The pod's ready sandbox, made (with its network) when missing or dead;
   * `replaced` when an old one was removed, and its containers with it.
   */
  private async ensureSandbox(
    pod: KubeObject,
    mem: PodMemory,
    existing: SandboxStatus[],
    signal: AbortSignal,
  ): Promise<{ id: string; replaced: boolean }> {
    const uid = pod.metadata.uid!;
    const ready = existing.find((s) => s.state.kind === 'ready');
    if (ready && pod.spec?.hostNetwork) {
      mem.podIP = this.d.nodeIP;
      return { id: ready.id, replaced: false };
    }
    if (ready && mem.podIP) return { id: ready.id, replaced: false };
    if (ready) {
      const st = await this.d.network.status(uid);
      if (st.state === 'ready') {
        mem.podIP = st.ip;
        return { id: ready.id, replaced: false };
      }
      // The sandbox starts while CNI runs: an agent that stopped in between left it without a network.
    }
    // A dead sandbox takes its containers with it: they all start again in a new one.
    for (const s of existing) await this.d.runtime.removeSandbox(s.id);
    const dir = this.podDir(uid);
    const hostNetwork = Boolean(pod.spec?.hostNetwork);
    let network: SandboxNetwork = { kind: 'host' };
    let attachment: Promise<PodAttachment> | undefined;
    if (hostNetwork) mem.podIP = this.d.nodeIP;
    else {
      const hostPorts = (pod.spec?.containers ?? []).flatMap(
        (c: {
          ports?: {
            containerPort: number;
            hostPort?: number;
            protocol?: 'TCP' | 'UDP' | 'SCTP';
            hostIP?: string;
          }[];
        }) =>
          (c.ports ?? [])
            .filter((p) => p.hostPort)
            .map((p) => ({
              containerPort: p.containerPort,
              hostPort: p.hostPort!,
              protocol: p.protocol,
              hostIP: p.hostIP,
            })),
      );
      // The sandbox starts in the pod's namespace while the CNI plugins wire it up.
      const staged = await this.d.network.setUpStaged(
        { podUid: uid, namespace: pod.metadata.namespace!, name: pod.metadata.name!, hostPorts },
        signal,
      );
      network = { kind: 'pod', netnsPath: staged.netnsPath };
      attachment = staged.attachment;
    }
    const hostsPath = join(dir, 'etc-hosts');
    const resolvPath = join(dir, 'resolv.conf');
    const warnings = await writeResolvConf(resolvPath, pod, this.d.network).catch(async (err: unknown) => {
      await attachment?.catch(() => undefined);
      throw err;
    });
    for (const w of warnings) this.d.events.event(pod, 'Warning', w.reason, w.message);
    const created = this.d.runtime.createSandbox({
      podUid: uid,
      name: pod.metadata.name!,
      namespace: pod.metadata.namespace!,
      attempt: existing.length,
      hostname: pod.spec?.hostname ?? pod.metadata.name,
      network,
      hostIPC: Boolean(pod.spec?.hostIPC),
      pidMode: pod.spec?.hostPID ? 'host' : pod.spec?.shareProcessNamespace ? 'pod' : 'container',
      hostsPath,
      resolvConfPath: resolvPath,
      labels: {
        [labels.podUid]: uid,
        [labels.podName]: pod.metadata.name!,
        [labels.podNamespace]: pod.metadata.namespace!,
      },
    });
    const [sandbox, attached] = await Promise.allSettled([created, attachment]);
    if (attached.status === 'fulfilled' && attached.value) mem.podIP = attached.value.ip;
    let failure: unknown = attached.status === 'rejected' ? attached.reason : undefined;
    // Containers bind-mount /etc/hosts, which holds the pod's address; the sandbox itself does not.
    if (failure === undefined) {
      failure = await writePodHostsFile(hostsPath, pod, mem.podIP ? [mem.podIP] : [], {
        clusterDomain: this.d.clusterDomain,
      }).then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    if (sandbox.status === 'rejected') throw sandbox.reason;
    if (failure !== undefined) {
      // Without its network or /etc/hosts the sandbox must not look ready to the next sync.
      await this.d.runtime.removeSandbox(sandbox.value).catch(() => undefined);
      throw failure;
    }
    return { id: sandbox.value, replaced: existing.length > 0 };
  }

  /**
   * What a container needs before its sandbox is: the image present, its
   * config read and the root filesystem mounted. For a new pod this runs
   * while the sandbox and network are made.
   */
  private async prepareContainer(
    pod: KubeObject,
    mem: PodMemory,
    step: StartStep,
    signal: AbortSignal,
  ): Promise<PreparedContainer> {
    const c = step.container;
    const fieldPath = `spec.${c.kind === 'app' ? 'containers' : 'initContainers'}{${c.name}}`;
    const pulled = await this.d.puller.ensure(pod, c.spec, fieldPath, signal);
    if (pulled.kind === 'failed') {
      mem.failures.set(c.name, { reason: pulled.reason, message: pulled.message });
      return { kind: 'failed', retryAfterMs: pulled.retryAfterMs ?? 1000 };
    }
    mem.images.set(c.spec.image, { imageID: pulled.imageID, image: pulled.image });
    const containerDir = join(this.podDir(pod.metadata.uid!), 'containers', `${c.name}-${step.attempt}`);
    try {
      const info = await this.d.images.imageConfig(pulled.image);
      const rootfs = await this.d.images.prepareRootfs({ image: pulled.image, containerDir, signal });
      return { kind: 'ready', imageConfig: info.config, rootfs: rootfs.rootfs, containerDir };
    } catch (err) {
      return this.configFailed(pod, mem, step, containerDir, err);
    }
  }

  private async configFailed(
    pod: KubeObject,
    mem: PodMemory,
    step: StartStep,
    containerDir: string,
    err: unknown,
  ): Promise<PreparedContainer & { kind: 'failed' }> {
    const c = step.container;
    const fieldPath = `spec.${c.kind === 'app' ? 'containers' : 'initContainers'}{${c.name}}`;
    await this.d.images.releaseRootfs(containerDir).catch(() => undefined);
    const reason = err instanceof ContainerConfigError ? err.reason : 'CreateContainerConfigError';
    mem.failures.set(c.name, { reason, message: (err as Error).message });
    this.d.events.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`, { fieldPath });
    return { kind: 'failed', retryAfterMs: 2000 };
  }

  private async startContainer(
    pod: KubeObject,
    mem: PodMemory,
    step: StartStep,
    sandboxId: string,
    volumes: Map<string, { hostPath: string; readOnly?: boolean }>,
    signal: AbortSignal,
    preparing?: Promise<PreparedContainer>,
  ): Promise<{ retryAfterMs?: number }> {
    const c = step.container;
    const uid = pod.metadata.uid!;
    const fieldPath = `spec.${c.kind === 'app' ? 'containers' : 'initContainers'}{${c.name}}`;
    const prepared = await (preparing ?? this.prepareContainer(pod, mem, step, signal));
    if (prepared.kind === 'failed') return { retryAfterMs: prepared.retryAfterMs };
    const id = `${uid.slice(0, 8)}-${c.name}-${step.attempt}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    const logPath = join(this.podDir(uid), 'logs', c.name, `${step.attempt}.log`);
    let config: ContainerConfig;
    try {
      config = await this.d.buildConfig({
        pod,
        container: c.spec,
        imageConfig: prepared.imageConfig,
        podIP: mem.podIP,
        volumes,
        sandboxId,
        podDir: this.podDir(uid),
        rootfs: prepared.rootfs,
        logPath,
        attempt: step.attempt,
        id,
        labels: { [labels.podUid]: uid, [labels.container]: c.name },
        signal,
      });
    } catch (err) {
      return this.configFailed(pod, mem, step, prepared.containerDir, err);
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

  /**
   * Keeps the current and the previous instance of each container (for
   * logs --previous); returns `instances` without the ones removed.
   */
  private async pruneInstances(
    uid: string,
    instances: Map<string, ContainerStatus[]>,
  ): Promise<Map<string, ContainerStatus[]>> {
    const kept = new Map<string, ContainerStatus[]>();
    for (const [name, list] of instances) {
      kept.set(name, list.slice(-2));
      for (const old of list.slice(0, -2)) {
        await this.d.runtime.removeContainer(old.id, { removeLogs: true });
        await this.d.images
          .releaseRootfs(
            join(this.podDir(uid), 'containers', `${old.labels[labels.container]}-${old.attempt}`),
          )
          .catch(() => undefined);
      }
    }
    return kept;
  }

  private async report(
    pod: KubeObject,
    mem: PodMemory,
    instances: Map<string, ContainerStatus[]>,
    plan: Plan,
    sandboxReady: boolean,
  ): Promise<void> {
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
      previous: mem.lastStatus,
    });
    if (deepEqual(status, mem.lastStatus) && (deepEqual(status, pod.status) || olderThanWrite(pod, mem)))
      return;
    try {
      const written = await this.d.client.patch(
        pods,
        pod.metadata.namespace,
        pod.metadata.name!,
        'merge',
        { metadata: { uid: pod.metadata.uid }, status },
        { subresource: 'status' },
      );
      mem.lastStatus = status;
      mem.lastStatusVersion = version(written);
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
    const running = [...instances.values()]
      .map((l) => l.at(-1)!)
      .filter((s) => s.state.kind === 'running' || s.state.kind === 'created');
    const stop = async (s: ContainerStatus) => {
      const name = s.labels[labels.container];
      const kind = appNames.has(name) ? 'containers' : 'initContainers';
      if (why === 'deleted')
        this.d.events.event(pod, 'Normal', 'Killing', `Stopping container ${name}`, {
          fieldPath: `spec.${kind}{${name}}`,
        });
      await this.d.runtime.stopContainer(s.id, graceSeconds);
    };
    await Promise.all(running.filter((s) => appNames.has(s.labels[labels.container])).map(stop));
    for (const s of running.filter((x) => !appNames.has(x.labels[labels.container])).reverse()) await stop(s);
    for (const sb of await this.d.runtime.listSandboxes({ podUid: uid }))
      await this.d.runtime.stopSandbox(sb.id);
    await this.d.network.tearDown(uid);
    if (why === 'terminal') {
      const mem = this.remember(pod);
      const after = await this.instances(uid);
      await this.report(pod, mem, after, planContainers(pod, after, this.d.backoff), false);
    }
  }

  /** The pod UIDs that have a directory on this node. */
  async podsOnDisk(): Promise<string[]> {
    try {
      return (await readdir(this.d.podsDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Removes everything the pod had on this node: containers, sandbox, network, volumes, files. */
  async cleanup(uid: string): Promise<void> {
    for (const sb of await this.d.runtime.listSandboxes({ podUid: uid }))
      await this.d.runtime.removeSandbox(sb.id);
    for (const c of await this.d.runtime.listContainers({ labels: { [labels.podUid]: uid } }))
      await this.d.runtime.removeContainer(c.id, { removeLogs: true });
    await this.d.network.tearDown(uid);
    await this.d.volumes.tearDown(uid);
    const dir = this.podDir(uid);
    const containers = join(dir, 'containers');
    try {
      for (const d of await readdir(containers)) await this.d.images.releaseRootfs(join(containers, d));
    } catch {
      // no containers dir: nothing mounted
    }
    await rm(dir, { recursive: true, force: true });
    this.memory.delete(uid);
    this.d.backoff.forgetPrefix(`${uid}/`);
  }
}

/** orca's resourceVersions are store revisions; anything else is never taken as stale. */
function version(obj: KubeObject): bigint | undefined {
  const rv = obj.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * True when this copy of the pod predates the agent's last status write: its
 * status differs only because the watch has not caught up, and writing again
 * would just repeat what is already stored.
 */
function olderThanWrite(pod: KubeObject, mem: PodMemory): boolean {
  const seen = version(pod);
  return seen !== undefined && mem.lastStatusVersion !== undefined && seen < mem.lastStatusVersion;
}
