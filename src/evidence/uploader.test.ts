import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { scanDraft } from "../../tests/helpers/evidence-drafts.ts";
import "../../tests/helpers/noble.ts";
import { CentralError } from "../central/errors.ts";
import type { CentralClient } from "../central/client.ts";
import { createLogger } from "../log/logger.ts";
import { canonicalize } from "./canonical-json.ts";
import { buildDelivery, DELIVERY_TYPE } from "./delivery.ts";
import { judgeFailure } from "./delivery-answer.ts";
import { REFUSAL_STREAK_LIMIT } from "./uploader.ts";
import { ccCheck } from "./delivery-checks.ts";
import { redeliver } from "./delivery-retry.ts";
import { sha256Hex } from "./outbox.ts";
import type { ActionDraft, CheckResult } from "./record.ts";
import { isoSeconds } from "../time/clock.ts";
import { EVIDENCE_KEY, IDENTITY_KEY, SITE, uploaderRig, type UploaderRig } from "../../tests/helpers/uploader-rig.ts";

const MINUTE = 60_000;
const hex = (s: string) => Buffer.from(s, "hex");
const utf8 = (s: string) => Buffer.from(s, "utf8");
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const text = (body: string | Uint8Array) => (typeof body === "string" ? body : Buffer.from(body).toString("utf8"));

function actionDraft(): ActionDraft {
  return {
    kind: "action",
    site_id: SITE,
    host_id: "nas-01.clinic.local",
    agent_version: "0.1.0",
    policy_version: "2026.11",
    ruleset_hash: "a".repeat(64),
    deployment_mode: "direct",
    clock: { synchronized: true },
    action: {
      tier: "L1",
      rule_id: "l1.sshd.root-login",
      runbook_id: "linux.sshd.disable-root-login",
      hostname: "nas-01.clinic.local",
      phases: [{ phase: "remediate", started_at: "2026-11-23T10:00:00.000Z", duration_ms: 120, exit_code: 0 }],
      outcome: "success",
      rollback_available: true,
      controls: { hipaa: ["164.312(a)(1)"] },
    },
  };
}

const check = (status: CheckResult["status"], extra: Partial<CheckResult> = {}): CheckResult => ({
  check: "linux.sshd.root-login-disabled",
  hostname: "nas-01",
  status,
  controls: { hipaa: ["164.312(a)(1)", "164.312(b)"], cis: ["5.1.20"] },
  ...extra,
});

describe("ccCheck", () => {
  test.each([
    ["pass", check("pass", { expected: "no", actual: "no" }), { status: "pass", expected: "no", actual: "no", hipaa_control: "164.312(a)(1)" }],
    ["fail", check("fail", { expected: "no", actual: "yes" }), { status: "fail", expected: "no", actual: "yes", hipaa_control: "164.312(a)(1)" }],
    [
      "unreachable with a reason",
      check("unreachable", { expected: "no", reason: "connection refused" }),
      { status: "fail", expected: "no", actual: "unreachable: connection refused", hipaa_control: "164.312(a)(1)" },
    ],
    ["unreachable without a reason", check("unreachable"), { status: "fail", actual: "unreachable", hipaa_control: "164.312(a)(1)" }],
    [
      "error: the reason before what was seen",
      check("error", { actual: "garbled", reason: "sshd -T exited 255" }),
      { status: "fail", actual: "error: sshd -T exited 255", hipaa_control: "164.312(a)(1)" },
    ],
    ["error without a reason", check("error", { actual: "garbled" }), { status: "fail", actual: "error: garbled", hipaa_control: "164.312(a)(1)" }],
    ["without a HIPAA control", check("pass", { controls: { cis: ["5.1.20"] } }), { status: "pass" }],
  ])("%s", (_label, input, expected) => {
    expect(ccCheck(input)).toEqual({ check: "linux.sshd.root-login-disabled", hostname: "nas-01", ...expected } as never);
  });

  test("leaves not_applicable out", () => {
    expect(ccCheck(check("not_applicable", { reason: "no sshd" }))).toBeUndefined();
  });
});

