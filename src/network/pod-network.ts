// The node's pod network: one named network namespace per pod, wired to the
// node bridge by the CNI plugins. The agent calls setUp before it starts a
// pod's sandbox (runc joins the namespace by path) and tearDown after the
// pod's containers are gone. What each pod got is kept in stateDir, so a
// restarted agent reads pods' addresses back with status() instead of
// running CNI again.

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../util/log.ts';
import { localRunner, type ProcessRunner } from '../util/process-runner.ts';
import { gatewayOf, parseIpv4Cidr } from './cidr.ts';
import { addNetworkList, checkNetworkList, delNetworkList } from './cni-chain.ts';
import { hasPerPodRules, podNetworkList } from './conflist.ts';
import { createNetns, deleteLink, deleteNetns, netnsExists, netnsPath } from './netns.ts';
import { attachmentOf, chainRuntime, podAddress, resultFromLease } from './pod-cni.ts';
import { type HostPort, type PodNetworkRecord, PodRecords } from './pod-records.ts';
import { ensureRangeRules } from './range-rules.ts';
import { sweepRules } from './rule-sweep.ts';

export interface PodNetworkOptions {
  /** The node bridge; also the CNI network's name, so its rules are told apart from other nodes'. */
  bridgeName?: string;
  /** The node's pod range, e.g. 10.42.0.0/24; its first address is the bridge's and the pods' gateway. */
  podCIDR: string;
  cniBinDir?: string;
  /** Under orca's data dir; holds host-local's leases and the per-pod records. */
  stateDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  mtu?: number;
  /** Starts ip, iptables and the CNI plugins (default: from this process). */
  runner?: ProcessRunner;
  /** Prefix of the pods' namespace names under /run/netns. */
  netnsPrefix?: string;
  logger: Logger;
}

export interface PodNetworkRequest {
  podUid: string;
  namespace: string;
  name: string;
  hostPorts?: HostPort[];
}

export interface PodAttachment {
  netnsName: string;
  netnsPath: string;
  ip: string;
  gateway: string;
  /** The host end of the pod's veth pair. */
  hostInterface: string | undefined;
}

/**
 * - absent: nothing is known of this pod.
 * - incomplete: a setUp was interrupted; tearDown, then setUp again.
 * - netnsMissing: the pod had an address but its namespace is gone (a reboot); tearDown and set up anew.
 * - ready: the namespace exists and holds the recorded address.
 */
export type PodNetworkStatus =
  | { state: 'absent'; podUid: string }
  | { state: 'incomplete'; podUid: string; netnsPath: string }
  | ({ state: 'netnsMissing'; podUid: string } & PodAttachment)
  | ({ state: 'ready'; podUid: string } & PodAttachment);

const podIfName = 'eth0';

export class PodNetwork {
  readonly bridgeName: string;
  readonly podCIDR: string;
  readonly gateway: string;
  readonly clusterDNS: string[];
  readonly clusterDomain: string;
  readonly #binDir: string;
  readonly #stateDir: string;
  readonly #ipamDir: string;
  readonly #mtu: number | undefined;
  readonly #netnsPrefix: string;
  readonly #records: PodRecords;
  readonly #log: Logger;
  readonly #runner: ProcessRunner;
  /** Per-pod operation chains: setUp and tearDown of one pod never overlap. */
  readonly #busy = new Map<string, Promise<unknown>>();
  /** The pod range's forwarding and masquerade rules, made by the first setUp (again after teardownAll). */
  #rangeRules?: Promise<void>;

