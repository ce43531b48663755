/**
 * The IPv4 addresses the check-in reports, chosen from `os.networkInterfaces()` output.
 * @module
 */
import type { NetworkInterfaceInfo } from "node:os";

/** The shape `os.networkInterfaces()` returns. */
export type NetworkInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Routable IPv4 addresses: not internal, not loopback (127/8), not link-local (169.254/16,
 * which Central Command drops anyway), not 0.0.0.0. Sorted numerically (`10.0.0.9` before
 * `10.0.0.10`) and de-duplicated, so the list is stable from one check-in to the next.
 */
export function selectIpv4Addresses(interfaces: NetworkInterfaces): string[] {
  const found = new Map<string, number>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      // Node < 18.4 reported `family` as the number 4.
      const family: unknown = info.family;
      if ((family !== "IPv4" && family !== 4) || info.internal) continue;
      const value = ipv4Value(info.address);
      if (value === undefined || !isRoutable(value)) continue;
      found.set(info.address, value);
    }
  }
  return [...found].sort((a, b) => a[1] - b[1]).map(([address]) => address);
}

function isRoutable(value: number): boolean {
  const first = value >>> 24;
  const second = (value >>> 16) & 0xff;
  return value !== 0 && first !== 127 && !(first === 169 && second === 254);
}

/** The address as an unsigned 32-bit number, or `undefined` if it is not dotted-quad IPv4. */
function ipv4Value(address: string): number | undefined {
  const m = IPV4.exec(address);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}
