// Probes and lifecycle hooks: exactly one handler, sane ports and numbers.
import type { V1Lifecycle, V1LifecycleHandler, V1Probe } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { child, forbidden, invalid, invalidEach, nonNegative, notSupported, required } from './field.ts';
import { isHttpHeaderName, isValidPortName, isValidPortNum } from './names.ts';

/** A port given as a number (1-65535) or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): StatusCause[] {
  if (typeof port === 'number') return invalidEach(path, port, isValidPortNum(port));
  if (typeof port === 'string') return invalidEach(path, port, isValidPortName(port));
  return [invalid(path, null, 'must be an integer or a port name')];
}

interface Handler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: unknown; scheme?: string; httpHeaders?: { name?: string }[] };
  tcpSocket?: { port?: unknown };
  grpc?: { port?: number };
  sleep?: { seconds?: number };
}

const schemes = ['HTTP', 'HTTPS'];

function validateHandler(h: Handler, gracePeriod: number | undefined, path: string): StatusCause[] {
  const errs: StatusCause[] = [];
  let count = 0;
  const kinds = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;
  for (const kind of kinds) {
    if (h[kind] === undefined || h[kind] === null) continue;
    const p = child(path, kind);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    switch (kind) {
      case 'exec':
        if (!h.exec?.command?.length) errs.push(required(child(p, 'command')));
        break;
      case 'httpGet': {
        const g = h.httpGet ?? {};
        if (!g.path) errs.push(required(child(p, 'path')));
        errs.push(...validatePortNumOrName(g.port, child(p, 'port')));
        if (!schemes.includes(g.scheme ?? ''))
          errs.push(notSupported(child(p, 'scheme'), g.scheme ?? '', schemes));
        for (const header of g.httpHeaders ?? []) {
          errs.push(
            ...invalidEach(child(p, 'httpHeaders'), header.name ?? '', isHttpHeaderName(header.name ?? '')),
          );
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(h.tcpSocket?.port, child(p, 'port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(h.grpc?.port ?? 0, child(p, 'port')));
        break;
      case 'sleep': {
        const secs = h.sleep?.seconds ?? 0;
        // Zero-second sleeps are allowed since 1.32 (PodLifecycleSleepActionAllowZero).
        if (gracePeriod !== undefined && (secs < 0 || secs > gracePeriod)) {
          errs.push(
            invalid(
              p,
              secs,
              `must be non-negative and less than terminationGracePeriodSeconds (${gracePeriod})`,
            ),
          );
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

export function validateLifecycle(
  lc: V1Lifecycle,
  gracePeriod: number | undefined,
  path: string,
): StatusCause[] {
  const errs: StatusCause[] = [];
  const hooks: ['postStart' | 'preStop', V1LifecycleHandler | undefined][] = [
    ['postStart', lc.postStart],
    ['preStop', lc.preStop],
  ];
  for (const [name, hook] of hooks) {
    if (hook) errs.push(...validateHandler(hook as Handler, gracePeriod, child(path, name)));
  }
  return errs;
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

export function validateProbe(
  kind: ProbeKind,
  probe: V1Probe | undefined,
  gracePeriod: number | undefined,
  path: string,
): StatusCause[] {
  if (!probe) return [];
  // Lifecycle's sleep handler has no place in a probe.
  const { exec, httpGet, tcpSocket, grpc } = probe;
  const errs = validateHandler({ exec, httpGet, tcpSocket, grpc } as Handler, gracePeriod, path);
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    errs.push(...nonNegative(child(path, f), probe[f]));
  }
  const tgps = probe.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps !== null && tgps <= 0) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  if (kind === 'readinessProbe') {
    if (tgps !== undefined && tgps !== null) {
      errs.push(
        invalid(child(path, 'terminationGracePeriodSeconds'), tgps, 'must not be set for readinessProbes'),
      );
    }
  } else if ((probe.successThreshold ?? 1) !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
  }
  return errs;
}
