import { describe, expect, test } from "bun:test";
import { pythonJsonDumps } from "../../tests/reference-cc/index.ts";
import { CCState } from "../../tests/reference-cc/state.ts";
import { toHex } from "../identity/hex.ts";
import { signingKeyFromSeed, type SigningKey } from "../identity/signing-key.ts";
import { seededRandom } from "../time/random.ts";
import { envelopeOrderId, verifyOrder, type RejectCode, type VerifyContext } from "./verify.ts";

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const CURRENT_SEED = seededRandom(1).bytes(32);
const PREVIOUS_SEED = seededRandom(2).bytes(32);
const CURRENT = signingKeyFromSeed(CURRENT_SEED);
const PREVIOUS = signingKeyFromSeed(PREVIOUS_SEED);
const STRANGER = signingKeyFromSeed(seededRandom(3).bytes(32));
const APPLIANCE = "site-a-52:54:00:12:34:56";
const NONCE = "0123456789abcdef0123456789abcdef";
const SEEN_NONCE = "feedfacefeedfacefeedfacefeedface";

/** CC's isoformat: `2026-11-23T10:00:00+00:00`. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "+00:00");

const basePayload = {
  order_id: "o-17",
  order_type: "force_checkin",
  parameters: { lines: 50 },
  nonce: NONCE,
  created_at: iso(NOW - 60_000),
  expires_at: iso(NOW + 840_000),
};

/**
 * An envelope as CC builds it: the payload signed as Python's `json.dumps(sort_keys=True)`,
 * and the envelope repeating the payload's fields (those that exist).
 */
