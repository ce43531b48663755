/**
 * Which MAC address identifies this appliance. Central Command keys the appliance on it
 * (`appliance_id = {site_id}-{MAC}`), so the choice must be the same on every start: a field
 * bug registered a multi-NIC box as several appliances because NIC order was not deterministic.
 * @module
 */

/** One entry of `/sys/class/net`: the interface name and the text of its `address` file. */
export interface NetInterfaceEntry {
  name: string;
  address: string;
}

// Virtual interfaces whose MAC is random or recreated: never an identity. The previous
// generation's list (lo, wg, docker, veth, br-) plus virbr, tun and tap, which are never
// physical either; an appliance has none of the extra three, so deployed ids do not move.
// A better rule, "has a /sys/class/net/<if>/device link" (a real bus device), must wait until CC
// can merge an appliance whose primary MAC changes; until then the rule must not move.
const VIRTUAL_PREFIXES = ["wg", "docker", "veth", "br-", "virbr", "tun", "tap"];

const MAC = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

/**
 * The MAC addresses of physical-looking interfaces, upper-case with colons, ordered by
 * interface name (plain string order, not locale order) and de-duplicated (bond members
 * share a MAC; the first name wins).
 *
 * Skipped: `lo`; names starting `wg`, `docker`, `veth`, `br-`, `virbr`, `tun`, `tap`; addresses
 * starting `00:00:00` (all-zero included); and anything that is not a 6-byte MAC (tunnels and
 * InfiniBand report other lengths, `wg0` an empty address).
 *
 * @example
 * physicalMacAddresses([{ name: "eth1", address: "aa:bb:cc:00:00:02\n" },
 *                       { name: "enp2s0", address: "aa:bb:cc:00:00:01" }])
 * // ["AA:BB:CC:00:00:01", "AA:BB:CC:00:00:02"]
 */
export function physicalMacAddresses(entries: readonly NetInterfaceEntry[]): string[] {
  const kept = entries
    .filter((e) => isPhysicalName(e.name))
    .map((e) => ({ name: e.name, mac: e.address.trim().toUpperCase() }))
    .filter((e) => MAC.test(e.mac) && !e.mac.startsWith("00:00:00"))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...new Set(kept.map((e) => e.mac))];
}

/**
 * The appliance's identity MAC: the first of {@linkcode physicalMacAddresses}, or `undefined`
 * when no interface qualifies.
 */
export function selectPrimaryMac(entries: readonly NetInterfaceEntry[]): string | undefined {
  return physicalMacAddresses(entries)[0];
}

function isPhysicalName(name: string): boolean {
  return name !== "lo" && !VIRTUAL_PREFIXES.some((prefix) => name.startsWith(prefix));
}
