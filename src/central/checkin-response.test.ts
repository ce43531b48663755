import { describe, expect, test } from "bun:test";
import { CheckinResponseError, parseCheckinAnswer, parseTargets } from "./checkin-response.ts";

const CURRENT = "aa".repeat(32);
const PREVIOUS = "bb".repeat(32);
const PLANTED = "Planted-Secret-Pa55!";

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a throw");
}

/** A check-in answer as CC sends it, extra fields and all. */
function ccAnswer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: "ok",
    appliance_id: "site-a-52:54:00:12:34:56",
    server_time: "2026-11-23T10:00:00.123456+00:00",
    server_public_key: CURRENT,
    server_public_keys: [CURRENT, PREVIOUS],
    merged_duplicates: 0,
    pending_orders: [{ order_id: "o-1", order_type: "force_checkin", parameters: {} }],
    windows_targets: [{ hostname: "dc1", username: "CORP\\admin", password: "w1n-pass", use_ssl: true, role: "domain_admin" }],
    linux_targets: [{ hostname: "srv1", port: 22, username: "ops", password: "l1n-pass" }],
    encrypted_credentials: null,
    enabled_runbooks: ["linux.sshd.disable-root-login"],
    disabled_checks: ["windows.defender.realtime"],
    maintenance_until: "2026-11-23T12:00:00+00:00",
    billing_hold: false,
    billing_status: "active",
    l2_confidence_threshold: 0.8,
    trigger_enumeration: false,
    trigger_immediate_scan: true,
    pending_deploys: [{ id: "d-1" }],
    peer_bundle_hashes: [],
    mesh_peers: [],
    target_assignments: {},
    reconcile_plan: null,
    ...overrides,
  };
}

