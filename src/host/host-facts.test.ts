import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { NetworkInterfaceInfo } from "node:os";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { HostFactsError } from "./errors.ts";
import { collectHostFacts, type CollectHostFactsOptions, type HostFacts } from "./host-facts.ts";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/host");
const NIC = "sys/class/net/eth0/address";
const MAC = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

const mac = "52:54:00:12:34:56";

function v4(address: string, internal = false): NetworkInterfaceInfo {
  const cidr = `${address}/24`;
  return { address, netmask: "255.255.255.0", family: "IPv4", mac, internal, cidr };
}

const linkLocalV6: NetworkInterfaceInfo = {
  address: "fe80::5054:ff:fe12:3456",
  netmask: "ffff:ffff:ffff:ffff::",
  family: "IPv6",
  mac,
  internal: false,
  cidr: "fe80::5054:ff:fe12:3456/64",
  scopeid: 2,
};

/** A typical `os.networkInterfaces()` answer: loopback, one LAN address, IPv6 link-local. */
const lanInterfaces = () => ({
  lo: [v4("127.0.0.1", true)],
  eth0: [v4("192.168.10.5"), linkLocalV6],
});

/** Facts from a fixture tree, with hostname and interfaces injected (overridable). */
function collect(tree: string, options: CollectHostFactsOptions = {}): HostFacts {
  const root = join(FIXTURES, tree);
  const hostname = () => "appliance-01\n";
  return collectHostFacts({ root, hostname, interfaces: lanInterfaces, ...options });
}

/** A throw-away root holding `files`; removed when the `using` scope ends. */
function tempRoot(files: Record<string, string>): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "host-facts-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(path, name)), { recursive: true });
    writeFileSync(join(path, name), text);
  }
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("collectHostFacts on fixture trees", () => {
  test("debian-vm: ext4 root after an initramfs rootfs line is an installed disk", () => {
    expect(collect("debian-vm")).toEqual({
      hostname: "appliance-01",
      macAddress: "52:54:00:12:34:56",
      allMacAddresses: ["52:54:00:12:34:56"],
      ipAddresses: ["192.168.10.5"],
      uptimeSeconds: 351234,
      osVersion: "12",
      osPrettyName: "Debian GNU/Linux 12 (bookworm)",
      bootSource: "installed_disk",
      clocksource: "kvm-clock",
      procUptimeRaw: "351234.56 1398765.43",
    });
  });

  test("multi-nic: enp2s0 is first by name; virtual and zero-address NICs are skipped", () => {
    const interfaces = () => ({
      lo: [v4("127.0.0.1", true)],
      enp2s0: [v4("192.168.1.20")],
      eth1: [v4("10.0.0.20"), v4("169.254.10.1")],
      wlan0: [v4("192.168.1.21")],
      docker0: [v4("172.17.0.1")],
      wg0: [v4("10.100.0.7")],
    });
    expect(collect("multi-nic", { interfaces })).toEqual({
      hostname: "appliance-01",
      macAddress: "00:1B:21:AA:BB:01",
      allMacAddresses: ["00:1B:21:AA:BB:01", "00:1B:21:AA:BB:02", "A4:C3:F0:11:22:33"],
      // docker0 and wg0 addresses are reported: the filter on IPs is routability, not the NIC.
      ipAddresses: ["10.0.0.20", "10.100.0.7", "172.17.0.1", "192.168.1.20", "192.168.1.21"],
      uptimeSeconds: 86400,
      osVersion: "24.04",
      osPrettyName: "Ubuntu 24.04.1 LTS",
      bootSource: "installed_disk",
      clocksource: "tsc",
      procUptimeRaw: "86400.00 300000.12",
    });
  });

  test("nixos-live: overlay root with copytoram is a live USB", () => {
    expect(collect("nixos-live")).toEqual({
      hostname: "appliance-01",
      macAddress: "3C:EC:EF:10:20:30",
      allMacAddresses: ["3C:EC:EF:10:20:30"],
      ipAddresses: ["192.168.10.5"],
      uptimeSeconds: 42,
      osVersion: "24.05",
      osPrettyName: "NixOS 24.05 (Uakari)",
      bootSource: "live_usb",
      clocksource: "tsc",
      procUptimeRaw: "42.17 160.80",
    });
  });

  test("nixos-installed: ext4 root and the MSP-DATA label are an installed disk", () => {
    expect(collect("nixos-installed")).toEqual({
      hostname: "appliance-01",
      macAddress: "3C:EC:EF:10:20:31",
      allMacAddresses: ["3C:EC:EF:10:20:31"],
      ipAddresses: ["192.168.10.5"],
      uptimeSeconds: 1209600,
      osVersion: "24.05",
      osPrettyName: "NixOS 24.05 (Uakari)",
      bootSource: "installed_disk",
      clocksource: "hpet",
      procUptimeRaw: "1209600.99 4838400.00",
    });
  });

  test("minimal: every optional fact is empty or unknown", () => {
    expect(collect("minimal", { interfaces: () => ({}) })).toEqual({
      hostname: "appliance-01",
      macAddress: "02:00:00:00:00:0A",
      allMacAddresses: ["02:00:00:00:00:0A"],
      ipAddresses: [],
      uptimeSeconds: 7,
      osVersion: "",
      osPrettyName: "",
      bootSource: "unknown",
      clocksource: "",
      procUptimeRaw: "7.99 3.10",
    });
  });

  test("no-nic: throws HostFactsError naming the directory and what it saw", () => {
    const dir = join(FIXTURES, "no-nic", "sys/class/net");
    const error = thrown(() => collect("no-nic"));
    expect(error).toBeInstanceOf(HostFactsError);
    expect(error).toMatchObject({
      name: "HostFactsError",
      path: dir,
      message: `No physical network interface found in "${dir}" (saw "lo", "wg0"): the appliance identity depends on one`,
    });
  });
});

