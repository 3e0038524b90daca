// A service's cluster IPs and IP families: well-formed, consistent with each
// other, and fixed once allocated (a secondary may be added or released).
import { isIP } from 'node:net';
import type { V1ServiceSpec } from '@kubernetes/client-node';
import type { StatusCause } from '../status.ts';
import { duplicate, index, invalid, invalidEach, notSupported, required, sorted } from './field.ts';
import { goStringSlice } from './go-format.ts';
import { isValidIp } from './names.ts';

const ipFamilies = sorted(['IPv4', 'IPv6']);
const ipFamilyPolicies = sorted(['SingleStack', 'PreferDualStack', 'RequireDualStack']);

export function isHeadless(spec: V1ServiceSpec | undefined): boolean {
  return spec?.clusterIPs?.length === 1 && spec.clusterIPs[0] === 'None';
}

export function validateClusterIPs(spec: V1ServiceSpec): StatusCause[] {
  if (spec.type === 'ExternalName') return [];
  const errs: StatusCause[] = [];
  const ips = spec.clusterIPs ?? [];
  const shownIps = goStringSlice(ips);
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP)
      errs.push(invalid('spec.clusterIPs', shownIps, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(invalid('spec.clusterIPs', shownIps, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((f, i) => {
    const p = index('spec.ipFamilies', i);
    if (!ipFamilies.includes(f)) errs.push(notSupported(p, f, ipFamilies));
    if (seen.has(f)) errs.push(duplicate(p, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && !ipFamilyPolicies.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, ipFamilyPolicies));
  }
  let badIp = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIp = true;
        errs.push(invalid('spec.clusterIPs', shownIps, "'None' must be the first and only value"));
      }
      return;
    }
    const msgs = isValidIp(ip);
    if (msgs.length) badIp = true;
    errs.push(...invalidEach(index('spec.clusterIPs', i), ip, msgs));
  });
  if (ips.length > 2) errs.push(invalid('spec.clusterIPs', shownIps, 'may only hold up to 2 values'));
  if (badIp) return errs;
  if (ips.length > 1 && isIP(ips[0]) === isIP(ips[1])) {
    errs.push(invalid('spec.clusterIPs', shownIps, 'may specify no more than one IP for each IP family'));
  }
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      const family = spec.ipFamilies?.[i];
      if (family === 'IPv4' && isIP(ip) === 6) {
        errs.push(
          invalid(
            index('spec.clusterIPs', i),
            ip,
            `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
      if (family === 'IPv6' && isIP(ip) !== 6) {
        errs.push(
          invalid(
            index('spec.clusterIPs', i),
            ip,
            `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``,
          ),
        );
      }
    });
  }
  return errs;
}

export function validateClusterIPsUpdate(next: V1ServiceSpec, old: V1ServiceSpec): StatusCause[] {
  if (next.type === 'ExternalName' || old.type === 'ExternalName') return [];
  if (isHeadless(next) && isHeadless(old)) return [];
  const n = next.clusterIPs ?? [];
  const o = old.clusterIPs ?? [];
  const shown = goStringSlice(n);
  const errs: StatusCause[] = [];
  if (n.length === o.length) {
    o.forEach((ip, i) => {
      if (ip !== n[i]) errs.push(invalid(index('spec.clusterIPs', i), shown, 'may not change once set'));
    });
  } else if (o.length > n.length) {
    if (n.length === 0) errs.push(invalid('spec.clusterIPs[0]', shown, 'primary clusterIP can not be unset'));
    if (o.length > 0 && n.length > 0 && n[0] !== o[0])
      errs.push(invalid('spec.clusterIPs[0]', shown, 'may not change once set'));
    if (n.length === 1 && next.ipFamilyPolicy !== 'SingleStack') {
      errs.push(
        invalid(
          'spec.ipFamilyPolicy',
          next.ipFamilyPolicy ?? null,
          "must be set to 'SingleStack' when releasing the secondary clusterIP",
        ),
      );
    }
  } else if (o.length > 0 && n[0] !== o[0]) {
    errs.push(invalid('spec.clusterIPs[0]', shown, 'may not change once set'));
  }
  return errs;
}

export function validateIpFamiliesUpdate(next: V1ServiceSpec, old: V1ServiceSpec): StatusCause[] {
  if (next.type === 'ExternalName' || old.type === 'ExternalName') return [];
  // Switching to or from headless, or being headless, may change families freely.
  if (isHeadless(next) || isHeadless(old)) return [];
  const nf = next.ipFamilies ?? [];
  const of = old.ipFamilies ?? [];
  if (nf.length === of.length) {
    return of
      .filter((f, i) => f !== nf[i])
      .map(() => invalid('spec.ipFamilies[0]', goStringSlice(nf), 'may not change once set'));
  }
  if (nf.length > 0 && of.length > 0 && nf[0] !== of[0]) {
    return [invalid('spec.ipFamilies[0]', goStringSlice(next.clusterIPs ?? []), 'may not change once set')];
  }
  return [];
}
