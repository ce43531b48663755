import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { createTestAppliance, startReferenceCC } from "../../tests/reference-cc/index.ts";
import { signingKeyFromSeed } from "../identity/index.ts";
import { seededRandom } from "../time/random.ts";
import { createCentralClient } from "./client.ts";
import { CredentialHolder } from "./credentials.ts";
import { CentralError } from "./errors.ts";
import { requestRekey } from "./rekey.ts";

const SITE = "site-a";
const KEY = "initial-key-for-site-a-0000000000000000000000";

async function rejection(p: Promise<unknown>): Promise<CentralError> {
  try {
    await p;
  } catch (err) {
    return err as CentralError;
  }
  throw new Error("expected the call to fail");
}

describe("requestRekey against the reference CC", () => {
  test("gets a new key without sending the bearer; a second rekey within the hour is refused with 429", async () => {
    const clock = new FakeClock();
    const cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now: () => clock.now() });
    try {
      const appliance = createTestAppliance({ siteId: SITE, apiKey: KEY, now: () => clock.now(), baseUrl: cc.url });
      const first = await appliance.checkin();
      expect(first.status).toBe(200);
      const mac = cc.state.checkins[0]!.body.mac_address;
      const client = createCentralClient({
        endpoint: cc.url,
        credentials: new CredentialHolder("revoked-key-0000000000000000000000000000000"),
        identityKey: signingKeyFromSeed(seededRandom(41).bytes(32)),
        clock,
        random: seededRandom(42),
      });
      const who = { siteId: SITE, macAddress: mac, hostname: "appliance-1", hardwareId: "hw-1" };
      const result = await requestRekey(client, who);
      const request = cc.state.requests.at(-1)!;
      const again = await rejection(requestRekey(client, who));
      expect({
        result,
        authorization: request.headers.authorization,
        body: request.body,
        again: [again.kind, again.status],
      }).toEqual({
        result: { apiKey: cc.state.rekeys[0]!.api_key!, applianceId: `${SITE}-${mac}` },
        authorization: undefined,
        body: { site_id: SITE, mac_address: mac, hostname: "appliance-1", hardware_id: "hw-1" },
        again: ["http", 429],
      });
    } finally {
      await cc.stop();
    }
  });

  test("refuses an answer without a usable api_key", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ status: "rekeyed", api_key: "short" }) });
    try {
      const client = createCentralClient({
        endpoint: `http://127.0.0.1:${server.port}`,
        credentials: new CredentialHolder("k".repeat(43)),
        identityKey: signingKeyFromSeed(seededRandom(43).bytes(32)),
        clock: new FakeClock(),
        random: seededRandom(44),
      });
      const err = await rejection(requestRekey(client, { siteId: SITE, macAddress: "52:54:00:12:34:56", hostname: "a" }));
      expect([err instanceof CentralError, err.kind, err.message]).toEqual([true, "bad_response", "Rekey answer carries no usable api_key"]);
    } finally {
      await server.stop(true);
    }
  });
});