describe("judgeFailure", () => {
  const SENT = Date.UTC(2026, 10, 23, 10, 0, 0);
  const http = (status: number, detail: string, options: { retryAfterSeconds?: number; serverDateMs?: number } = {}) =>
    new CentralError(status === 401 ? "auth" : "http", `POST /api/evidence/sites/s/submit answered ${status}: ${detail}`, status, options);
  test.each([
    ["no answer", new CentralError("network", "POST /x failed: no answer within 30000 ms"), { kind: "retry", reason: "POST /x failed: no answer within 30000 ms" }],
    ["a 2xx with a broken body", new CentralError("bad_response", "POST /x answered 200 with invalid JSON", 200), { kind: "retry", reason: "HTTP 200: POST /x answered 200 with invalid JSON" }],
    ["401", http(401, "Invalid agent signature"), { kind: "retry", reason: "HTTP 401: Invalid agent signature" }],
    ["403", http(403, "site_id does not match"), { kind: "retry", reason: "HTTP 403: site_id does not match" }],
    ["404", http(404, "Not Found"), { kind: "retry", reason: "HTTP 404: Not Found" }],
    ["408", http(408, "timeout"), { kind: "retry", reason: "HTTP 408: timeout" }],
    ["429 with Retry-After", http(429, "slow down", { retryAfterSeconds: 120 }), { kind: "retry", reason: "HTTP 429: slow down", retryAfterMs: 120_000 }],
    ["503", http(503, "Service Unavailable"), { kind: "retry", reason: "HTTP 503: Service Unavailable" }],
    ["400 about checked_at", http(400, "checked_at is more than 1 hour old"), { kind: "restamp", reason: "HTTP 400: checked_at is more than 1 hour old" }],
    ["400 when CC's clock is 5 min behind", http(400, "bad", { serverDateMs: SENT - 5 * MINUTE }), { kind: "restamp", reason: "HTTP 400: bad" }],
    ["400 about the content", http(400, "bad check", { serverDateMs: SENT }), { kind: "refused", reason: "HTTP 400: bad check" }],
    ["409", http(409, "conflict"), { kind: "refused", reason: "HTTP 409: conflict" }],
    ["413", http(413, "too large"), { kind: "refused", reason: "HTTP 413: too large" }],
    ["422", http(422, "[...]"), { kind: "refused", reason: "HTTP 422: [...]" }],
    ["anything else", new TypeError("boom"), { kind: "retry", reason: "boom" }],
  ])("%s", (_label, err, expected) => {
    expect(judgeFailure(err, SENT)).toEqual(expected as never);
  });
});

