import { describe, expect, test } from "bun:test";
import { ed25519Key, sha256Hex } from "./crypto.ts";
import { createReferenceCC, createTestAppliance, deliveryBody, type CreateReferenceCCOptions } from "./index.ts";

const SITE = "site-a";
const KEY = "initial-key-for-site-a-0000000000000000000000";
const START = Date.UTC(2026, 10, 23, 10, 0, 0, 123);
const PATH = `/api/evidence/sites/${SITE}/submit`;
const MINUTE = 60_000;

/** A CC whose appliance has checked in (so CC holds its evidence key), on a hand-moved clock. */
async function setup(options: Partial<CreateReferenceCCOptions> = {}) {
  const clock = { ms: START };
  const now = () => clock.ms;
  const { state, app } = createReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now, rotateOnFirstCheckin: false, ...options });
  const appliance = createTestAppliance({ siteId: SITE, apiKey: KEY, now, fetch: (r) => app.request(r) });
  expect((await appliance.checkin()).status).toBe(200);
  const records = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, record: { kind: "scan", seq: from + i, note: `record ${from + i}` } }));
  const submit = async (body: unknown) => {
    const response = await appliance.send("POST", PATH, body);
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  return { state, appliance, clock, records, submit };
}

describe("evidence intake of compliance-agent deliveries", () => {
  test("chains a delivery and keeps its parsed signed_data, so every record can be followed in order", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    const first = deliveryBody(appliance, { records: records(1, 3), checkedAtMs: clock.ms });
    expect(await submit(first)).toMatchObject({ status: 200, json: { chain_position: 1, bundle_hash: first.bundle_hash } });
    const second = deliveryBody(appliance, { records: records(4, 5), checkedAtMs: clock.ms });
    expect(await submit(second)).toMatchObject({ status: 200, json: { chain_position: 2, prev_hash: first.bundle_hash } });
    expect(state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(state.bundles[0]!.delivery).toEqual(JSON.parse(first.signed_data));
    expect(state.bundles[0]!.bundle_id).toMatch(/^CB-2026-11-23-[0-9a-f]{8}$/);
  });

  test("a legacy bundle (not a delivery) is still chained, with no records to follow", async () => {
    const { state, appliance, submit } = await setup();
    expect((await submit(appliance.evidenceBody())).status).toBe(200);
    expect(state.bundles[0]!.delivery).toBeUndefined();
    expect(state.deliveredRecords(SITE)).toEqual([]);
  });

  test("401 for an agent_public_key other than the evidence key registered at check-in, even when its signature is good", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    const body = deliveryBody(appliance, { records: records(1, 1), checkedAtMs: clock.ms, signWith: ed25519Key() });
    expect(await submit(body)).toEqual({ status: 401, json: { detail: "Agent public key mismatch" } });
    expect(state.bundles).toEqual([]);
  });

  test("401 for a missing signature, 400 for a hash that is not of signed_data", async () => {
    const { appliance, clock, records, submit } = await setup();
    const body = deliveryBody(appliance, { records: records(1, 1), checkedAtMs: clock.ms });
    const { agent_signature: _dropped, ...unsigned } = body;
    expect(await submit(unsigned)).toEqual({ status: 401, json: { detail: "Missing or malformed agent signature" } });
    expect(await submit({ ...body, bundle_hash: sha256Hex("x") })).toEqual({ status: 400, json: { detail: "bundle_hash does not match signed_data" } });
  });

  test.each([
    ["more than 1 h old", -60 * MINUTE - 1000, "checked_at is more than 1 hour old"],
    ["more than 2 min ahead", 2 * MINUTE + 1000, "checked_at is more than 2 minutes in the future"],
  ])("400 for checked_at %s", async (_label, offset, detail) => {
    const { appliance, clock, records, submit } = await setup();
    expect(await submit(deliveryBody(appliance, { records: records(1, 1), checkedAtMs: clock.ms + offset }))).toEqual({ status: 400, json: { detail } });
  });

  test("refuseEvidenceRecord refuses deliveries carrying that record (after checking the signature) until allowed", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    state.refuseEvidenceRecord(3, "check id not in catalog");
    state.refuseEvidenceRecord(9, "too large", 413);
    const carrying = deliveryBody(appliance, { records: records(1, 4), checkedAtMs: clock.ms });
    expect(await submit(carrying)).toEqual({ status: 400, json: { detail: "check id not in catalog" } });
    expect(await submit(deliveryBody(appliance, { records: records(9, 9), checkedAtMs: clock.ms }))).toEqual({ status: 413, json: { detail: "too large" } });
    const forged = deliveryBody(appliance, { records: records(3, 3), checkedAtMs: clock.ms, signWith: ed25519Key() });
    expect((await submit({ ...forged, agent_public_key: appliance.evidence.publicKeyHex })).status).toBe(401);
    expect((await submit(deliveryBody(appliance, { records: records(1, 2), checkedAtMs: clock.ms }))).status).toBe(200);
    state.allowEvidenceRecord(3);
    expect((await submit(carrying)).status).toBe(200);
    expect(state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2, 1, 2, 3, 4]);
  });

  test("dedupes a repeated bundle_hash for 15 minutes, then chains it again, as CC does", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    const body = deliveryBody(appliance, { records: records(1, 2), checkedAtMs: clock.ms });
    const first = await submit(body);
    clock.ms += 15 * MINUTE;
    expect(await submit(body)).toEqual({
      status: 200,
      json: { status: "accepted", deduplicated: true, bundle_id: first.json.bundle_id, bundle_hash: body.bundle_hash },
    });
    clock.ms += 1000;
    expect(await submit(body)).toMatchObject({ status: 200, json: { chain_position: 2 } });
    expect(state.bundles).toHaveLength(2);
  });

  test("the dedupe window is a setting", async () => {
    const { state, appliance, clock, records, submit } = await setup({ evidenceDedupeWindowMs: Infinity });
    const body = deliveryBody(appliance, { records: records(1, 2), checkedAtMs: clock.ms });
    await submit(body);
    clock.ms += 50 * MINUTE;
    expect((await submit(body)).json).toMatchObject({ deduplicated: true });
    expect(state.bundles).toHaveLength(1);
  });
});

describe("faults on the evidence route", () => {
  test("an after-phase failure chains the delivery but loses the answer; the same bytes then dedupe", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    state.failNext(1, 502, { route: "evidence-submit", phase: "after" });
    const body = deliveryBody(appliance, { records: records(1, 2), checkedAtMs: clock.ms });
    expect(await submit(body)).toEqual({ status: 502, json: { detail: "Injected failure (HTTP 502)" } });
    expect(state.bundles).toHaveLength(1);
    expect((await submit(body)).json).toMatchObject({ status: "accepted", deduplicated: true });
    expect(state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2]);
  });

  test("down() answers 503 and chains nothing; a before-phase failure never reaches the ledger", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    const body = deliveryBody(appliance, { records: records(1, 1), checkedAtMs: clock.ms });
    state.down();
    expect((await submit(body)).status).toBe(503);
    state.up();
    state.failNext(1, 500, "evidence-submit");
    expect((await submit(body)).status).toBe(500);
    expect(state.bundles).toEqual([]);
    expect((await submit(body)).status).toBe(200);
  });

  test("latency delays the evidence answer", async () => {
    const { state, appliance, clock, records, submit } = await setup();
    state.setLatency("evidence-submit", 40);
    const t0 = performance.now();
    expect((await submit(deliveryBody(appliance, { records: records(1, 1), checkedAtMs: clock.ms }))).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
  });
});
