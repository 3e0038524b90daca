// One watch on a namespace's pods that remembers, per pod name, when an
// event first showed it started (phase Running, both containers running and
// ready) and when it was deleted, timed with performance.now() as the bytes
// arrived. A watch that ends is reopened from the last resourceVersion seen.

import type { KubeObject } from '../../src/api/object.ts';
import type { Credentials } from '../../test/helpers/api.ts';
import { type ApiClient, openWatch, type WatchStream } from '../apiserver/client.ts';
import { podStarted } from './manifest.ts';

interface Seen {
  uid?: string;
  startedAt?: number;
  deletedAt?: number;
}

interface Waiter {
  name: string;
  want: 'started' | 'deleted';
  resolve(at: number): void;
}

export class PodWatch {
  readonly #credentials: Credentials;
  readonly #namespace: string;
  readonly #seen = new Map<string, Seen>();
  readonly #waiters = new Set<Waiter>();
  #stream?: WatchStream;
  #resourceVersion = '';
  #closed = false;
  #reopening?: Promise<void>;

  constructor(credentials: Credentials, namespace: string) {
    this.#credentials = credentials;
    this.#namespace = namespace;
  }

  async open(client: ApiClient): Promise<void> {
    const list = await client.expect(200, 'GET', `/api/v1/namespaces/${this.#namespace}/pods`);
    this.#resourceVersion = String(list.metadata.resourceVersion);
    await this.#connect();
  }

  /** Resolves with the receive time of the first event that showed `name` started. */
  started(name: string, timeoutMs: number): Promise<number> {
    return this.#wait(name, 'started', timeoutMs);
  }

  /** Resolves with the receive time of `name`'s DELETED event. */
  deleted(name: string, timeoutMs: number): Promise<number> {
    return this.#wait(name, 'deleted', timeoutMs);
  }

  uid(name: string): string | undefined {
    return this.#seen.get(name)?.uid;
  }

  close(): void {
    this.#closed = true;
    this.#stream?.close();
  }

  #wait(name: string, want: Waiter['want'], timeoutMs: number): Promise<number> {
    const seen = this.#seen.get(name);
    const already = want === 'started' ? seen?.startedAt : seen?.deletedAt;
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        name,
        want,
        resolve: (at) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`pod ${name} not ${want} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  async #connect(): Promise<void> {
    const path = `/api/v1/namespaces/${this.#namespace}/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${this.#resourceVersion}`;
    const stream = await openWatch(this.#credentials, path, (line, at) => this.#onLine(line, at));
    this.#stream = stream;
    void stream.ended.then(() => {
      if (this.#closed || this.#stream !== stream) return;
      this.#reopening ??= this.#connect()
        .catch((err: unknown) => console.error(`pod watch: reopening failed: ${(err as Error).message}`))
        .finally(() => {
          this.#reopening = undefined;
        });
    });
  }

  #onLine(line: string, at: number): void {
    if (line.trim() === '') return;
    const event = JSON.parse(line) as { type: string; object: KubeObject };
    const rv = event.object?.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = String(rv);
    if (event.type === 'BOOKMARK' || event.type === 'ERROR') return;
    const name = event.object.metadata.name!;
    let seen = this.#seen.get(name);
    if (!seen || (seen.uid && seen.uid !== event.object.metadata.uid)) {
      seen = { uid: event.object.metadata.uid };
      this.#seen.set(name, seen);
    }
    if (event.type === 'DELETED') seen.deletedAt ??= at;
    else if (seen.startedAt === undefined && podStarted(event.object)) seen.startedAt = at;
    for (const w of this.#waiters) {
      if (w.name !== name) continue;
      const value = w.want === 'started' ? seen.startedAt : seen.deletedAt;
      if (value !== undefined) w.resolve(value);
    }
  }
}
