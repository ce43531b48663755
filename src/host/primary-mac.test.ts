import { describe, expect, test } from "bun:test";
import { physicalMacAddresses, selectPrimaryMac } from "./primary-mac.ts";

describe("selectPrimaryMac", () => {
  test("takes the first physical interface by name, not by listing order", () => {
    const entries = [
      { name: "wlan0", address: "a4:c3:f0:11:22:33\n" },
      { name: "eth1", address: "00:1b:21:aa:bb:02\n" },
      { name: "enp2s0", address: "00:1b:21:aa:bb:01\n" },
    ];
    expect(selectPrimaryMac(entries)).toBe("00:1B:21:AA:BB:01");
    expect(selectPrimaryMac([...entries].reverse())).toBe("00:1B:21:AA:BB:01");
  });

  test("sorts names in plain code-unit order, not locale or numeric order", () => {
    // Locale order would put "eth10" after "eth9" and "Eth0" among the lower-case names.
    const entries = [
      { name: "eth9", address: "02:00:00:00:00:09" },
      { name: "eth10", address: "02:00:00:00:00:10" },
      { name: "ens3", address: "02:00:00:00:00:03" },
    ];
    expect(physicalMacAddresses(entries)).toEqual([
      "02:00:00:00:00:03",
      "02:00:00:00:00:10",
      "02:00:00:00:00:09",
    ]);
  });

  test("returns undefined when nothing qualifies", () => {
    expect(selectPrimaryMac([])).toBeUndefined();
    expect(selectPrimaryMac([{ name: "lo", address: "00:00:00:00:00:00" }])).toBeUndefined();
  });
});

describe("physicalMacAddresses", () => {
  test.each([
    ["lo", "lo"],
    ["wg*", "wg0"],
    ["docker*", "docker0"],
    ["veth*", "veth1a2b3c"],
    ["br-*", "br-5f3e0a"],
    ["virbr*", "virbr0"],
    ["tun*", "tun0"],
    ["tap*", "tap0"],
  ])("skips %s interfaces", (_rule, name) => {
    expect(physicalMacAddresses([{ name, address: "02:42:ac:11:00:02" }])).toEqual([]);
  });

  test.each([
    ["all zero", "00:00:00:00:00:00"],
    ["00:00:00 prefix", "00:00:00:12:34:56"],
    ["empty (WireGuard, tun)", "\n"],
    ["4-byte (sit)", "00:00:00:00"],
    ["20-byte (InfiniBand)", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c"],
    ["not hex", "zz:zz:zz:zz:zz:zz"],
  ])("skips an address that is %s", (_what, address) => {
    expect(physicalMacAddresses([{ name: "eth0", address }])).toEqual([]);
  });

  test("keeps names that only resemble skipped ones", () => {
    // "br0" lacks the dash of Docker's "br-…" networks; "lo1" is not "lo"; "wlan0" is not "wg".
    const entries = [
      { name: "br0", address: "02:00:00:00:00:01" },
      { name: "lo1", address: "02:00:00:00:00:02" },
      { name: "wlan0", address: "02:00:00:00:00:03" },
    ];
    expect(physicalMacAddresses(entries)).toEqual([
      "02:00:00:00:00:01",
      "02:00:00:00:00:02",
      "02:00:00:00:00:03",
    ]);
  });

  test("upper-cases, trims and de-duplicates, keeping the first name's position", () => {
    const entries = [
      { name: "eth0", address: "00:1b:21:aa:bb:01\n" },
      { name: "bond0", address: "00:1B:21:AA:BB:01" },
      { name: "eth1", address: " 00:1b:21:aa:bb:02 " },
    ];
    expect(physicalMacAddresses(entries)).toEqual(["00:1B:21:AA:BB:01", "00:1B:21:AA:BB:02"]);
  });
});
