import { describe, expect, test } from "bun:test";
import type { NetworkInterfaceInfo } from "node:os";
import { selectIpv4Addresses } from "./ip-addresses.ts";

const mac = "02:00:00:00:00:01";

function v4(address: string, internal = false): NetworkInterfaceInfo {
  const cidr = `${address}/24`;
  return { address, netmask: "255.255.255.0", family: "IPv4", mac, internal, cidr };
}

function v6(address: string, internal = false): NetworkInterfaceInfo {
  const netmask = "ffff:ffff:ffff:ffff::";
  return { address, netmask, family: "IPv6", mac, internal, cidr: `${address}/64`, scopeid: 0 };
}

describe("selectIpv4Addresses", () => {
  test("keeps routable IPv4 only, sorted numerically and de-duplicated", () => {
    const interfaces = {
      lo: [v4("127.0.0.1", true), v6("::1", true)],
      eth0: [v4("192.168.1.10"), v6("fe80::1"), v4("169.254.3.4")],
      eth1: [v4("10.0.0.10"), v4("10.0.0.9")],
      wg0: [v4("10.100.0.2")],
      bond0: [v4("192.168.1.10")],
      weird: [v4("127.0.1.1"), v4("0.0.0.0"), v4("300.1.1.1"), v4("not-an-ip")],
      empty: undefined,
    };
    expect(selectIpv4Addresses(interfaces)).toEqual([
      "10.0.0.9",
      "10.0.0.10",
      "10.100.0.2",
      "192.168.1.10",
    ]);
  });

  test("accepts the numeric family older Node versions reported", () => {
    const legacy = { ...v4("172.16.0.5"), family: 4 } as unknown as NetworkInterfaceInfo;
    expect(selectIpv4Addresses({ eth0: [legacy] })).toEqual(["172.16.0.5"]);
  });

  test("drops internal addresses even when they look routable", () => {
    expect(selectIpv4Addresses({ dummy0: [v4("192.0.2.1", true)] })).toEqual([]);
  });

  test("keeps the edges of the excluded ranges", () => {
    const edges = ["126.255.255.255", "128.0.0.1", "169.253.255.255", "169.255.0.1"];
    expect(selectIpv4Addresses({ eth0: edges.map((a) => v4(a)) })).toEqual(edges);
  });
});
