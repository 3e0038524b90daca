// The API server: HTTPS, authentication, then discovery, OpenAPI, health
// and the resource handlers over one generic registry per resource. It owns
// one watch cache per resource; everything it serves comes through them or
// the Store.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/object.ts';
import { OpenApiV3Service } from '../api/openapi/index.ts';
import { type ResourceInfo, resources, storageKey, storagePrefix } from '../api/resources.ts';
import { errors, isAlreadyExists, StatusError } from '../api/status.ts';
import type { Store } from '../store/types.ts';
import type { StreamServer } from '../streams/index.ts';
import { rejectUpgrade } from '../streams/index.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Logger } from '../util/log.ts';
import { authenticate, type CertificateUsers, type TokenAuthenticator } from './authn.ts';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery.ts';
import { handleResource, type RestDeps } from './handlers/rest.ts';
import { sendError, sendJson } from './http.ts';
import { kubeletServingPath, serveKubeletServing } from './kubelet-serving.ts';
import { type ApiMetrics, createApiMetrics } from './metrics.ts';
import { namespaceGate } from './namespace-gate.ts';
import { decodeObject } from './registry/codec.ts';
import { ResourceRegistry } from './registry/registry.ts';
import type { Admission, FieldManager, UserInfo, WriteContext } from './registry/types.ts';
import { parseApiPath } from './request-info.ts';
import type { ClusterPki } from './tls.ts';
import { WatchCache, WatchCacheHub } from './watch-cache.ts';

export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0+orca' };

export interface ApiServerOptions {
  store: Store;
  pki: ClusterPki;
  host: string;
  port: number;
  tokens: TokenAuthenticator;
  admission: Admission;
  fields: FieldManager;
  logger: Logger;
  clock?: Clock;
  /** Serves pods' log, exec, attach and port-forward streams (plain requests and upgrades). */
  streams?: StreamServer;
  /** Events each resource's watch cache keeps for resuming watches. */
  watchCacheSize?: number;
  /** How often idle watches get a BOOKMARK (upstream: about a minute). */
  bookmarkIntervalMs?: number;
}

// /cacerts lets a joining agent fetch the CA, which it checks against the hash in its token.
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/', '/cacerts']);
export const systemUser: UserInfo = { name: 'system:apiserver', groups: ['system:masters'] };

export class ApiServer {
  private readonly o: ApiServerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly metrics: ApiMetrics;
  private readonly caches = new Map<ResourceInfo, WatchCache>();
  private readonly registries = new Map<ResourceInfo, ResourceRegistry>();
  private server?: Server;
  private readonly hub: WatchCacheHub;
  private hubRun?: Promise<void>;
  private ready = false;
  private readonly openapi = new OpenApiV3Service();
  private readonly certificateUsers: CertificateUsers = new WeakMap();

  constructor(options: ApiServerOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child('apiserver');
    this.metrics = createApiMetrics();
    this.hub = new WatchCacheHub(options.store, this.log.child('watch-cache'));
    const nsInfo = resources.find((r) => r.kind === 'Namespace')!;
    const gate = namespaceGate(async (name) => {
      const cached = this.caches.get(nsInfo)?.get(storageKey(nsInfo, undefined, name));
      if (cached) return cached;
      const s = await options.store.get(storageKey(nsInfo, undefined, name));
      return s ? decodeObject(s) : undefined;
    });
    for (const info of resources) {
      const cache = new WatchCache({ capacity: options.watchCacheSize });
      this.hub.add(storagePrefix(info), cache);
      this.caches.set(info, cache);
      this.registries.set(
        info,
        new ResourceRegistry({
          info,
          store: options.store,
          cache,
          admission: options.admission,
          fields: options.fields,
          namespaces: gate,
          clock: this.clock,
        }),
      );
    }
  }

  registry(info: ResourceInfo): ResourceRegistry {
    return this.registries.get(info)!;
  }

  allRegistries(): ReadonlyMap<ResourceInfo, ResourceRegistry> {
    return this.registries;
  }

  /** A write context for the server's own writes (bootstrap, controllers in-process). */
  systemContext(signal: AbortSignal, fieldManager = 'orca'): WriteContext {
    return { user: systemUser, dryRun: false, fieldManager, warnings: [], signal };
  }