describe("parseCheckinAnswer", () => {
  test("reads a full answer into plain data, ignoring fields it does not know", () => {
    expect(parseCheckinAnswer(ccAnswer({ rotated_api_key: "r".repeat(43) }))).toEqual({
      applianceId: "site-a-52:54:00:12:34:56",
      serverTimeMs: Date.UTC(2026, 10, 23, 10, 0, 0, 123),
      rotatedApiKey: "r".repeat(43),
      serverPublicKeys: [CURRENT, PREVIOUS],
      pendingOrders: [{ order_id: "o-1", order_type: "force_checkin", parameters: {} }],
      targets: {
        windows: [{ hostname: "dc1", username: "CORP\\admin", password: "w1n-pass", useSsl: true, role: "domain_admin" }],
        linux: [{ hostname: "srv1", port: 22, username: "ops", password: "l1n-pass", sudoPassword: "l1n-pass" }],
      },
      envelope: undefined,
      invalidTargets: [],
      enabledRunbooks: ["linux.sshd.disable-root-login"],
      disabledChecks: ["windows.defender.realtime"],
      maintenanceUntilMs: Date.UTC(2026, 10, 23, 12, 0, 0),
      billingHold: false,
      l2ConfidenceThreshold: 0.8,
      triggerImmediateScan: true,
      pendingDeploys: [{ id: "d-1" }],
    });
  });

  test("refuses an answer with none of CC's own fields, so an empty body cannot revoke targets", () => {
    expect(() => parseCheckinAnswer({})).toThrow(
      new CheckinResponseError("Check-in answer is not usable: it has none of status, appliance_id, server_time"),
    );
  });

  test("reads a bare status answer as an answer with nothing in it", () => {
    expect(parseCheckinAnswer({ status: "ok" })).toEqual({
      applianceId: undefined,
      serverTimeMs: undefined,
      rotatedApiKey: undefined,
      serverPublicKeys: [],
      pendingOrders: [],
      targets: { windows: [], linux: [] },
      envelope: undefined,
      invalidTargets: [],
      enabledRunbooks: [],
      disabledChecks: [],
      maintenanceUntilMs: undefined,
      billingHold: false,
      l2ConfidenceThreshold: undefined,
      triggerImmediateScan: false,
      pendingDeploys: [],
    });
  });

  test.each([
    ["[]", []],
    ["{}", {}],
    ["null", null],
  ])("reads encrypted_credentials %s as no envelope", (_label, value) => {
    expect(parseCheckinAnswer(ccAnswer({ encrypted_credentials: value })).envelope).toBeUndefined();
  });

  test.each([
    ["[]", []],
    ["{}", {}],
    ["a list", [{ hostname: "srv1" }]],
  ])("tolerates target_assignments as %s", (_label, value) => {
    expect(parseCheckinAnswer(ccAnswer({ target_assignments: value })).applianceId).toBe("site-a-52:54:00:12:34:56");
  });

  test("reads {} and null where a list is expected as an empty list", () => {
    const answer = parseCheckinAnswer(
      ccAnswer({
        server_public_keys: {},
        pending_orders: {},
        windows_targets: {},
        linux_targets: null,
        enabled_runbooks: {},
        disabled_checks: null,
        pending_deploys: {},
      }),
    );
    expect({
      serverPublicKeys: answer.serverPublicKeys,
      pendingOrders: answer.pendingOrders,
      targets: answer.targets,
      enabledRunbooks: answer.enabledRunbooks,
      disabledChecks: answer.disabledChecks,
      pendingDeploys: answer.pendingDeploys,
    }).toEqual({
      serverPublicKeys: [CURRENT],
      pendingOrders: [],
      targets: { windows: [], linux: [] },
      enabledRunbooks: [],
      disabledChecks: [],
      pendingDeploys: [],
    });
  });

  test.each([
    ["Python isoformat with microseconds", "2026-11-23T10:00:00.123456+00:00", Date.UTC(2026, 10, 23, 10, 0, 0, 123)],
    ["Python isoformat without fraction", "2026-11-23T10:00:00+00:00", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["RFC 3339 with Z", "2026-11-23T10:00:00Z", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["a naive timestamp (UTC)", "2026-11-23T10:00:00.5", Date.UTC(2026, 10, 23, 10, 0, 0, 500)],
    ["an offset", "2026-11-23T11:00:00+01:00", Date.UTC(2026, 10, 23, 10, 0, 0)],
    ["garbage", "yesterday", undefined],
  ])("reads server_time as %s", (_label, value, expected) => {
    expect(parseCheckinAnswer(ccAnswer({ server_time: value })).serverTimeMs).toBe(expected);
  });

  test("puts the current key first, drops duplicates and nulls, and lower-cases hex", () => {
    const answer = parseCheckinAnswer(
      ccAnswer({ server_public_key: CURRENT.toUpperCase(), server_public_keys: [CURRENT, null, PREVIOUS.toUpperCase()] }),
    );
    expect(answer.serverPublicKeys).toEqual([CURRENT, PREVIOUS]);
  });

  test("reads a credential envelope, lower-casing its key and nonce (the ciphertext stays as sent)", () => {
    const envelope = { ephemeral_public_key: "AB".repeat(32), nonce: "CD".repeat(24), ciphertext: "EF".repeat(40) };
    expect(parseCheckinAnswer(ccAnswer({ encrypted_credentials: envelope, windows_targets: [], linux_targets: [] })).envelope).toEqual({
      ephemeral_public_key: "ab".repeat(32),
      nonce: "cd".repeat(24),
      ciphertext: "EF".repeat(40),
    });
  });

  test("keeps order envelopes as sent, even one without an order_id, for verification one by one", () => {
    const orders = [{ order_id: 17, order_type: "reboot", extra: [1] }, { order_type: "reboot" }];
    const answer = parseCheckinAnswer(ccAnswer({ pending_orders: orders }));
    expect(answer.pendingOrders).toEqual(orders);
  });

  test.each([
    ["an array", [], "Check-in answer is not usable: (root): Invalid input: expected object, received array"],
    ["null", null, "Check-in answer is not usable: (root): Invalid input: expected object, received null"],
    ["a string", "ok", "Check-in answer is not usable: (root): Invalid input: expected object, received string"],
    ["a wrongly typed field", { status: "ok", billing_hold: "yes" }, "Check-in answer is not usable: billing_hold: Invalid input: expected boolean, received string"],
    ["a malformed server key", { status: "ok", server_public_keys: ["zz"] }, "Check-in answer is not usable: server_public_keys.0: Invalid input"],
  ])("refuses %s with a CheckinResponseError", (_label, value, message) => {
    const err = thrown(() => parseCheckinAnswer(value));
    expect({ name: err.name, isIt: err instanceof CheckinResponseError, message: err.message }).toEqual({
      name: "CheckinResponseError",
      isIt: true,
      message,
    });
  });

  test("never quotes a refused rotated key in its error", () => {
    const err = thrown(() => parseCheckinAnswer(ccAnswer({ rotated_api_key: "Sh0rtKey!" })));
    expect({ name: err.name, quotes: err.message.includes("Sh0rtKey!"), names: err.message.includes("rotated_api_key") }).toEqual({
      name: "CheckinResponseError",
      quotes: false,
      names: true,
    });
  });

  test("skips targets it cannot read and names them by hostname only, never by their secrets", () => {
    const answer = parseCheckinAnswer(
      ccAnswer({
        windows_targets: [
          { hostname: "dc1", username: "admin", password: "ok-pass" },
          { hostname: "ws7", username: "", password: PLANTED },
          { username: "admin", password: PLANTED },
          "not an object",
        ],
        linux_targets: [
          { hostname: "srv2", port: "not-a-port", password: PLANTED },
          { hostname: "srv3", username: "ops", private_key: PLANTED, port: 70_000 },
        ],
      }),
    );
    expect(answer.invalidTargets).toEqual([
      'windows target "ws7"',
      "windows target (no hostname)",
      "windows target (no hostname)",
      'linux target "srv2"',
      'linux target "srv3"',
    ]);
    expect(JSON.stringify(answer.invalidTargets)).not.toContain(PLANTED);
    expect(answer.targets).toEqual({
      windows: [{ hostname: "dc1", username: "admin", password: "ok-pass", useSsl: false, role: "winrm" }],
      linux: [],
    });
  });
});

describe("parseTargets", () => {
  const linux = (items: unknown[]) => {
    const invalid: string[] = [];
    return { linux: parseTargets({ windows: [], linux: items }, invalid).linux, invalid };
  };

  test("defaults a Linux sudo password to the login password, port to 22 and user to root", () => {
    expect(linux([{ hostname: "srv1", password: "pw1" }])).toEqual({
      linux: [{ hostname: "srv1", port: 22, username: "root", password: "pw1", sudoPassword: "pw1" }],
      invalid: [],
    });
  });

  test("keeps an explicit sudo password, and treats an empty one as absent", () => {
    expect(
      linux([
        { hostname: "a", username: "ops", password: "login", sudo_password: "sudo" },
        { hostname: "b", username: "ops", password: "login", sudo_password: "" },
      ]).linux.map((t) => t.sudoPassword),
    ).toEqual(["sudo", "login"]);
  });

  test("reads a key-only target without inventing passwords, with its distro and label", () => {
    expect(linux([{ hostname: "srv1", port: "2222", username: "ops", private_key: "KEY", distro: "nixos", label: "gw", password: null }])).toEqual({
      linux: [{ hostname: "srv1", port: 2222, username: "ops", privateKey: "KEY", distro: "nixos", label: "gw" }],
      invalid: [],
    });
  });

  test("skips a Linux target with neither password nor key, saying why", () => {
    expect(linux([{ hostname: "srv1", username: "ops", password: "", private_key: null }])).toEqual({
      linux: [],
      invalid: ['linux target "srv1" (no password or private key)'],
    });
  });

  test.each([
    ["winrm", "winrm"],
    ["domain_admin", "domain_admin"],
    ["local_admin", "local_admin"],
    ["emperor", "winrm"],
    [null, "winrm"],
  ])("reads Windows role %p as %p", (role, expected) => {
    const [t] = parseTargets({ windows: [{ hostname: "h", username: "u", password: "p", role }], linux: [] }, []).windows;
    expect(t?.role).toBe(expected as never);
  });

  test("reads no targets from values that are not lists", () => {
    const invalid: string[] = [];
    expect({ set: parseTargets({ windows: { a: 1 }, linux: "x" }, invalid), invalid }).toEqual({
      set: { windows: [], linux: [] },
      invalid: [],
    });
  });
});
