/**
 * Check-in round trip, in-process: the agent's own central client (`createCentralClient`,
 * `buildCheckinRequest`, `sendCheckin`) doing N sequential check-ins against the reference CC
 * on a real loopback socket. The CC runs in this process, so its work (bearer lookup, body
 * validation, two Ed25519 verifications with @noble/ed25519, the answer) is inside every round
 * trip; the time its handler took is measured separately and reported beside it. Then the
 * agent's side alone: building a check-in body (with its heartbeat signature) plus signing the
 * request (sigauth), per second.
 *
 *   bun bench/checkin-roundtrip.ts [--quick]
 * @module
 */
import { randomBytes } from "node:crypto";
import {
  buildCheckinRequest,
  CHECKIN_PATH,
  createCentralClient,
  CredentialHolder,
  sendCheckin,
  type CheckinInputs,
  type MachineFacts,
} from "../src/central/index.ts";
import { createEnvelopeKeys, signingKeyFromSeed, signRequest } from "../src/identity/index.ts";
import { systemClock, systemRandom } from "../src/time/index.ts";
import { createReferenceCC } from "../tests/reference-cc/index.ts";
import { BENCH_API_KEY, BENCH_SITE } from "./support/agent-process.ts";
import { benchMain, type BenchOptions } from "./support/bench-main.ts";
import { describeSamples, median, percentile, type Figure } from "./support/figures.ts";

const WARMUP = 200;

const FACTS: MachineFacts = {
  hostname: "bench-appliance",
  macAddress: "52:54:00:12:34:56",
  allMacAddresses: ["52:54:00:12:34:56"],
  ipAddresses: ["192.168.1.50"],
  uptimeSeconds: 3600,
  osVersion: "24.11",
  bootSource: "installed_disk",
};

/** Inputs of one check-in body, with fresh keys. */
function checkinInputs(): Omit<CheckinInputs, "nowMs"> {
  return {
    siteId: BENCH_SITE,
    agentVersion: "0.0.0-bench",
    facts: FACTS,
    identityKey: signingKeyFromSeed(new Uint8Array(randomBytes(32))),
    evidenceKey: signingKeyFromSeed(new Uint8Array(randomBytes(32))),
    encryptionPublicKeyHex: createEnvelopeKeys().publicKeyHex,
    daemonHealth: { heap_alloc_mb: 12, uptime_seconds_daemon: 60, orders_queued: 0 },
  };
}

/** Operations per second of `op`, run for about `ms` after a short warm-up. */
function rate(op: () => void, ms: number): number {
  for (let i = 0; i < 500; i++) op();
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) op();
    count += 100;
    elapsed = performance.now() - started;
  }
  return (count / elapsed) * 1000;
}

/** Check-ins measured (after the warm-up). */
const ROUND_TRIPS = 2000;

/** Measures `ROUND_TRIPS` round trips and the agent-side cost; `quick` shortens only the latter. */
export async function measureCheckinRoundTrip({ quick }: BenchOptions): Promise<Figure[]> {
  const n = ROUND_TRIPS;
  const { app, state } = createReferenceCC({
    sites: { [BENCH_SITE]: { apiKey: BENCH_API_KEY } },
    rotateOnFirstCheckin: false,
  });
  const handlerMs: number[] = [];
  // `startReferenceCC` does exactly this; serving the app here lets the handler's time be taken.
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const started = performance.now();
      const response = await app.fetch(request);
      handlerMs.push(performance.now() - started);
      return response;
    },
  });
  try {
    const inputs = checkinInputs();
    const client = createCentralClient({
      endpoint: `http://127.0.0.1:${server.port}`,
      credentials: new CredentialHolder(BENCH_API_KEY),
      identityKey: inputs.identityKey,
      clock: systemClock,
      random: systemRandom,
    });
    const now = () => performance.now();
    const checkinOnce = async () => {
      const body = buildCheckinRequest({ ...inputs, nowMs: systemClock.now() });
      await sendCheckin(client, body, { now });
    };

    console.log(`${WARMUP} warm-up check-ins, then ${n} measured…`);
    for (let i = 0; i < WARMUP; i++) await checkinOnce();
    handlerMs.length = 0;
    const roundTrips: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await checkinOnce();
      roundTrips.push(performance.now() - t0);
    }
    const totalMs = performance.now() - started;
    const accepted = state.acceptedCheckins.length;
    if (accepted !== WARMUP + n) throw new Error(`CC accepted ${accepted} of ${WARMUP + n} check-ins`);
    console.log(`round trip (build + send + parse)  ${describeSamples(roundTrips, 2)}`);
    console.log(`CC handler alone                   ${describeSamples(handlerMs, 2)}`);

    const measureMs = quick ? 1000 : 3000;
    console.log(`agent side alone: build + sign, ${measureMs / 1000} s each…`);
    const buildAndSign = rate(() => {
      const body = buildCheckinRequest({ ...inputs, nowMs: systemClock.now() });
      signRequest(inputs.identityKey, { method: "POST", path: CHECKIN_PATH, body: JSON.stringify(body), nowMs: systemClock.now() });
    }, measureMs);
    const buildOnly = rate(() => buildCheckinRequest({ ...inputs, nowMs: systemClock.now() }), measureMs);

    return [
      { figure: "check-in round trip, median", value: median(roundTrips), unit: "ms", note: `n=${n}, loopback, CC in-process` },
      { figure: "check-in round trip, p99", value: percentile(roundTrips, 99), unit: "ms" },
      { figure: "check-ins per second, sequential", value: (n / totalMs) * 1000, unit: "/s" },
      { figure: "  of the round trip: CC handler, median", value: median(handlerMs), unit: "ms", note: "reference CC's own cost (2 noble verifies)" },
      {
        figure: "  of the round trip: rest, median",
        value: median(roundTrips) - median(handlerMs),
        unit: "ms",
        note: "agent client + HTTP over loopback",
      },
      { figure: "agent: buildCheckinRequest + signRequest", value: buildAndSign, unit: "/s", note: "2 Ed25519 signs + JSON" },
      { figure: "agent: buildCheckinRequest alone", value: buildOnly, unit: "/s", note: "1 Ed25519 sign (heartbeat)" },
    ];
  } finally {
    await server.stop(true);
  }
}

if (import.meta.main) await benchMain("check-in round trip", measureCheckinRoundTrip);
