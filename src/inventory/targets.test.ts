import { describe, expect, test } from "bun:test";
import { SecretRegistry } from "../log/secrets.ts";
import { TargetInventory, type LinuxTarget, type WindowsTarget } from "./targets.ts";

const win = (hostname: string, role: WindowsTarget["role"], password = `${hostname}-pass`): WindowsTarget => ({
  hostname,
  username: "admin",
  password,
  useSsl: false,
  role,
});
const lin = (hostname: string, extra: Partial<LinuxTarget> = {}): LinuxTarget => ({ hostname, port: 22, username: "ops", ...extra });

describe("TargetInventory.replace", () => {
  test("orders Windows targets domain_admin first, keeping CC's order within a role", () => {
    const inv = new TargetInventory();
    inv.replace({
      windows: [win("ws1", "domain_member"), win("sql", "service_account"), win("dc1", "domain_admin"), win("ws2", "domain_member"), win("srv", "winrm"), win("lap", "local_admin"), win("dc2", "domain_admin")],
      linux: [],
    });
    expect(inv.windows.map((t) => `${t.role}:${t.hostname}`)).toEqual([
      "domain_admin:dc1",
      "domain_admin:dc2",
      "winrm:srv",
      "local_admin:lap",
      "domain_member:ws1",
      "domain_member:ws2",
      "service_account:sql",
    ]);
  });

  test("replaces the whole set and reports the counts", () => {
    const inv = new TargetInventory();
    inv.replace({ windows: [win("a", "winrm"), win("b", "winrm")], linux: [lin("x")] });
    const result = inv.replace({ windows: [win("c", "winrm")], linux: [lin("y"), lin("z")] });
    expect({
      result,
      windows: inv.windows.map((t) => t.hostname),
      linux: inv.linux.map((t) => t.hostname),
      counts: inv.counts(),
    }).toEqual({
      result: { windows: 1, linux: 2, revoked: false },
      windows: ["c"],
      linux: ["y", "z"],
      counts: { windows: 1, linux: 2 },
    });
  });

  test("an empty set replacing a non-empty one is a revocation and drops every credential", () => {
    const inv = new TargetInventory();
    inv.replace({ windows: [win("dc1", "domain_admin")], linux: [lin("srv", { password: "pw" })] });
    const result = inv.replace({ windows: [], linux: [] });
    expect({ result, windows: inv.windows, linux: inv.linux, secretCount: inv.secretCount }).toEqual({
      result: { windows: 0, linux: 0, revoked: true },
      windows: [],
      linux: [],
      secretCount: 0,
    });
  });

  test("an empty set replacing an empty one is not a revocation", () => {
    const inv = new TargetInventory();
    expect(inv.replace({ windows: [], linux: [] })).toEqual({ windows: 0, linux: 0, revoked: false });
  });

  test("registers every password, sudo password and private key for redaction, and keeps old ones registered", () => {
    const secrets = new SecretRegistry();
    const inv = new TargetInventory(secrets);
    inv.replace({
      windows: [win("dc1", "domain_admin", "Dc-Pass-1")],
      linux: [lin("srv", { password: "Lx-Pass-2", sudoPassword: "Sudo-Pass-3" }), lin("gw", { privateKey: "-----BEGIN KEY-----abc" })],
    });
    const heldFirst = inv.secretCount;
    inv.replace({ windows: [], linux: [] });
    expect({
      heldFirst,
      redacted: secrets.redact("Dc-Pass-1 Lx-Pass-2 Sudo-Pass-3 -----BEGIN KEY-----abc"),
    }).toEqual({ heldFirst: 4, redacted: "[redacted] [redacted] [redacted] [redacted]" });
  });

  test("does not reorder the caller's list in place", () => {
    const windows = [win("ws1", "domain_member"), win("dc1", "domain_admin")];
    new TargetInventory().replace({ windows, linux: [] });
    expect(windows.map((t) => t.hostname)).toEqual(["ws1", "dc1"]);
  });
});
