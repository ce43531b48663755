import { describe, expect, test } from "bun:test";
import { parseCheckinBody } from "../../tests/reference-cc/checkin-body.ts";
import { verifyHeartbeat as ccVerifyHeartbeat } from "../../tests/reference-cc/heartbeat.ts";
import { signingKeyFromSeed, verifyHeartbeat } from "../identity/index.ts";
import { seededRandom } from "../time/random.ts";
import { buildCheckinRequest, CHECKIN_PATH, sendCheckin, type CheckinInputs } from "./checkin.ts";
import type { CentralClient } from "./client.ts";

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0, 750);
const identityKey = signingKeyFromSeed(seededRandom(21).bytes(32));
const evidenceKey = signingKeyFromSeed(seededRandom(22).bytes(32));
const ENCRYPTION_KEY = "cc".repeat(32);

function inputs(overrides: Partial<CheckinInputs> = {}): CheckinInputs {
  return {
    siteId: "site-a",
    agentVersion: "0.1.0",
    facts: {
      hostname: "appliance-1",
      macAddress: "52:54:00:ab:cd:ef",
      allMacAddresses: ["52:54:00:AB:CD:EF", "52:54:00:AB:CD:F0"],
      ipAddresses: ["192.168.1.10"],
      uptimeSeconds: 3_600,
      osVersion: "24.05",
      bootSource: "installed_disk",
    },
    identityKey,
    evidenceKey,
    encryptionPublicKeyHex: ENCRYPTION_KEY,
    daemonHealth: { memory_mb: 41, queue_depths: { orders: 0 } },
    nowMs: NOW,
    ...overrides,
  };
}

describe("buildCheckinRequest", () => {
  test("carries every protocol field under its wire name, with the MAC upper-cased", () => {
    const body = buildCheckinRequest(inputs());
    expect(body).toEqual({
      site_id: "site-a",
      hostname: "appliance-1",
      mac_address: "52:54:00:AB:CD:EF",
      all_mac_addresses: ["52:54:00:AB:CD:EF", "52:54:00:AB:CD:F0"],
      ip_addresses: ["192.168.1.10"],
      uptime_seconds: 3_600,
      agent_version: "0.1.0",
      nixos_version: "24.05",
      boot_source: "installed_disk",
      agent_public_key: evidenceKey.publicKeyHex,
      agent_identity_public_key: identityKey.publicKeyHex,
      heartbeat_signature: body.heartbeat_signature,
      heartbeat_timestamp: Math.floor(NOW / 1000),
      encryption_public_key: ENCRYPTION_KEY,
      daemon_health: { memory_mb: 41, queue_depths: { orders: 0 } },
      has_local_credentials: false,
      deploy_results: [],
      connected_agents: [],
    });
    expect(body.heartbeat_signature).toMatch(/^[0-9a-f]{128}$/);
  });

  test("passes the reference CC's validation of a check-in body", () => {
    expect(parseCheckinBody(buildCheckinRequest(inputs()))).toMatchObject({ ok: true });
  });

  test("signs a heartbeat that verifies with the evidence key, over the upper-case MAC and the sent time", () => {
    const body = buildCheckinRequest(inputs());
    const fields = { siteId: "site-a", mac: "52:54:00:AB:CD:EF", unixSeconds: Math.floor(NOW / 1000), agentVersion: "0.1.0" };
    expect({
      evidenceKey: verifyHeartbeat(evidenceKey.publicKeyHex, body.heartbeat_signature as string, fields),
      identityKey: verifyHeartbeat(identityKey.publicKeyHex, body.heartbeat_signature as string, fields),
      otherTime: verifyHeartbeat(evidenceKey.publicKeyHex, body.heartbeat_signature as string, { ...fields, unixSeconds: fields.unixSeconds + 1 }),
      referenceCC: ccVerifyHeartbeat(body as never, NOW),
    }).toEqual({ evidenceKey: true, identityKey: false, otherTime: false, referenceCC: true });
  });

  test("includes deploy results and connected agents when given", () => {
    const body = buildCheckinRequest(inputs({ deployResults: [{ id: "d-1", ok: true }], connectedAgents: [{ host: "ws1" }] }));
    expect([body.deploy_results, body.connected_agents]).toEqual([[{ id: "d-1", ok: true }], [{ host: "ws1" }]]);
  });
});

describe("sendCheckin", () => {
  /** A client answering `answer` and recording what it was asked. */
  function stubClient(answer: unknown) {
    const calls: { path: string; body: unknown; signal?: AbortSignal }[] = [];
    const client: CentralClient = {
      async post(path, body, options) {
        calls.push({ path, body, signal: options?.signal });
        return answer;
      },
      get: async () => ({}),
    };
    return { client, calls };
  }

  /** `now()` answering the given instants in turn. */
  const times = (...ms: number[]) => () => ms.shift()!;

  test("posts the body to the check-in path and measures skew at the midpoint of the call", async () => {
    const { client, calls } = stubClient({ server_time: "2026-11-23T10:00:05.000000+00:00", appliance_id: "a-1" });
    const signal = new AbortController().signal;
    const body = { site_id: "site-a" };
    const start = Date.UTC(2026, 10, 23, 10, 0, 0);
    const result = await sendCheckin(client, body, { now: times(start, start + 400), signal });
    expect({ calls, roundTripMs: result.roundTripMs, skewMs: result.skewMs, applianceId: result.answer.applianceId }).toEqual({
      calls: [{ path: CHECKIN_PATH, body, signal }],
      roundTripMs: 400,
      skewMs: 5_000 - 200,
      applianceId: "a-1",
    });
  });

  test("reports no skew when CC sends no server_time", async () => {
    const { client } = stubClient({ status: "ok" });
    const result = await sendCheckin(client, {}, { now: times(0, 10) });
    expect(result.skewMs).toBeUndefined();
  });

  test("lets an unusable answer fail as a CheckinResponseError", async () => {
    const { client } = stubClient([]);
    await expect(sendCheckin(client, {}, { now: times(0, 10) })).rejects.toThrow(
      "Check-in answer is not usable: (root): Invalid input: expected object, received array",
    );
  });
});