describe("collectHostFacts failures", () => {
  test("a missing /sys/class/net is the same error, with the cause attached", () => {
    using root = tempRoot({ "proc/uptime": "1.00 1.00\n" });
    const dir = join(root.path, "sys/class/net");
    const error = thrown(() => collectHostFacts({ root: root.path, interfaces: () => ({}) }));
    expect(error).toMatchObject({
      name: "HostFactsError",
      path: dir,
      message: `No physical network interface found in "${dir}" (saw none): the appliance identity depends on one`,
      cause: expect.objectContaining({ code: "ENOENT" }),
    });
  });

  test("a missing /proc/uptime throws HostFactsError", () => {
    using root = tempRoot({ [NIC]: "02:00:00:00:00:01\n" });
    const path = join(root.path, "proc/uptime");
    expect(() => collectHostFacts({ root: root.path, interfaces: () => ({}) })).toThrow(
      new HostFactsError(`Cannot read "${path}": uptime_seconds depends on it`, path),
    );
  });

  test("a garbled /proc/uptime throws HostFactsError with the SyntaxError as cause", () => {
    using root = tempRoot({ [NIC]: "02:00:00:00:00:01\n", "proc/uptime": "soon\n" });
    const path = join(root.path, "proc/uptime");
    const error = thrown(() => collectHostFacts({ root: root.path, interfaces: () => ({}) }));
    expect(error).toMatchObject({
      name: "HostFactsError",
      message: `Cannot parse "${path}": got "soon"`,
      cause: expect.any(SyntaxError),
    });
  });

  test("prefers /etc/os-release over /usr/lib/os-release", () => {
    using root = tempRoot({
      [NIC]: "02:00:00:00:00:01\n",
      "proc/uptime": "1.00 1.00\n",
      "etc/os-release": 'VERSION_ID="24.11"\nPRETTY_NAME="NixOS 24.11 (Vicuna)"\n',
      "usr/lib/os-release": 'VERSION_ID="24.05"\nPRETTY_NAME="NixOS 24.05 (Uakari)"\n',
    });
    const facts = collectHostFacts({ root: root.path, interfaces: () => ({}) });
    expect({ osVersion: facts.osVersion, osPrettyName: facts.osPrettyName }).toEqual({
      osVersion: "24.11",
      osPrettyName: "NixOS 24.11 (Vicuna)",
    });
  });
});

// The real machine: only the shape can be checked. A build host without a physical NIC (a
// container with only lo, say) cannot produce an identity MAC, so the test is skipped there.
const real = (() => {
  try {
    return collectHostFacts();
  } catch (error) {
    if (error instanceof HostFactsError) return error;
    throw error;
  }
})();

describe("collectHostFacts on this machine", () => {
  test.skipIf(real instanceof HostFactsError)(
    real instanceof HostFactsError
      ? `skipped: this machine cannot supply host facts (${real.message})`
      : "returns well-formed facts from / and the real os module",
    () => {
      const facts = real as HostFacts;
      expect(facts).toEqual({
        hostname: expect.any(String),
        macAddress: expect.stringMatching(MAC),
        allMacAddresses: expect.any(Array),
        ipAddresses: expect.any(Array),
        uptimeSeconds: expect.any(Number),
        osVersion: expect.any(String),
        osPrettyName: expect.any(String),
        bootSource: expect.stringMatching(/^(live_usb|installed_disk|unknown)$/),
        clocksource: expect.any(String),
        procUptimeRaw: expect.stringMatching(/^\d+(\.\d+)? \d+(\.\d+)?$/),
      });
      expect(facts.allMacAddresses[0]).toBe(facts.macAddress);
      for (const mac of facts.allMacAddresses) expect(mac).toMatch(MAC);
      for (const ip of facts.ipAddresses) expect(ip).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      expect(Number.isInteger(facts.uptimeSeconds) && facts.uptimeSeconds >= 0).toBe(true);
    },
  );
});