function envelopeFor(
  payload: Record<string, unknown>,
  { key = CURRENT, envelope = {} }: { key?: SigningKey; envelope?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const signedPayload = pythonJsonDumps(payload);
  const repeated = Object.fromEntries(
    ["order_id", "order_type", "parameters", "nonce", "created_at", "expires_at", "runbook_id"]
      .filter((f) => f in payload)
      .map((f) => [f, payload[f]]),
  );
  return {
    ...repeated,
    priority: 0,
    signature: toHex(key.sign(new TextEncoder().encode(signedPayload))),
    signed_payload: signedPayload,
    ...envelope,
  };
}

function context(overrides: Partial<VerifyContext> = {}): VerifyContext {
  return {
    serverKeys: [CURRENT.publicKeyHex, PREVIOUS.publicKeyHex],
    applianceId: APPLIANCE,
    nowMs: NOW,
    nonceSeen: (n) => n === SEEN_NONCE,
    defaultTtlSeconds: 900,
    ...overrides,
  };
}

const payloadBytes = (p: Record<string, unknown>) => Buffer.byteLength(pythonJsonDumps(p));
const noKeyMessage = (p: Record<string, unknown>) =>
  `signature verification failed: no known server key (${CURRENT.publicKeyHex.slice(0, 16)}, ` +
  `${PREVIOUS.publicKeyHex.slice(0, 16)}) verifies ${payloadBytes(p)} payload bytes`;

describe("verifyOrder accepts", () => {
  test("a valid order, with every field taken from the signed payload", () => {
    const env = envelopeFor(basePayload, { envelope: { priority: 5 } });
    expect(verifyOrder(env, context())).toEqual({
      ok: true,
      order: {
        orderId: "o-17",
        orderType: "force_checkin",
        parameters: { lines: 50 },
        nonce: NONCE,
        expiresAtMs: NOW + 840_000,
        createdAtMs: NOW - 60_000,
        keyIndex: 0,
      },
    });
  });

  test("an order signed with the previous server key, reporting keyIndex 1", () => {
    const verdict = verifyOrder(envelopeFor(basePayload, { key: PREVIOUS }), context());
    expect(verdict).toEqual({
      ok: true,
      order: {
        orderId: "o-17",
        orderType: "force_checkin",
        parameters: { lines: 50 },
        nonce: NONCE,
        expiresAtMs: NOW + 840_000,
        createdAtMs: NOW - 60_000,
        keyIndex: 1,
      },
    });
  });

  test("a signature in upper-case hex", () => {
    const env = envelopeFor(basePayload);
    const verdict = verifyOrder({ ...env, signature: (env.signature as string).toUpperCase() }, context());
    expect(verdict.ok).toBe(true);
  });

  test('a fleet order signed with order_id "0", reported under the envelope id', () => {
    const env = envelopeFor({ ...basePayload, order_id: "0" }, { envelope: { order_id: "fleet-4711" } });
    const verdict = verifyOrder(env, context());
    expect(verdict.ok && verdict.order.orderId).toBe("fleet-4711");
  });

  test("a payload without expires_at, expiring at created_at plus the default TTL", () => {
    const { expires_at: _, ...payload } = basePayload;
    const verdict = verifyOrder(envelopeFor(payload), context({ defaultTtlSeconds: 120 }));
    expect(verdict.ok && verdict.order.expiresAtMs).toBe(NOW - 60_000 + 120_000);
  });

  test("a payload without expires_at whose created_at + default TTL has passed is expired", () => {
    const { expires_at: _, ...payload } = basePayload;
    const verdict = verifyOrder(envelopeFor(payload), context({ defaultTtlSeconds: 30 }));
    expect(verdict).toEqual({ ok: false, code: "expired", errorMessage: `order expired at 2026-11-23T09:59:30.000Z` });
  });

  test('a healing payload (runbook_id, issued_at, no order_type) as order type "healing"', () => {
    const payload = {
      order_id: "h-1",
      runbook_id: "linux.sshd.disable-root-login",
      parameters: { hostname: "srv1", check_type: "ssh_root_login" },
      nonce: NONCE,
      issued_at: iso(NOW - 1_000),
    };
    const verdict = verifyOrder(envelopeFor(payload, { envelope: { order_type: "healing" } }), context());
    expect(verdict).toEqual({
      ok: true,
      order: {
        orderId: "h-1",
        orderType: "healing",
        parameters: { hostname: "srv1", check_type: "ssh_root_login" },
        nonce: NONCE,
        expiresAtMs: NOW - 1_000 + 900_000,
        createdAtMs: NOW - 1_000,
        runbookId: "linux.sshd.disable-root-login",
        keyIndex: 0,
      },
    });
  });

  test("a payload without parameters, with an empty envelope parameters object", () => {
    const { parameters: _, ...payload } = basePayload;
    const verdict = verifyOrder(envelopeFor(payload, { envelope: { parameters: {} } }), context());
    expect(verdict.ok && verdict.order.parameters).toEqual({});
  });

  test("an order for this appliance", () => {
    const verdict = verifyOrder(envelopeFor({ ...basePayload, target_appliance_id: APPLIANCE }), context());
    expect(verdict.ok).toBe(true);
  });

  test("an order built and signed by the reference Central Command", () => {
    const state = new CCState({ now: () => NOW, signingSeed: CURRENT_SEED, previousSigningSeed: PREVIOUS_SEED });
    const env = state.queueOrder({ order_type: "view_logs", parameters: { lines: 50 }, target_appliance_id: APPLIANCE });
    const verdict = verifyOrder({ ...env }, context());
    expect(verdict).toEqual({
      ok: true,
      order: {
        orderId: env.order_id,
        orderType: "view_logs",
        parameters: { lines: 50 },
        nonce: env.nonce,
        expiresAtMs: NOW + 900_000,
        createdAtMs: NOW,
        keyIndex: 0,
      },
    });
  });
});

describe("verifyOrder waits", () => {
  test("without any server key: neither run nor rejected", () => {
    expect(verifyOrder(envelopeFor(basePayload), context({ serverKeys: [] }))).toEqual({
      ok: false,
      wait: true,
      reason: "no order-signing key received from Central Command yet",
    });
  });

  test("also for an unsigned order, which never runs", () => {
    const env = { ...envelopeFor(basePayload), signature: null, signed_payload: null };
    expect(verifyOrder(env, context({ serverKeys: [] }))).toMatchObject({ ok: false, wait: true });
  });
});

describe("verifyOrder rejects", () => {
  const signedBy = (key: SigningKey) => envelopeFor(basePayload, { key });
  const flipped = () => {
    const env = envelopeFor(basePayload);
    const sig = env.signature as string;
    return { ...env, signature: (sig[0] === "0" ? "1" : "0") + sig.slice(1) };
  };
  const base64Signature = () => {
    const env = envelopeFor(basePayload);
    return { ...env, signature: Buffer.from(env.signature as string, "hex").toString("base64url") };
  };
  const healing = {
    order_id: "h-1",
    runbook_id: "rb-1",
    nonce: NONCE,
    issued_at: iso(NOW),
  };

  test.each<[string, () => Record<string, unknown>, RejectCode, string]>([
    ["a flipped signature bit", flipped, "signature", noKeyMessage(basePayload)],
    ["a signature by a key CC never announced", () => signedBy(STRANGER), "signature", noKeyMessage(basePayload)],
    [
      "a payload re-serialised after signing",
      () => ({ ...envelopeFor(basePayload), signed_payload: JSON.stringify(basePayload) }),
      "signature",
      `signature verification failed: no known server key (${CURRENT.publicKeyHex.slice(0, 16)}, ` +
        `${PREVIOUS.publicKeyHex.slice(0, 16)}) verifies ${Buffer.byteLength(JSON.stringify(basePayload))} payload bytes`,
    ],
    [
      "a base64url signature",
      base64Signature,
      "signature",
      "signature verification failed: signature must be 128 hex characters (looks like base64; hex expected)",
    ],
    [
      "an unsigned order",
      () => ({ ...envelopeFor(basePayload), signature: null, signed_payload: null }),
      "signature",
      "signature verification failed: order has no signed_payload",
    ],
    [
      "a signature that is not a string",
      () => ({ ...envelopeFor(basePayload), signature: 12 }),
      "signature",
      "signature verification failed: signature must be 128 hex characters",
    ],
    [
      "envelope parameters that differ from the signed ones",
      () => envelopeFor(basePayload, { envelope: { parameters: { lines: 50, command: "rm -rf /" } } }),
      "mismatch",
      'envelope field "parameters" disagrees with the signed payload',
    ],
    [
      "envelope parameters when the signed payload has none",
      () => {
        const { parameters: _, ...payload } = basePayload;
        return envelopeFor(payload, { envelope: { parameters: { command: "reboot" } } });
      },
      "mismatch",
      'envelope field "parameters" is not covered by the signature',
    ],
    [
      "an envelope order_type that differs from the signed one",
      () => envelopeFor(basePayload, { envelope: { order_type: "nixos_rebuild" } }),
      "mismatch",
      'envelope field "order_type" disagrees with the signed payload',
    ],
    [
      "an envelope order_type other than healing on a signed healing payload",
      () => envelopeFor(healing, { envelope: { order_type: "nixos_rebuild" } }),
      "mismatch",
      'envelope field "order_type" disagrees with the signed payload',
    ],
    [
      "an envelope nonce that differs from the signed one",
      () => envelopeFor(basePayload, { envelope: { nonce: "ffffffffffffffffffffffffffffffff" } }),
      "mismatch",
      'envelope field "nonce" disagrees with the signed payload',
    ],
    [
      "an envelope expires_at that differs from the signed one",
      () => envelopeFor(basePayload, { envelope: { expires_at: iso(NOW + 86_400_000) } }),
      "mismatch",
      'envelope field "expires_at" disagrees with the signed payload',
    ],
    [
      "a signed order_id other than the envelope's",
      () => envelopeFor(basePayload, { envelope: { order_id: "o-18" } }),
      "mismatch",
      'envelope order_id "o-18" disagrees with the signed order_id "o-17"',
    ],
    [
      "an order for another appliance",
      () => envelopeFor({ ...basePayload, target_appliance_id: "site-b-02:00:00:00:00:99" }),
      "target",
      `order is for appliance "site-b-02:00:00:00:00:99", not "${APPLIANCE}"`,
    ],
    [
      "a nonce that was already used",
      () => envelopeFor({ ...basePayload, nonce: SEEN_NONCE }),
      "replay",
      `nonce replay detected: nonce ${SEEN_NONCE} was already used`,
    ],
    [
      "an order whose signed expires_at has passed",
      () => envelopeFor({ ...basePayload, expires_at: iso(NOW - 1_000) }),
      "expired",
      "order expired at 2026-11-23T09:59:59.000Z",
    ],
    [
      "an order expiring exactly now",
      () => envelopeFor({ ...basePayload, expires_at: iso(NOW) }),
      "expired",
      "order expired at 2026-11-23T10:00:00.000Z",
    ],
    [
      "a signed payload that is not JSON",
      () => {
        const text = "order_type=reboot";
        return { order_id: "o-1", signature: toHex(CURRENT.sign(new TextEncoder().encode(text))), signed_payload: text };
      },
      "malformed",
      "signed_payload is not a JSON object",
    ],
    [
      "a signed payload that is a JSON array",
      () => {
        const text = pythonJsonDumps([basePayload]);
        return { order_id: "o-1", signature: toHex(CURRENT.sign(new TextEncoder().encode(text))), signed_payload: text };
      },
      "malformed",
      "signed_payload is not a JSON object",
    ],
    [
      "a signed payload without order_type or runbook_id",
      () => {
        const { order_type: _, ...payload } = basePayload;
        return envelopeFor(payload);
      },
      "malformed",
      "signed payload has no order_type",
    ],
    [
      "signed parameters that are an array",
      () => envelopeFor({ ...basePayload, parameters: ["reboot"] }),
      "malformed",
      "signed parameters are not an object",
    ],
    [
      "a signed payload without a nonce",
      () => {
        const { nonce: _, ...payload } = basePayload;
        return envelopeFor(payload);
      },
      "malformed",
      "signed payload has no nonce",
    ],
    [
      "a signed expires_at that is not a timestamp",
      () => envelopeFor({ ...basePayload, expires_at: "tomorrow" }),
      "malformed",
      "signed expires_at is not a timestamp",
    ],
    [
      "a signed payload with neither expires_at nor a creation time",
      () => {
        const { expires_at: _e, created_at: _c, ...payload } = basePayload;
        return envelopeFor(payload);
      },
      "malformed",
      "signed payload has neither expires_at nor a creation time",
    ],
    [
      "an order without any order_id",
      () => {
        const { order_id: _, ...payload } = basePayload;
        return envelopeFor(payload);
      },
      "malformed",
      "order has no order_id",
    ],
  ])("%s", (_label, build, code, errorMessage) => {
    expect(verifyOrder(build(), context())).toEqual({ ok: false, code, errorMessage });
  });

  test.each([
    ["bad-signature", "signature verification failed: no known server key ("],
    ["unknown-key", "signature verification failed: no known server key ("],
    ["base64-signature", "signature verification failed: signature must be 128 hex characters (looks like base64; hex expected)"],
    ["unsigned", "signature verification failed: order has no signed_payload"],
    ["parameters-differ", 'envelope field "parameters" disagrees with the signed payload'],
    ["order-type-differs", 'envelope field "order_type" disagrees with the signed payload'],
    ["other-target", 'order is for appliance "other-site-02:00:00:00:00:99", not "site-a-52:54:00:12:34:56"'],
    ["expired", "order expired at 2026-11-23T09:59:00.000Z"],
  ] as const)("the reference CC's %s order", (tamper, messageStart) => {
    const state = new CCState({ now: () => NOW, signingSeed: CURRENT_SEED, previousSigningSeed: PREVIOUS_SEED });
    const env = state.queueOrder({ order_type: "restart_agent", tamper });
    const verdict = verifyOrder({ ...env }, context());
    const message = !verdict.ok && !verdict.wait ? verdict.errorMessage : JSON.stringify(verdict);
    expect(message.slice(0, messageStart.length)).toBe(messageStart);
  });

  test("the reference CC's replayed-nonce order, once the first order's nonce is remembered", () => {
    const state = new CCState({ now: () => NOW, signingSeed: CURRENT_SEED, previousSigningSeed: PREVIOUS_SEED });
    const first = state.queueOrder({ order_type: "force_checkin" });
    const replay = state.queueOrder({ order_type: "force_checkin", tamper: "replayed-nonce" });
    const seen = new Set([first.nonce]);
    expect(verifyOrder({ ...replay }, context({ nonceSeen: (n) => seen.has(n) }))).toEqual({
      ok: false,
      code: "replay",
      errorMessage: `nonce replay detected: nonce ${first.nonce} was already used`,
    });
  });

  test("an order bound to an appliance while our appliance id is not known yet", () => {
    const verdict = verifyOrder(envelopeFor({ ...basePayload, target_appliance_id: APPLIANCE }), context({ applianceId: undefined }));
    expect(verdict).toEqual({ ok: false, code: "target", errorMessage: `order is for appliance "${APPLIANCE}", not "(unknown)"` });
  });
});

describe("envelopeOrderId", () => {
  test.each([
    [{ order_id: "o-1" }, "o-1"],
    [{ order_id: 42 }, "42"],
    [{ order_id: null }, undefined],
    [{}, undefined],
  ])("of %j is %p", (env, expected) => {
    expect(envelopeOrderId(env)).toBe(expected);
  });
});
