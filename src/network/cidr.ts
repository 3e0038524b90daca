// IPv4 CIDR arithmetic the pod network needs: the gateway is the range's
// first host address, as the bridge owns it.

export interface Ipv4Cidr {
  network: string;
  prefix: number;
}

export function parseIpv4(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${address}`);
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new Error(`not an IPv4 address: ${address}`);
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const [address, prefixText] = cidr.split('/');
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 30)
    throw new Error(`not a usable IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(parseIpv4(address) / size) * size;
  return { network: formatIpv4(base), prefix };
}

/** The first host address of the range, e.g. 10.42.0.1 for 10.42.0.0/24. */
export function gatewayOf(cidr: string): string {
  const { network } = parseIpv4Cidr(cidr);
  return formatIpv4(parseIpv4(network) + 1);
}