describe("buildDelivery", () => {
  test("is a CC v1 body: send time, signed_data in RFC 8785 form, its hash, the evidence key's signature", async () => {
    await using rig = await uploaderRig();
    await rig.append(3);
    const nowMs = rig.clock.now() + 1500;
    const d = buildDelivery(rig.store.pending(10), { siteId: SITE, key: EVIDENCE_KEY, nowMs });
    const { body } = d;
    expect(Object.keys(body)).toEqual(["site_id", "checked_at", "checks", "summary", "bundle_hash", "agent_signature", "agent_public_key", "signed_data"]);
    expect(body.site_id).toBe(SITE);
    expect(body.checked_at).toBe("2026-11-23T10:00:01Z");
    expect(d.sentAt).toBe(Date.parse("2026-11-23T10:00:01Z"));
    expect(body.agent_public_key).toBe(EVIDENCE_KEY.publicKeyHex);
    expect(body.bundle_hash).toBe(sha256Hex(body.signed_data));
    expect(ed.verify(hex(body.agent_signature), utf8(body.signed_data), EVIDENCE_KEY.publicKey)).toBe(true);
    expect(canonicalize(JSON.parse(body.signed_data))).toBe(body.signed_data);
    expect(JSON.parse(body.signed_data)).toMatchObject({
      type: DELIVERY_TYPE,
      site_id: SITE,
      checked_at: "2026-11-23T10:00:01Z",
      agent_public_key: EVIDENCE_KEY.publicKeyHex,
    });
    expect(text(d.payload)).toBe(JSON.stringify(body));
    expect(d.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(d.signedBytes).toBe(Buffer.byteLength(body.signed_data));
  });

  test("carries each record byte-identical to its stored text, so it verifies on its own", async () => {
    await using rig = await uploaderRig();
    await rig.append(3);
    await rig.append(1, () => actionDraft());
    await rig.append(1, () => scanDraft({ checks: 2, actual: "Grüße, naïve — ✓ \u2028 \"quoted\" \\ 𝄞" }));
    const { body } = buildDelivery(rig.store.pending(10), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() });
    const signed = JSON.parse(body.signed_data) as { records: { seq: number; hash: string; signature: string; record: unknown }[] };
    expect(signed.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    for (const entry of signed.records) {
      const stored = rig.store.get(entry.seq)!;
      const text = canonicalize(entry.record);
      expect(text).toBe(stored.canonical);
      expect(entry.hash).toBe(sha256Hex(text));
      expect(entry.hash).toBe(stored.hash);
      expect(ed.verify(hex(entry.signature), utf8(text), EVIDENCE_KEY.publicKey)).toBe(true);
    }
  });

  test("writes the body as the UTF-8 of JSON.stringify, whatever the records hold", async () => {
    await using rig = await uploaderRig();
    await rig.append(1, () => scanDraft({ checks: 2, actual: "Grüße, naïve — ✓ \u2028 \"quoted\" \\ 𝄞 \u0000\u001f\t" }));
    const [row] = rig.store.pending(1);
    // Not canonical (raw control characters): an action record is never parsed, only carried.
    const raw = { ...row!, seq: 2, kind: "action", canonical: '{"x":"tab\there, nul \u0000, bell \u0007, \\ \"q\""}' };
    for (const rows of [[row!], [row!, raw]]) {
      const d = buildDelivery(rows, { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() });
      expect(Buffer.from(d.payload).equals(Buffer.from(JSON.stringify(d.body), "utf8"))).toBe(true);
    }
  });

  test("flattens the scan records' checks for CC: an unreachable or erroring check is never pass", async () => {
    await using rig = await uploaderRig();
    await rig.append(2, (i) => scanDraft({ checks: 20, i }));
    await rig.append(1, () => actionDraft());
    const rows = rig.store.pending(10);
    const { body } = buildDelivery(rows, { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() });
    const results = rows
      .filter((r) => r.kind === "scan")
      .flatMap((r) => (JSON.parse(r.canonical) as { scan: { checks: CheckResult[] } }).scan.checks);
    const shown = results.filter((c) => c.status !== "not_applicable");
    // The action record adds nothing to checks[]; every scan check appears in record order.
    expect(body.checks).toEqual(shown.map((c) => ccCheck(c)!));
    const unreachable = results.filter((c) => c.status === "unreachable").length;
    expect(unreachable).toBeGreaterThan(0);
    expect(body.checks.filter((c) => c.actual?.startsWith("unreachable: ")).every((c) => c.status === "fail")).toBe(true);
    expect(body.checks.filter((c) => c.actual?.startsWith("unreachable: "))).toHaveLength(unreachable);
    const passing = results.filter((c) => c.status === "pass").length;
    expect(body.summary).toEqual({
      total_checks: shown.length,
      compliant: passing,
      non_compliant: shown.length - passing,
      scanned_hosts: 1,
      scan_method: "deterministic",
      confidence: 1,
    });
  });

  test("takes the longest prefix that fits maxBytes, and a single larger record alone", async () => {
    await using rig = await uploaderRig();
    await rig.append(10);
    const rows = rig.store.pending(10);
    const one = buildDelivery(rows.slice(0, 1), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() }).signedBytes;
    const limit = Math.floor(one * 3.5);
    const d = buildDelivery(rows, { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now(), maxBytes: limit });
    expect(d.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(d.signedBytes).toBeLessThanOrEqual(limit);
    expect(buildDelivery(rows.slice(3), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now(), maxBytes: 10 }).records).toEqual([
      { seq: 4, createdAt: rows[3]!.createdAt },
    ]);
  });

  test("reads its rows no further than the first that does not fit", async () => {
    await using rig = await uploaderRig();
    await rig.append(10);
    const one = buildDelivery(rig.store.pending(1), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() }).signedBytes;
    let read = 0;
    function* counted() {
      for (const row of rig.store.pendingRows()) {
        read++;
        yield row;
      }
    }
    const bySize = buildDelivery(counted(), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now(), maxBytes: Math.floor(one * 3.5) });
    expect([bySize.records.map((r) => r.seq), read]).toEqual([[1, 2, 3], 4]);
    read = 0;
    const byCount = buildDelivery(counted(), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now(), maxRecords: 2 });
    expect([byCount.records.map((r) => r.seq), read]).toEqual([[1, 2], 3]);
  });

  test("builds the same body byte for byte from the same records, send time and key", async () => {
    await using rig = await uploaderRig();
    await rig.append(3);
    await rig.append(1, () => actionDraft());
    const nowMs = rig.clock.now() + 700;
    const first = buildDelivery(rig.store.pending(10), { siteId: SITE, key: EVIDENCE_KEY, nowMs });
    const again = buildDelivery(rig.store.pendingRows(1, 4), { siteId: SITE, key: EVIDENCE_KEY, nowMs: first.sentAt });
    expect(text(again.payload)).toBe(text(first.payload));
  });

  test("refuses an empty batch", () => {
    expect(() => buildDelivery([], { siteId: SITE, key: EVIDENCE_KEY, nowMs: 0 })).toThrow(new RangeError("A delivery needs at least one record"));
  });
});