  constructor(options: PodNetworkOptions) {
    const { network, prefix } = parseIpv4Cidr(options.podCIDR);
    this.bridgeName = options.bridgeName ?? 'orca0';
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(this.bridgeName))
      throw new Error(`invalid bridge name: ${this.bridgeName}`);
    this.podCIDR = `${network}/${prefix}`;
    this.gateway = gatewayOf(this.podCIDR);
    this.clusterDNS = options.clusterDNS;
    this.clusterDomain = options.clusterDomain;
    this.#binDir = options.cniBinDir ?? '/usr/lib/cni';
    this.#stateDir = options.stateDir;
    this.#ipamDir = path.join(options.stateDir, 'ipam');
    this.#mtu = options.mtu;
    this.#netnsPrefix = options.netnsPrefix ?? 'orca-';
    this.#records = new PodRecords(options.stateDir);
    this.#log = options.logger.child('network');
    this.#runner = options.runner ?? localRunner;
  }

  netnsName(podUid: string): string {
    const short = podUid.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
    if (short === '') throw new Error(`invalid pod uid: ${podUid}`);
    return this.#netnsPrefix + short;
  }

  /**
   * Gives the pod a namespace and an address. Calling it again for a pod
   * that is ready returns what it has; a pod left half set up, or whose
   * namespace vanished, is torn down and set up anew.
   */
  setUp(request: PodNetworkRequest, signal?: AbortSignal): Promise<PodAttachment> {
    return this.#exclusive(request.podUid, () => this.#setUp(request, signal));
  }

  /**
   * setUp for a caller that starts the pod's sandbox while the CNI plugins
   * run: resolves as soon as the pod's namespace exists (the sandbox joins it
   * by path), with the rest of the setUp still under way in `attachment`.
   * The caller must await `attachment`; if it fails, everything setUp made
   * is already undone, and a sandbox started in the namespace is the
   * caller's to remove.
   */
  async setUpStaged(
    request: PodNetworkRequest,
    signal?: AbortSignal,
  ): Promise<{ netnsPath: string; attachment: Promise<PodAttachment> }> {
    const { promise: namespace, resolve, reject } = Promise.withResolvers<string>();
    const attachment = this.#exclusive(request.podUid, () => this.#setUp(request, signal, resolve));
    attachment.catch(reject);
    return { netnsPath: await namespace, attachment };
  }

  /** Undoes setUp. Idempotent: unknown pods and missing namespaces are fine. */
  tearDown(podUid: string, signal?: AbortSignal): Promise<void> {
    return this.#exclusive(podUid, async () => {
      const record = await this.#records.get(podUid);
      if (record) await this.#tearDown(record, signal);
      else await deleteNetns(this.#runner, this.netnsName(podUid), signal);
    });
  }

  async status(podUid: string): Promise<PodNetworkStatus> {
    const record = await this.#records.get(podUid);
    if (!record) return { state: 'absent', podUid };
    if (record.state === 'adding')
      return { state: 'incomplete', podUid, netnsPath: netnsPath(record.netnsName) };
    const attachment = attachmentOf(record);
    const state = (await netnsExists(record.netnsName)) ? 'ready' : 'netnsMissing';
    return { state, podUid, ...attachment };
  }

  /** Every pod this network holds state for, so the agent can tear down those it no longer runs. */
  async list(): Promise<PodNetworkStatus[]> {
    const records = await this.#records.list();
    return Promise.all(records.map((r) => this.status(r.podUid)));
  }

  /** Runs CNI CHECK for a ready pod; throws CniError when the plugins find something amiss. */
  async check(podUid: string, signal?: AbortSignal): Promise<void> {
    const record = await this.#records.get(podUid);
    if (record?.state !== 'ready') throw new Error(`pod ${podUid} has no network set up`);
    await checkNetworkList(
      this.#runner,
      this.#binDir,
      record.networkList,
      chainRuntime(record, true),
      record.result,
      signal,
    );
  }

  /**
   * For a node leaving for good: tears down every pod, removes rules left
   * for this network, the bridge, and the leases and records in stateDir.
   */
  async teardownAll(signal?: AbortSignal): Promise<void> {
    let firstError: unknown;
    for (const record of await this.#records.list()) {
      await this.tearDown(record.podUid, signal).catch((err: unknown) => {
        this.#log.error('pod network teardown failed', { podUid: record.podUid, err });
        firstError ??= err;
      });
    }
    await sweepRules(this.#runner, { networkName: this.bridgeName, podCIDR: this.podCIDR }, signal);
    this.#rangeRules = undefined;
    await deleteLink(this.#runner, this.bridgeName, signal);
    if (firstError) throw firstError;
    await rm(this.#ipamDir, { recursive: true, force: true });
    await rm(path.join(this.#stateDir, 'pods'), { recursive: true, force: true });
  }

  /** `onNamespace` hears of the pod's namespace once it exists, before the CNI plugins run. */
  async #setUp(
    request: PodNetworkRequest,
    signal?: AbortSignal,
    onNamespace?: (netnsPath: string) => void,
  ): Promise<PodAttachment> {
    const existing = await this.#records.get(request.podUid);
    if (existing?.state === 'ready' && (await netnsExists(existing.netnsName))) {
      onNamespace?.(netnsPath(existing.netnsName));
      return attachmentOf(existing);
    }
    if (existing) await this.#tearDown(existing, signal);

    const netnsName = this.netnsName(request.podUid);
    // A namespace without a record was never handed to CNI: nothing else to undo.
    // Checked first, as it is almost never there: `ip netns delete` is a process to start.
    if (await netnsExists(netnsName)) await deleteNetns(this.#runner, netnsName, signal);
    const hostPorts = (request.hostPorts ?? []).filter((p) => p.hostPort > 0);
    await mkdir(this.#ipamDir, { recursive: true, mode: 0o700 });
    const record: PodNetworkRecord = {
      state: 'adding',
      podUid: request.podUid,
      namespace: request.namespace,
      name: request.name,
      netnsName,
      containerId: request.podUid,
      ifName: podIfName,
      hostPorts,
      networkList: podNetworkList({
        networkName: this.bridgeName,
        bridgeName: this.bridgeName,
        podCIDR: this.podCIDR,
        gateway: this.gateway,
        ipamDataDir: this.#ipamDir,
        mtu: this.#mtu,
        withPortMappings: hostPorts.length > 0,
      }),
    };
    await this.#records.put(record);
    try {
      await this.#ensureRangeRules(signal);
      const createdNetns = await createNetns(this.#runner, netnsName, signal);
      onNamespace?.(createdNetns);
      const result = await addNetworkList(
        this.#runner,
        this.#binDir,
        record.networkList,
        chainRuntime(record, true),
        signal,
      );
      const address = podAddress(result, podIfName);
      const ready: PodNetworkRecord = { ...record, state: 'ready', ...address, result };
      await this.#records.put(ready);
      this.#log.info('pod network set up', { pod: `${request.namespace}/${request.name}`, ip: address.ip });
      return attachmentOf(ready);
    } catch (err) {
      // Leave nothing half made; the record stays if even this fails, for the next tearDown.
      await this.#tearDown(record).catch((undoErr: unknown) =>
        this.#log.warn('undoing a failed pod network setup failed', { podUid: request.podUid, err: undoErr }),
      );
      throw err;
    }
  }

  async #tearDown(record: PodNetworkRecord, signal?: AbortSignal): Promise<void> {
    const hasNetns = await netnsExists(record.netnsName);
    const prevResult =
      record.state === 'ready'
        ? record.result
        : await resultFromLease(record, this.#ipamDir, this.podCIDR, this.gateway);
    await delNetworkList(
      this.#runner,
      this.#binDir,
      record.networkList,
      chainRuntime(record, hasNetns),
      prevResult,
      signal,
    );
    // Without the namespace the bridge plugin cannot tell which masquerade rules were the pod's
    // (only records made before masquerading moved to the range rules have such rules).
    if ((!hasNetns || record.state === 'adding') && hasPerPodRules(record.networkList)) {
      await sweepRules(
        this.#runner,
        { networkName: record.networkList.name, containerId: record.containerId },
        signal,
      );
    }
    await deleteNetns(this.#runner, record.netnsName, signal);
    await this.#records.remove(record.podUid);
    this.#log.info('pod network torn down', { pod: `${record.namespace}/${record.name}` });
  }

  #ensureRangeRules(signal?: AbortSignal): Promise<void> {
    this.#rangeRules ??= ensureRangeRules(this.#runner, this.bridgeName, this.podCIDR, signal).catch(
      (err: unknown) => {
        this.#rangeRules = undefined;
        throw err;
      },
    );
    return this.#rangeRules;
  }

  #exclusive<T>(podUid: string, work: () => Promise<T>): Promise<T> {
    const before = this.#busy.get(podUid) ?? Promise.resolve();
    const next = before.catch(() => {}).then(work);
    const settled = next.catch(() => {});
    this.#busy.set(podUid, settled);
    void settled.then(() => {
      if (this.#busy.get(podUid) === settled) this.#busy.delete(podUid);
    });
    return next;
  }
}
