/**
 * The facts about this machine that every check-in reports, read from a filesystem root that
 * tests replace with a fixture tree.
 * @module
 */
import { lstatSync, readdirSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { decideBootSource, rootFsTypeFromMounts, type BootSource } from "./boot-source.ts";
import { HostFactsError } from "./errors.ts";
import { selectIpv4Addresses, type NetworkInterfaces } from "./ip-addresses.ts";
import { parseOsRelease } from "./os-release.ts";
import { physicalMacAddresses, type NetInterfaceEntry } from "./primary-mac.ts";
import { parseProcUptime } from "./proc-uptime.ts";
import { isAbsentError, readOptionalText } from "./read-text.ts";

const CLOCKSOURCE = "sys/devices/system/clocksource/clocksource0/current_clocksource";

/** What the check-in says about the machine. */
export interface HostFacts {
  hostname: string;
  /** Identity MAC: first physical NIC by interface name, upper-case, colons. */
  macAddress: string;
  /** Every physical NIC's MAC, same filter and order, de-duplicated. */
  allMacAddresses: string[];
  /** Routable IPv4 addresses, sorted, de-duplicated. */
  ipAddresses: string[];
  /** Whole seconds since boot. */
  uptimeSeconds: number;
  /** os-release `VERSION_ID`, `""` if none. */
  osVersion: string;
  /** os-release `PRETTY_NAME`, `""` if none. */
  osPrettyName: string;
  bootSource: BootSource;
  /** The kernel's current clocksource (`tsc`, `kvm-clock`, …), `""` if unknown. */
  clocksource: string;
  /** `/proc/uptime` as read, trimmed. */
  procUptimeRaw: string;
}

/** Where the facts come from; every default is the real machine. */
export interface CollectHostFactsOptions {
  /** Filesystem root that `/proc`, `/sys`, `/etc` and `/dev` are read under. */
  root?: string;
  hostname?: () => string;
  /** Same shape as `os.networkInterfaces()`. */
  interfaces?: () => NetworkInterfaces;
}

/**
 * Reads the host facts. Synchronous: a handful of tiny files from `/proc` and `/sys`, which
 * the kernel answers from memory, so an async API would only burden the caller.
 *
 * Throws {@linkcode HostFactsError} when no physical network interface exists (the appliance
 * identity depends on one) or `/proc/uptime` is missing or unreadable. Every other fact has an
 * honest empty value: `""` or `"unknown"`.
 *
 * @example
 * const facts = collectHostFacts({ root: "tests/fixtures/host/debian-vm" });
 */
export function collectHostFacts({
  root = "/",
  hostname = os.hostname,
  interfaces = os.networkInterfaces,
}: CollectHostFactsOptions = {}): HostFacts {
  const allMacAddresses = readPhysicalMacs(join(root, "sys/class/net"));
  const { uptimeSeconds, procUptimeRaw } = readUptime(join(root, "proc/uptime"));
  const osRelease = parseOsRelease(
    readOptionalText(join(root, "etc/os-release")) ??
      readOptionalText(join(root, "usr/lib/os-release")) ??
      "",
  );
  return {
    hostname: hostname().trim(),
    macAddress: allMacAddresses[0]!,
    allMacAddresses,
    ipAddresses: selectIpv4Addresses(interfaces()),
    uptimeSeconds,
    osVersion: osRelease.VERSION_ID ?? "",
    osPrettyName: osRelease.PRETTY_NAME ?? "",
    bootSource: decideBootSource({
      rootFsType: rootFsTypeFromMounts(readOptionalText(join(root, "proc/mounts")) ?? ""),
      cmdline: (readOptionalText(join(root, "proc/cmdline")) ?? "").trim(),
      hasDataLabel: pathExists(join(root, "dev/disk/by-label/MSP-DATA")),
    }),
    clocksource: (readOptionalText(join(root, CLOCKSOURCE)) ?? "").trim(),
    procUptimeRaw,
  };
}

/** The physical MACs under `dir` (`/sys/class/net`); never empty, or it throws. */
function readPhysicalMacs(dir: string): string[] {
  let names: string[] = [];
  let cause: unknown;
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    if (!isAbsentError(error)) throw error;
    cause = error;
  }
  const entries: NetInterfaceEntry[] = [];
  for (const name of names) {
    // `bonding_masters` is a plain file here, and some entries have no address: both skip.
    const address = readOptionalText(join(dir, name, "address"));
    if (address !== undefined) entries.push({ name, address });
  }
  const macs = physicalMacAddresses(entries);
  if (macs.length === 0) {
    const seen = names.length ? names.map((n) => `"${n}"`).join(", ") : "none";
    const message = `No physical network interface found in "${dir}" (saw ${seen})`;
    throw new HostFactsError(`${message}: the appliance identity depends on one`, dir, { cause });
  }
  return macs;
}

function readUptime(path: string): { uptimeSeconds: number; procUptimeRaw: string } {
  const text = readOptionalText(path);
  if (text === undefined) {
    throw new HostFactsError(`Cannot read "${path}": uptime_seconds depends on it`, path);
  }
  const procUptimeRaw = text.trim();
  try {
    return { uptimeSeconds: parseProcUptime(procUptimeRaw), procUptimeRaw };
  } catch (error) {
    const message = `Cannot parse "${path}": got "${procUptimeRaw}"`;
    throw new HostFactsError(message, path, { cause: error });
  }
}

/** True if the path exists, even as a symlink whose target is elsewhere (udev's by-label links). */
function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (error) {
    if (isAbsentError(error)) return false;
    throw error;
  }
}