describe("startUploader", () => {
  test("delivers every record in seq order, in batches of at most maxRecords, and keeps CC's receipts", async () => {
    await using rig = await uploaderRig();
    rig.start({ maxBytes: 1 << 20 }); // room for 500 records: the record limit decides
    await rig.append(1200);
    await rig.uploader.idle();
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 1200));
    expect(rig.store.counts()).toMatchObject({ total: 1200, pending: 0, delivered: 1200, dead: 0, late: 0 });
    const deliveries = rig.store.deliveries(10).reverse();
    expect(deliveries.map((d) => [d.firstSeq, d.lastSeq, d.status, d.payload])).toEqual([
      [1, 500, "accepted", undefined],
      [501, 1000, "accepted", undefined],
      [1001, 1200, "accepted", undefined],
    ]);
    expect(deliveries.map((d) => d.receipt)).toEqual(
      rig.state.bundles.map((b) => ({
        bundle_id: b.bundle_id,
        bundle_hash: b.bundle_hash,
        chain_position: b.chain_position,
        prev_hash: b.prev_hash,
        current_hash: b.current_hash,
        ots_status: "pending",
        ots_submitted: false,
      })),
    );
    expect(rig.store.get(777)!.deliveryId).toBe(deliveries[1]!.id);
    // sigauth covers the exact bytes sent (the stored body, not a serialisation of it).
    expect(rig.state.requests.filter((r) => r.route === "evidence-submit").map((r) => r.sigauth)).toEqual(
      Array(3).fill({ ok: true, fingerprint: IDENTITY_KEY.fingerprint }),
    );
    expect(rig.uploader.stats()).toMatchObject({ state: "idle", attempts: 3, deliveries: 3, recordsDelivered: 1200, failures: 0 });
  });

  test("builds the next delivery while one is in flight, and sends it only once that one is accepted", async () => {
    let open = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    await using rig = await uploaderRig({
      client: (real) => ({
        get: real.get,
        async post(path, body, options) {
          open++;
          most = Math.max(most, open);
          await new Promise<void>((resolve) => gates.push(resolve));
          try {
            return await real.post(path, body, options);
          } finally {
            open--;
          }
        },
      }),
    });
    const release = async () => {
      await rig.until(() => gates.length > 0, "a send");
      gates.shift()!();
    };
    await rig.append(9);
    const one = buildDelivery(rig.store.pending(1), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() }).signedBytes;
    const t0 = rig.clock.now();
    rig.start({ maxBytes: Math.floor(one * 3.5) }); // three records a delivery
    await rig.until(() => gates.length > 0, "the first send");
    rig.clock.advance(2_000);
    await release(); // 1-3 accepted: 4-6, built at t0 while 1-3 was in flight, goes next
    await rig.until(() => gates.length > 0, "the second send");
    rig.clock.advance(10_000);
    await release(); // 4-6 accepted: 7-9 was built at t0 + 2 s, now too old to go as built
    await release();
    await rig.uploader.idle();
    const sent = rig.submissions().map((s) => [s.checked_at, (JSON.parse(s.signed_data as string) as { records: { seq: number }[] }).records.map((r) => r.seq)]);
    expect(sent).toEqual([
      [isoSeconds(t0), [1, 2, 3]],
      [isoSeconds(t0), [4, 5, 6]],
      [isoSeconds(t0 + 12_000), [7, 8, 9]],
    ]);
    expect(most).toBe(1);
    expect(rig.store.deliveries(10).map((d) => d.status)).toEqual(["accepted", "accepted", "accepted"]);
  });

  test("drops the delivery built ahead when CC refuses the one in flight: the split halves go first", async () => {
    await using rig = await uploaderRig();
    rig.state.refuseEvidenceRecord(2, "check id not in catalog");
    await rig.append(9);
    const one = buildDelivery(rig.store.pending(1), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() }).signedBytes;
    rig.start({ maxBytes: Math.floor(one * 3.5) });
    await rig.uploader.idle();
    const sent = rig.submissions().map((s) => (JSON.parse(s.signed_data as string) as { records: { seq: number }[] }).records.map((r) => r.seq));
    expect(sent).toEqual([[1, 2, 3], [1, 2], [1], [2], [3], [4, 5, 6], [7, 8, 9]]);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("keeps each delivery's signed_data within maxBytes", async () => {
    await using rig = await uploaderRig();
    rig.start({ maxBytes: 20_000 });
    await rig.append(100);
    await rig.uploader.idle();
    const sizes = rig.submissions().map((s) => Buffer.byteLength(s.signed_data as string));
    expect(sizes.length).toBeGreaterThan(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20_000);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 100));
  });

  test("sends the same bytes again after a lost answer; CC dedupes and no record enters its chain twice", async () => {
    await using rig = await uploaderRig();
    rig.state.failNext(1, 502, { route: "evidence-submit", phase: "after" });
    rig.start();
    await rig.append(10);
    await rig.nextAttempt();
    await rig.uploader.idle();
    const [first, again, ...rest] = rig.submissions();
    expect(rest).toEqual([]);
    expect(again).toEqual(first!);
    expect(rig.state.bundles).toHaveLength(1);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 10));
    const [delivery] = rig.store.deliveries(5);
    expect(delivery).toMatchObject({ status: "accepted", receipt: { status: "accepted", deduplicated: true, bundle_id: rig.state.bundles[0]!.bundle_id } });
    expect(rig.store.counts()).toMatchObject({ delivered: 10, pending: 0 });
  });

  /** Starts an uploader whose one call never returns, and kills it mid-send; returns the text it sent. */
  async function crashMidSend(rig: UploaderRig, records: number): Promise<string> {
    const crash = new AbortController();
    const sent: string[] = [];
    const hanging: CentralClient = {
      post: (_path, _body, options) => {
        sent.push(text(options!.rawBody!));
        return new Promise((_, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal!.reason)));
      },
      get: () => Promise.reject(new Error("unused")),
    };
    rig.start({ client: hanging, signal: crash.signal });
    await rig.append(records);
    await rig.until(() => rig.uploader.stats().state === "sending", "the first send");
    crash.abort();
    await rig.uploader.done;
    expect(sent).toHaveLength(1);
    return sent[0]!;
  }

  test("after a restart, sends the in-flight delivery again byte for byte, rebuilt from its records", async () => {
    await using rig = await uploaderRig({ keepSentBodies: true });
    const sentBeforeCrash = await crashMidSend(rig, 7);
    const stored = rig.store.inFlightDelivery()!;
    // Only what rebuilds the body is stored, not the body.
    expect(stored).toEqual({ id: stored.id, firstSeq: 1, lastSeq: 7, sentAt: rig.clock.now() - (rig.clock.now() % 1000), bundleHash: JSON.parse(sentBeforeCrash).bundle_hash });

    rig.clock.advance(10 * MINUTE);
    rig.start();
    await rig.uploader.idle();
    expect(rig.sentBodies()).toEqual([sentBeforeCrash]);
    expect(rig.store.delivery(stored.id)).toMatchObject({ status: "accepted", bundleHash: stored.bundleHash });
    expect(rig.store.inFlightDelivery()).toBeUndefined();
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 7));
  });

  test("after a restart, supersedes an in-flight delivery its records no longer rebuild, and sends them afresh", async () => {
    await using rig = await uploaderRig({ keepSentBodies: true });
    const sentBeforeCrash = await crashMidSend(rig, 7);
    const stored = rig.store.inFlightDelivery()!;
    // Record 3 left the pending set behind the uploader's back: the rebuilt bundle_hash differs.
    rig.db.run("UPDATE evidence SET upload_state = 'dead', dead_reason = 'by hand' WHERE seq = 3");

    rig.clock.advance(10 * MINUTE);
    rig.start();
    await rig.uploader.idle();
    const deliveries = rig.store.deliveries(10).reverse();
    expect(deliveries.map((d) => [d.id === stored.id, d.firstSeq, d.lastSeq, d.status, d.reason])).toEqual([
      [true, 1, 7, "superseded", "its records or key changed since it was sent; rebuilt with a fresh send time"],
      [false, 1, 7, "accepted", undefined],
    ]);
    expect(rig.sentBodies()).toHaveLength(1);
    expect(rig.sentBodies()[0]).not.toBe(sentBeforeCrash);
    expect(deliveries[1]!.sentAt).toBe(rig.clock.now() - (rig.clock.now() % 1000));
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2, 4, 5, 6, 7]);
  });

  test("after a restart, sends a delivery stored with its body (by an earlier agent) as stored", async () => {
    await using rig = await uploaderRig({ keepSentBodies: true });
    await rig.append(4);
    const d = buildDelivery(rig.store.pendingRows(), { siteId: SITE, key: EVIDENCE_KEY, nowMs: rig.clock.now() });
    // Valid JSON of the same body, but not the bytes JSON.stringify would write now.
    const payload = JSON.stringify(d.body, null, 1);
    rig.store.saveSending({ firstSeq: 1, lastSeq: 4, sentAt: d.sentAt, bundleHash: d.bundleHash, payload });
    rig.start();
    await rig.uploader.idle();
    expect(rig.sentBodies()).toEqual([payload]);
    expect(rig.store.deliveries(5).map((x) => [x.firstSeq, x.lastSeq, x.status])).toEqual([[1, 4, "accepted"]]);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 4));
  });

  test("after a database error storing CC's answer, reads the delivery back and sends it again; CC dedupes", async () => {
    await using rig = await uploaderRig();
    const real = rig.store.markDeliveryAccepted;
    let failures = 1;
    rig.store.markDeliveryAccepted = (...args) => {
      if (failures-- > 0) throw new Error("disk I/O error");
      return real(...args);
    };
    rig.start();
    await rig.append(3);
    await rig.nextAttempt();
    await rig.uploader.idle();
    const [first, again, ...rest] = rig.submissions();
    expect(rest).toEqual([]);
    expect(again).toEqual(first!);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(rig.store.deliveries(5)).toMatchObject([{ status: "accepted", receipt: { deduplicated: true } }]);
    expect(rig.store.counts()).toMatchObject({ delivered: 3, pending: 0 });
  });

  test("replaces a delivery whose checked_at is over 55 minutes old by a fresh one of the same records", async () => {
    await using rig = await uploaderRig();
    rig.state.down();
    rig.start();
    await rig.append(5);
    const sentAt = rig.clock.now();
    while (rig.clock.now() - sentAt <= 55 * MINUTE) await rig.nextAttempt();
    rig.state.up();
    await rig.nextAttempt();
    await rig.uploader.idle();
    const deliveries = rig.store.deliveries(10).reverse();
    expect(deliveries.map((d) => [d.firstSeq, d.lastSeq, d.status])).toEqual([
      [1, 5, "superseded"],
      [1, 5, "accepted"],
    ]);
    expect(deliveries[0]!.sentAt).toBe(sentAt);
    expect(deliveries[1]!.sentAt).toBeGreaterThan(sentAt + 55 * MINUTE);
    // Each delivery was sent as the same bytes every time, the fresh one until CC was back.
    for (const d of deliveries) {
      const copies = rig.submissions().filter((s) => s.bundle_hash === d.bundleHash);
      expect(copies.length).toBeGreaterThan(0);
      expect(copies.every((c) => Bun.deepEquals(c, copies[0]))).toBe(true);
    }
    expect(rig.submissions().at(-1)!.bundle_hash).toBe(deliveries[1]!.bundleHash);
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual(range(1, 5));
  });

  test.each([400, 422] as const)("dead-letters a record CC refuses (%i) with CC's reason and delivers its neighbours (bisect)", async (status) => {
    await using rig = await uploaderRig();
    rig.state.refuseEvidenceRecord(7, "check id not in catalog", status);
    rig.start();
    await rig.append(20);
    await rig.uploader.idle();
    expect(rig.store.get(7)).toMatchObject({ seq: 7, uploadState: "dead", deadReason: `HTTP ${status}: check id not in catalog` });
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([...range(1, 6), ...range(8, 20)]);
    expect(rig.store.counts()).toMatchObject({ total: 20, delivered: 19, dead: 1, pending: 0 });
    expect(rig.store.dead(10).map((r) => r.seq)).toEqual([7]);
    expect(rig.uploader.stats()).toMatchObject({ recordsDead: 1, recordsDelivered: 19 });

    // Never retried on its own, never deleted.
    const sent = rig.submissions().length;
    rig.clock.advance(24 * 60 * MINUTE);
    await rig.append(3);
    await rig.uploader.idle();
    const later = rig.submissions().slice(sent);
    expect(later.flatMap((s) => (JSON.parse(s.signed_data as string) as { records: { seq: number }[] }).records.map((r) => r.seq))).toEqual([21, 22, 23]);
    expect(rig.store.get(7)!.uploadState).toBe("dead");
  });

  test("holds the backlog, pending, when CC refuses record after record and accepts none", async () => {
    await using rig = await uploaderRig();
    for (let seq = 1; seq <= 30; seq++) rig.state.refuseEvidenceRecord(seq, "unknown format");
    rig.start();
    await rig.append(30);
    await rig.until(() => rig.uploader.stats().state === "backoff" && rig.store.counts().dead === REFUSAL_STREAK_LIMIT, "the uploader to hold");
    // Attempts go on with backoff: still held, no more dead letters.
    for (let i = 0; i < 5; i++) await rig.nextAttempt();
    expect(rig.store.counts()).toMatchObject({ dead: REFUSAL_STREAK_LIMIT, pending: 30 - REFUSAL_STREAK_LIMIT });
    // CC accepts again: the held records go through.
    for (let seq = 1; seq <= 30; seq++) rig.state.allowEvidenceRecord(seq);
    await rig.nextAttempt();
    await rig.uploader.idle();
    expect(rig.store.counts()).toMatchObject({ dead: REFUSAL_STREAK_LIMIT, pending: 0, delivered: 30 - REFUSAL_STREAK_LIMIT });
  });

  test("redeliver() sends a dead-lettered record again on request", async () => {
    await using rig = await uploaderRig();
    rig.state.refuseEvidenceRecord(2, "not today");
    rig.start();
    await rig.append(3);
    await rig.uploader.idle();
    expect(rig.store.get(2)!.uploadState).toBe("dead");
    rig.state.allowEvidenceRecord(2);
    expect(redeliver(rig.store, [1, 2, 3])).toBe(1);
    await rig.uploader.idle();
    expect(rig.store.get(2)).toMatchObject({ uploadState: "delivered", late: false });
    expect(rig.store.get(2)!.deadReason).toBeUndefined();
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 3, 2]);
    expect(() => redeliver(rig.store, [0])).toThrow(new RangeError("Not a record position: 0"));
  });

  test("401 (an evidence key CC did not register) keeps the records pending and backs off", async () => {
    await using rig = await uploaderRig({ registeredEvidenceSeed: new Uint8Array(32).fill(99) });
    rig.start();
    await rig.append(5);
    for (let i = 0; i < 4; i++) await rig.nextAttempt();
    expect(rig.submissions()).toHaveLength(5);
    expect(rig.state.requests.filter((r) => r.route === "evidence-submit").map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(rig.store.counts()).toMatchObject({ pending: 5, dead: 0, delivered: 0 });
    expect(rig.state.bundles).toEqual([]);
    expect(rig.uploader.stats()).toMatchObject({ state: "backoff", failures: 5, lastError: "HTTP 401: Agent public key mismatch" });
    // The same delivery every time.
    expect(new Set(rig.submissions().map((s) => s.bundle_hash)).size).toBe(1);
  });

  test("a refused send time (clock skew) never dead-letters: records stay pending, the delivery is rebuilt", async () => {
    // CC's clock is 10 minutes behind: every checked_at looks 10 minutes in the future.
    await using rig = await uploaderRig({ ccOffsetMs: -10 * MINUTE });
    rig.start();
    await rig.append(4);
    for (let i = 0; i < 3; i++) await rig.nextAttempt();
    expect(rig.state.requests.filter((r) => r.route === "evidence-submit").map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(rig.store.counts()).toMatchObject({ pending: 4, dead: 0 });
    expect(rig.store.deliveries(10).map((d) => d.status)).toEqual(["superseded", "superseded", "superseded", "superseded"]);
    expect(rig.uploader.stats().lastError).toBe("HTTP 400: checked_at is more than 2 minutes in the future");
  });

  test("honours Retry-After when it is longer than the backoff", async () => {
    await using rig = await uploaderRig({
      client: () => ({
        post: () => Promise.reject(new CentralError("http", "POST /x answered 429: slow down", 429, { retryAfterSeconds: 900 })),
        get: () => Promise.reject(new Error("unused")),
      }),
    });
    rig.start();
    await rig.append(1);
    await rig.settle();
    expect(rig.uploader.stats()).toMatchObject({ state: "backoff", nextAttemptAt: rig.clock.now() + 900_000 });
  });

  test("wakes on wake(), and otherwise looks for new records every 30 s", async () => {
    await using rig = await uploaderRig();
    rig.start();
    await rig.settle();
    expect(rig.uploader.stats().state).toBe("idle");
    await rig.outbox.append(scanDraft({ checks: 1 })); // committed, but nobody called wake()
    await rig.settle();
    expect(rig.submissions()).toHaveLength(0);
    rig.clock.advance(30_000);
    await rig.settle();
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1]);
    await rig.append(1);
    await rig.settle();
    expect(rig.state.deliveredRecords(SITE).map((r) => r.seq)).toEqual([1, 2]);
  });

  test("marks records delivered more than 1 h after their creation as late", async () => {
    await using rig = await uploaderRig();
    rig.state.down();
    rig.start();
    await rig.append(2);
    await rig.settle();
    rig.clock.advance(30 * MINUTE);
    await rig.append(2);
    await rig.settle();
    rig.clock.advance(31 * MINUTE);
    await rig.settle();
    rig.state.up();
    await rig.nextAttempt();
    await rig.uploader.idle();
    expect([1, 2, 3, 4].map((s) => rig.store.get(s)!.late)).toEqual([true, true, false, false]);
    expect(rig.store.counts()).toMatchObject({ delivered: 4, late: 2 });
  });

  test("logs an outage once, not once per attempt", async () => {
    const lines: string[] = [];
    await using rig = await uploaderRig({ log: createLogger({ level: "info", sink: (l) => lines.push(l) }) });
    rig.state.down();
    rig.start();
    await rig.append(1);
    for (let i = 0; i < 5; i++) await rig.nextAttempt();
    rig.state.up();
    await rig.nextAttempt();
    await rig.uploader.idle();
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      "Evidence delivery failed; records stay pending and will be retried",
      "Evidence delivered again after failures",
    ]);
  });

  test("idle() rejects once the uploader has stopped", async () => {
    await using rig = await uploaderRig();
    rig.state.down();
    rig.start();
    await rig.append(1);
    const waiting = rig.uploader.idle();
    rig.stop.abort();
    await expect(waiting).rejects.toThrow("The evidence uploader stopped");
    await rig.uploader.done;
    expect(rig.uploader.stats().state).toBe("stopped");
  });
});
