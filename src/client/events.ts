// Records core/v1 Events about objects, the way client-go's event recorder
// does: callers fire and forget; one loop writes the events in order; an
// event identical to one written recently (same object, type, reason and
// message from the same source) bumps that event's count and lastTimestamp
// instead of adding another, which is what `kubectl describe` shows as
// "(x4 over 2m)".
import type { KubeObject } from '../api/object.ts';
import { timestamp } from '../api/object.ts';
import { resources } from '../api/resources.ts';
import { isAlreadyExists, isNotFound } from '../api/status.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import type { Client } from './types.ts';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorderOptions {
  /** source.component and reportingComponent, e.g. "default-scheduler", "kubelet". */
  component: string;
  /** source.host: the node an agent reports from. */
  host?: string;
  reportingInstance?: string;
  clock?: Clock;
  /** How long an identical event keeps being counted into the same object (upstream: 10 minutes). */
  aggregateWindowMs?: number;
  /** Events waiting to be written beyond this are dropped, newest first, rather than hoarded. */
  maxPending?: number;
}

interface Pending {
  ref: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  at: Date;
}

interface Written {
  namespace: string;
  name: string;
  count: number;
  lastSeenMs: number;
}

const eventsInfo = resources.find((r) => r.group === '' && r.kind === 'Event')!;
// Upstream keeps this many recent events for aggregation (an LRU).
const maxRemembered = 4096;

/** A reference to `obj` for involvedObject; `fieldPath` points inside it (spec.containers{app}). */
export function referenceTo(obj: KubeObject, fieldPath?: string): ObjectReference {
  return {
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    apiVersion: obj.apiVersion,
    resourceVersion: obj.metadata.resourceVersion,
    ...(fieldPath ? { fieldPath } : {}),
  };
}

export class EventRecorder {
  private readonly client: Client;
  private readonly log: Logger;
  private readonly opts: Required<Omit<EventRecorderOptions, 'host' | 'reportingInstance'>> &
    Pick<EventRecorderOptions, 'host' | 'reportingInstance'>;
  private readonly pending: Pending[] = [];
  private readonly written = new Map<string, Written>();
  private wake: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private writing = false;
  private sequence = 0;

  constructor(client: Client, logger: Logger, opts: EventRecorderOptions) {
    this.client = client;
    this.log = logger.child('events');
    this.opts = {
      clock: systemClock,
      aggregateWindowMs: 10 * 60_000,
      maxPending: 1000,
      ...opts,
    };
  }

  /** Queues an event about `obj`; never throws and never waits. */
  event(
    obj: KubeObject | ObjectReference,
    type: EventType,
    reason: string,
    message: string,
    opts: { fieldPath?: string } = {},
  ): void {
    const ref = 'metadata' in obj ? referenceTo(obj as KubeObject, opts.fieldPath) : { ...obj, ...opts };
    if (this.pending.length >= this.opts.maxPending) {
      this.log.warn('dropping event: too many waiting to be written', { reason, object: ref.name });
      return;
    }
    this.pending.push({ ref, type, reason, message, at: this.opts.clock.now() });
    this.wake?.();
  }

  /** Resolves once every event queued so far has been written (or given up on). */
  idle(): Promise<void> {
    if (!this.writing && this.pending.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = this.pending.shift();
      if (!next) {
        for (const r of this.idleWaiters.splice(0)) r();
        await new Promise<void>((r) => {
          const stop = () => r();
          this.wake = () => {
            signal.removeEventListener('abort', stop);
            r();
          };
          signal.addEventListener('abort', stop, { once: true });
        });
        this.wake = undefined;
        continue;
      }
      this.writing = true;
      try {
        await this.write(next, signal);
      } catch (err) {
        if (!signal.aborted)
          this.log.warn('could not write event', {
            reason: next.reason,
            object: next.ref.name,
            err: err as Error,
          });
      } finally {
        this.writing = false;
      }
    }
    for (const r of this.idleWaiters.splice(0)) r();
  }

  private keyOf(p: Pending): string {
    const r = p.ref;
    return JSON.stringify([
      this.opts.component,
      this.opts.host ?? '',
      r.kind,
      r.namespace,
      r.name,
      r.fieldPath ?? '',
      r.uid,
      r.apiVersion,
      p.type,
      p.reason,
      p.message,
    ]);
  }

  private async write(p: Pending, signal: AbortSignal): Promise<void> {
    const key = this.keyOf(p);
    const seen = this.written.get(key);
    const nowMs = p.at.getTime();
    if (seen && nowMs - seen.lastSeenMs <= this.opts.aggregateWindowMs) {
      try {
        await this.client.patch(
          eventsInfo,
          seen.namespace,
          seen.name,
          'merge',
          { count: seen.count + 1, lastTimestamp: timestamp(p.at) },
          {},
          signal,
        );
        seen.count++;
        seen.lastSeenMs = nowMs;
        this.remember(key, seen);
        return;
      } catch (err) {
        // Someone deleted it (or it expired): start a new one below.
        if (!isNotFound(err)) throw err;
      }
    }
    const created = await this.create(p, signal);
    this.remember(key, { namespace: created.namespace, name: created.name, count: 1, lastSeenMs: nowMs });
  }

  private async create(p: Pending, signal: AbortSignal): Promise<{ namespace: string; name: string }> {
    // Events about cluster-scoped objects (nodes) live in "default", as upstream puts them.
    const namespace = p.ref.namespace || 'default';
    for (let attempt = 0; ; attempt++) {
      const name = `${p.ref.name}.${this.uniqueSuffix(p.at)}`;
      const at = timestamp(p.at);
      const ev: KubeObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: p.ref,
        reason: p.reason,
        message: p.message,
        source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        type: p.type,
        eventTime: null,
        reportingComponent: this.opts.component,
        reportingInstance: this.opts.reportingInstance ?? this.opts.host ?? '',
      };
      try {
        await this.client.create(eventsInfo, ev, signal);
        return { namespace, name };
      } catch (err) {
        if (!isAlreadyExists(err) || attempt >= 3) throw err;
      }
    }
  }

  /** Upstream names events NAME.<nanoseconds in hex>; a counter keeps two in one millisecond apart. */
  private uniqueSuffix(at: Date): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return (BigInt(at.getTime()) * 1_000_000n + BigInt(this.sequence)).toString(16);
  }

  private remember(key: string, w: Written): void {
    this.written.delete(key);
    this.written.set(key, w);
    if (this.written.size > maxRemembered) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }
}