  async start(signal: AbortSignal): Promise<void> {
    this.hubRun = this.hub.run(signal);
    await Promise.all([...this.caches.values()].map((c) => c.ready));
    await this.bootstrapNamespaces(signal);
    this.server = createServer(
      {
        key: this.o.pki.serving.key,
        cert: this.o.pki.serving.cert,
        ca: this.o.pki.ca.cert,
        requestCert: true,
        rejectUnauthorized: false,
        keepAlive: true,
      },
      (req, res) => {
        this.handle(req, res).catch((err) => sendError(res, err, this.log));
      },
    );
    this.server.keepAliveTimeout = 120_000;
    this.server.headersTimeout = 60_000;
    this.server.requestTimeout = 0;
    this.server.on('clientError', (_err, socket) => socket.destroy());
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch((err) => rejectUpgrade(socket, err));
    });
    // As upstream's Go server: no renegotiation, so a connection's client
    // certificate, read once per connection, stays the one it presented.
    this.server.on('secureConnection', (socket) => socket.disableRenegotiation());
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    this.ready = true;
    signal.addEventListener('abort', () => this.server?.close(), { once: true });
    this.log.info('serving', { url: this.url });
  }

  /** Stops accepting requests, ends open connections and waits for the watch caches. */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    await this.hubRun;
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('the API server is not listening');
    return address.port;
  }

  get url(): string {
    const host = this.o.host === '0.0.0.0' || this.o.host === '::' ? '127.0.0.1' : this.o.host;
    return `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  private async bootstrapNamespaces(signal: AbortSignal): Promise<void> {
    const reg = this.registry(resources.find((r) => r.kind === 'Namespace')!);
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      try {
        await reg.create(
          undefined,
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject,
          this.systemContext(signal),
        );
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  private restDeps(): RestDeps {
    return {
      registries: this.registries,
      clock: this.clock,
      log: this.log,
      streams: this.o.streams,
      patchPlain: (type, current, body) => this.o.fields.patch(type, current, body),
      bookmarkIntervalMs: this.o.bookmarkIntervalMs,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'https://orca');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
    const controller = new AbortController();
    // Aborts work for a client that went away; after a complete answer
    // there is nothing to stop (and an abort builds a costly DOMException).
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let verb = req.method ?? 'GET';
    let resource = '';
    try {
      if (
        publicPaths.has(path) ||
        path.startsWith('/healthz/') ||
        path.startsWith('/livez/') ||
        path.startsWith('/readyz/')
      ) {
        return this.servePublic(path, res);
      }
      const user = authenticate(req, this.o.tokens, this.certificateUsers);
      if (!user) throw errors.unauthorized();
      if (path === kubeletServingPath) return await serveKubeletServing(this.o.pki.ca, req, res, user);
      if (path === '/metrics') {
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
        res.end(text);
        return;
      }
      if (path.startsWith('/openapi/')) return this.serveOpenApi(path, url, req, res);
      const discovery = this.discovery(path, req);
      if (discovery) {
        sendJson(
          res,
          200,
          discovery.body,
          discovery.contentType ? { 'Content-Type': discovery.contentType } : {},
        );
        return;
      }
      const a = parseApiPath(req.method ?? 'GET', path, url.searchParams);
      if (!a) throw new StatusError('NotFound', 'the server could not find the requested resource');
      verb = a.verb;
      resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
      if (a.verb === 'watch') this.metrics.watchers.inc({ resource });
      try {
        await handleResource(this.restDeps(), req, res, a, url.searchParams, user, controller.signal);
      } finally {
        if (a.verb === 'watch') this.metrics.watchers.dec({ resource });
      }
    } catch (err) {
      sendError(res, err, this.log);
    } finally {
      this.metrics.requests.inc({ verb, resource, code: String(res.statusCode) });
      if (verb !== 'watch')
        this.metrics.latency.observe({ verb, resource }, (performance.now() - started) / 1000);
    }
  }

  /** exec, attach and port-forward arrive as WebSocket (or SPDY) upgrades of pods/NAME/<kind>. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://orca');
    const user = authenticate(req, this.o.tokens);
    if (!user) throw errors.unauthorized();
    const a = parseApiPath(req.method ?? 'GET', url.pathname, url.searchParams);
    const kind = a?.subresource;
    if (
      !a ||
      a.group !== '' ||
      a.resource !== 'pods' ||
      !a.name ||
      (kind !== 'exec' && kind !== 'attach' && kind !== 'portforward' && kind !== 'log')
    ) {
      throw new StatusError('NotFound', 'the server could not find the requested resource');
    }
    if (!this.o.streams) throw errors.unavailable('no node agent serves pod streams');
    const pod = await this.registry(resources.find((r) => r.kind === 'Pod' && r.group === '')!).get(
      a.namespace,
      a.name,
    );
    await this.o.streams.handleUpgrade(kind, pod, req, socket, head, url.searchParams);
  }

  private servePublic(path: string, res: ServerResponse): void {
    if (path === '/cacerts') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(this.o.pki.ca.cert);
      return;
    }
    if (path.startsWith('/version')) {
      sendJson(res, 200, {
        ...kubernetesVersion,
        gitCommit: 'orca',
        gitTreeState: 'clean',
        buildDate: '2026-11-23T00:00:00Z',
        goVersion: `node${process.versions.node}`,
        compiler: 'orca',
        platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
      });
      return;
    }
    const ok = this.ready;
    res.writeHead(ok ? 200 : 503, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(ok ? 'ok' : 'not ready');
  }

  private discovery(path: string, req: IncomingMessage): { body: object; contentType?: string } | undefined {
    const agg = wantsAggregated(req.headers.accept);
    const aggType = (v: string) => `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
    if (path === '/api') {
      if (agg) return { body: aggregatedDiscovery(true, agg), contentType: aggType(agg) };
      return { body: apiVersions(`${req.socket.localAddress}:${req.socket.localPort}`) };
    }
    if (path === '/apis') {
      if (agg) return { body: aggregatedDiscovery(false, agg), contentType: aggType(agg) };
      return { body: apiGroupList() };
    }
    const core = /^\/api\/([^/]+)$/.exec(path);
    if (core) {
      const list = apiResourceList('', core[1]);
      if (!list) throw new StatusError('NotFound', 'the server could not find the requested resource');
      return { body: list };
    }
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) {
      const g = apiGroup(group[1]);
      if (!g) throw new StatusError('NotFound', 'the server could not find the requested resource');
      return { body: g };
    }
    const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (gv) {
      const list = apiResourceList(gv[1], gv[2]);
      if (!list) throw new StatusError('NotFound', 'the server could not find the requested resource');
      return { body: list };
    }
    return undefined;
  }

  private serveOpenApi(path: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    if (path !== '/openapi/v3' && !path.startsWith('/openapi/v3/')) {
      throw new StatusError('NotFound', 'the server could not find the requested resource');
    }
    const out = this.openapi.respond({
      path: path.slice('/openapi/v3/'.length),
      hash: url.searchParams.get('hash') ?? undefined,
      accept: req.headers.accept,
      ifNoneMatch: req.headers['if-none-match'],
      now: this.clock.now(),
    });
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  }
}
