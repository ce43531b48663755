import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { makeTestCert } from "../../tests/helpers/test-cert.ts";
import { tempDir, type TempDir } from "../../tests/helpers/temp-dir.ts";
import { startReferenceCC, type RunningReferenceCC } from "../../tests/reference-cc/index.ts";
import { createEnvelopeKeys, signingKeyFromSeed, verifySigauth } from "../identity/index.ts";
import { seededRandom } from "../time/random.ts";
import { buildCheckinRequest, CHECKIN_PATH } from "./checkin.ts";
import { createCentralClient, type CentralClientOptions } from "./client.ts";
import { CredentialHolder } from "./credentials.ts";
import { CentralError } from "./errors.ts";

const SITE = "site-a";
const KEY = "initial-key-for-site-a-0000000000000000000000";
const MAC = "52:54:00:12:34:56";
const APPLIANCE = `${SITE}-${MAC}`;
const FLEET_PATH = "/api/fleet/orders/pending";
const identityKey = signingKeyFromSeed(seededRandom(11).bytes(32));
const evidenceKey = signingKeyFromSeed(seededRandom(12).bytes(32));

let seed = 100;
/** A client on `clock`, with a fresh nonce sequence (CC refuses a repeated sigauth nonce). */
function clientFor(endpoint: string, clock: FakeClock, options: Partial<CentralClientOptions> = {}) {
  const credentials = options.credentials ?? new CredentialHolder(KEY);
  const client = createCentralClient({ endpoint, credentials, identityKey, clock, random: seededRandom(seed++), ...options });
  return { client, credentials };
}

function checkinBody(clock: FakeClock): Record<string, unknown> {
  return buildCheckinRequest({
    siteId: SITE,
    agentVersion: "0.1.0",
    facts: {
      hostname: "appliance-1",
      macAddress: MAC.toLowerCase(),
      allMacAddresses: [MAC],
      ipAddresses: ["192.168.1.10"],
      uptimeSeconds: 120,
      osVersion: "24.05",
      bootSource: "installed_disk",
    },
    identityKey,
    evidenceKey,
    encryptionPublicKeyHex: createEnvelopeKeys({ random: seededRandom(13) }).publicKeyHex,
    daemonHealth: { memory_mb: 40 },
    nowMs: clock.now(),
  });
}

async function rejection(p: Promise<unknown>): Promise<CentralError> {
  try {
    await p;
  } catch (err) {
    return err as CentralError;
  }
  throw new Error("expected the call to fail");
}

/** The classification of a CentralError, as one comparable object. */
function classified(err: CentralError) {
  return {
    isCentralError: err instanceof CentralError,
    kind: err.kind,
    status: err.status,
    retryable: err.retryable,
    retryAfterSeconds: err.retryAfterSeconds,
    message: err.message,
  };
}

describe("createCentralClient against the reference CC", () => {
  let cc: RunningReferenceCC;
  const clock = new FakeClock();

  beforeAll(async () => {
    cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, rotateOnFirstCheckin: false, now: () => clock.now() });
  });
  afterAll(async () => {
    await cc.stop();
  });

  test("sends the bearer key, a valid sigauth signature and JSON headers on a check-in", async () => {
    const { client } = clientFor(cc.url, clock);
    const answer = (await client.post(CHECKIN_PATH, checkinBody(clock))) as Record<string, unknown>;
    const recorded = cc.state.checkins.at(-1)!;
    const request = cc.state.requests.at(-1)!;
    expect({
      applianceId: answer.appliance_id,
      bearer: recorded.bearer,
      sigauthValid: recorded.sigauthValid,
      heartbeatValid: recorded.heartbeatValid,
      status: recorded.status,
      contentType: request.headers["content-type"],
      accept: request.headers.accept,
      userAgent: request.headers["user-agent"],
    }).toEqual({
      applianceId: APPLIANCE,
      bearer: KEY,
      sigauthValid: true,
      heartbeatValid: true,
      status: 200,
      contentType: "application/json",
      accept: "application/json",
      userAgent: "compliance-agent",
    });
  });

  test("signs a GET over its path without the query, and sends the query", async () => {
    const { client } = clientFor(cc.url, clock);
    await client.post(CHECKIN_PATH, checkinBody(clock)); // CC learns the identity key
    const answer = await client.get(FLEET_PATH, { query: { appliance_id: APPLIANCE } });
    const request = cc.state.requests.at(-1)!;
    expect({
      answer,
      query: request.query,
      ccVerdict: request.sigauth,
      ourVerdict: verifySigauth(request.headers, { method: "GET", path: FLEET_PATH, body: "", publicKey: identityKey.publicKeyHex, nowMs: clock.now() }),
    }).toEqual({
      answer: { orders: [] },
      query: `appliance_id=${encodeURIComponent(APPLIANCE)}`,
      ccVerdict: { ok: true, fingerprint: identityKey.fingerprint },
      ourVerdict: { ok: true },
    });
  });

  test("keeps a path prefix of the endpoint", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => Response.json({ path: new URL(req.url).pathname }) });
    try {
      const { client } = clientFor(`http://127.0.0.1:${server.port}/cc/v1`, clock);
      expect(await client.get("/api/x")).toEqual({ path: "/cc/v1/api/x" });
    } finally {
      await server.stop(true);
    }
  });

  test("sends rawBody as it is instead of serialising body, and signs those bytes", async () => {
    let received: { text: string; headers: Headers } | undefined;
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        received = { text: await req.text(), headers: req.headers };
        return Response.json({ ok: true });
      },
    });
    try {
      const { client } = clientFor(`http://127.0.0.1:${server.port}`, clock);
      // Valid JSON of the body, but not what JSON.stringify would write.
      const rawBody = '{ "b": 2, "a": "é" }';
      expect(await client.post("/api/x", { a: "é", b: 2 }, { rawBody })).toEqual({ ok: true });
      expect({
        text: received!.text,
        contentType: received!.headers.get("content-type"),
        sigauth: verifySigauth(received!.headers, { method: "POST", path: "/api/x", body: rawBody, publicKey: identityKey.publicKeyHex, nowMs: clock.now() }),
      }).toEqual({ text: rawBody, contentType: "application/json", sigauth: { ok: true } });
      await expect(client.get("/api/x", { rawBody })).rejects.toThrow(new TypeError("Cannot send a body with GET /api/x"));
    } finally {
      await server.stop(true);
    }
  });

  test("sends no bearer key when auth is false", async () => {
    const { client } = clientFor(cc.url, clock);
    await rejection(client.post("/api/provision/rekey", { site_id: SITE }, { auth: false }));
    expect(cc.state.requests.at(-1)!.headers.authorization).toBeUndefined();
  });

  test("maps 401 to kind auth, not retryable, with CC's reason and clock", async () => {
    const { client } = clientFor(cc.url, clock, { credentials: new CredentialHolder("revoked-key-000000000000000000000000000000") });
    const err = await rejection(client.post(CHECKIN_PATH, checkinBody(clock)));
    expect({ ...classified(err), serverDateMs: err.serverDateMs }).toEqual({
      isCentralError: true,
      kind: "auth",
      status: 401,
      retryable: false,
      retryAfterSeconds: undefined,
      message: "POST /api/appliances/checkin answered 401: Invalid or revoked API key",
      serverDateMs: Math.floor(clock.now() / 1000) * 1000,
    });
  });

  test.each([
    [503, "Service Unavailable", true],
    [500, "Injected failure (HTTP 500)", true],
    [429, "Injected failure (HTTP 429)", true],
    [408, "Injected failure (HTTP 408)", true],
    [403, "Injected failure (HTTP 403)", false],
    [422, "Injected failure (HTTP 422)", false],
  ])("maps %i to kind http (retryable: %p)", async (status, detail, retryable) => {
    const { client } = clientFor(cc.url, clock);
    cc.state.failNext(1, status, "checkin");
    const err = await rejection(client.post(CHECKIN_PATH, checkinBody(clock)));
    expect(classified(err)).toEqual({
      isCentralError: true,
      kind: "http",
      status,
      retryable,
      retryAfterSeconds: undefined,
      message: `POST /api/appliances/checkin answered ${status}: ${status === 503 ? "Service Unavailable" : detail}`,
    });
  });

  test("maps an outage (every call 503) to a retryable http error", async () => {
    const { client } = clientFor(cc.url, clock);
    cc.state.down();
    try {
      const err = await rejection(client.get(FLEET_PATH, { query: { appliance_id: APPLIANCE } }));
      expect([err.kind, err.status, err.retryable]).toEqual(["http", 503, true]);
    } finally {
      cc.state.up();
    }
  });

  test("gives up after timeoutMs with kind network: no answer within", async () => {
    const { client } = clientFor(cc.url, clock, { timeoutMs: 100 });
    cc.state.setLatency("checkin", 1_000);
    try {
      const err = await rejection(client.post(CHECKIN_PATH, checkinBody(clock)));
      expect(classified(err)).toEqual({
        isCentralError: true,
        kind: "network",
        status: undefined,
        retryable: true,
        retryAfterSeconds: undefined,
        message: "POST /api/appliances/checkin failed: no answer within 100 ms",
      });
    } finally {
      cc.state.setLatency("checkin", 0);
    }
  });

  test("lets the caller's abort through as it is, not as a CentralError", async () => {
    const { client } = clientFor(cc.url, clock);
    const stop = new AbortController();
    stop.abort(new Error("agent stopping"));
    const err = await rejection(client.post(CHECKIN_PATH, checkinBody(clock), { signal: stop.signal }));
    expect(err instanceof CentralError).toBe(false);
  });
});

describe("createCentralClient: the credential holder", () => {
  test("reads the key at send time: a replaced key is used by the next call", async () => {
    const clock = new FakeClock();
    const cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now: () => clock.now() });
    try {
      const { client, credentials } = clientFor(cc.url, clock);
      const first = (await client.post(CHECKIN_PATH, checkinBody(clock))) as { rotated_api_key: string };
      credentials.replace(first.rotated_api_key, "rotation"); // CC revoked the old key
      clock.advance(60_000);
      await client.post(CHECKIN_PATH, checkinBody(clock));
      expect(cc.state.checkins.map((c) => [c.bearer, c.status])).toEqual([
        [KEY, 200],
        [first.rotated_api_key, 200],
      ]);
    } finally {
      await cc.stop();
    }
  });
});

describe("createCentralClient: answers CC should not give", () => {
  let server: ReturnType<typeof Bun.serve>;
  const clock = new FakeClock();

  beforeAll(() => {
    server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        switch (new URL(req.url).pathname) {
          case "/not-json":
            return new Response("<html>proxy error</html>", { status: 200 });
          case "/empty":
            return new Response("", { status: 200 });
          case "/retry-after":
            return Response.json({ detail: "slow down" }, { status: 429, headers: { "Retry-After": "120" } });
          case "/retry-after-date":
            return Response.json({ detail: "later" }, { status: 503, headers: { "Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT" } });
          case "/long-error":
            return new Response("x".repeat(1_000), { status: 502 });
          case "/stall":
            // Headers and half a body, then nothing: a deadline must not turn this into an empty answer.
            return new Response(
              new ReadableStream({
                start(c) {
                  c.enqueue(new TextEncoder().encode('{"windows_targets": ['));
                },
              }),
              { headers: { "Content-Type": "application/json" } },
            );
          default:
            return new Response("", { status: 404 });
        }
      },
    });
  });
  afterAll(async () => {
    await server.stop(true);
  });

  const url = () => `http://127.0.0.1:${server.port}`;

  test("maps invalid JSON in a 2xx to kind bad_response", async () => {
    const err = await rejection(clientFor(url(), clock).client.get("/not-json"));
    expect(classified(err)).toEqual({
      isCentralError: true,
      kind: "bad_response",
      status: 200,
      retryable: false,
      retryAfterSeconds: undefined,
      message: "GET /not-json answered 200 with invalid JSON",
    });
  });

  test("reads an empty 2xx body as an empty object", async () => {
    expect(await clientFor(url(), clock).client.post("/empty", {})).toEqual({});
  });

  test("parses Retry-After seconds", async () => {
    const err = await rejection(clientFor(url(), clock).client.get("/retry-after"));
    expect(classified(err)).toEqual({
      isCentralError: true,
      kind: "http",
      status: 429,
      retryable: true,
      retryAfterSeconds: 120,
      message: "GET /retry-after answered 429: slow down",
    });
  });

  test("ignores a Retry-After that is not a number of seconds", async () => {
    const err = await rejection(clientFor(url(), clock).client.get("/retry-after-date"));
    expect([err.status, err.retryAfterSeconds]).toEqual([503, undefined]);
  });

  test("cuts a long error body to 300 characters", async () => {
    const err = await rejection(clientFor(url(), clock).client.get("/long-error"));
    expect(err.message).toBe(`GET /long-error answered 502: ${"x".repeat(300)}`);
  });

  test("a 2xx whose body stalls past the deadline is a network failure, never an empty answer", async () => {
    const err = await rejection(clientFor(url(), clock, { timeoutMs: 150 }).client.post("/stall", {}));
    expect({ kind: err.kind, retryable: err.retryable, message: err.message }).toEqual({
      kind: "network",
      retryable: true,
      message: "POST /stall failed: no answer within 150 ms",
    });
  });

  test("maps connection refused (a stopped server) to a retryable network error", async () => {
    const gone = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("{}") });
    const port = gone.port;
    await gone.stop(true);
    const err = await rejection(clientFor(`http://127.0.0.1:${port}`, clock).client.post(CHECKIN_PATH, {}));
    expect({
      kind: err.kind,
      retryable: err.retryable,
      status: err.status,
      prefix: err.message.startsWith("POST /api/appliances/checkin failed: "),
      hasCause: err.cause !== undefined,
    }).toEqual({ kind: "network", retryable: true, status: undefined, prefix: true, hasCause: true });
  });

  test("maps connection refused from the reference CC after stop() to kind network", async () => {
    const c = new FakeClock();
    const cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now: () => c.now() });
    await cc.stop();
    const err = await rejection(clientFor(cc.url, c).client.post(CHECKIN_PATH, checkinBody(c)));
    expect([err.kind, err.retryable]).toEqual(["network", true]);
  });
});

describe("createCentralClient: TLS pinning", () => {
  let tmp: TempDir;
  let cert: string;
  let pin: string;
  let cc: RunningReferenceCC;
  const clock = new FakeClock();

  beforeAll(async () => {
    tmp = tempDir("central-tls-");
    const made = makeTestCert(tmp.path);
    pin = made.spkiSha256;
    cert = made.cert;
    const key = made.key;
    cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, rotateOnFirstCheckin: false, now: () => clock.now(), tls: { cert, key } });
  });
  afterAll(async () => {
    await cc.stop();
    tmp[Symbol.dispose]();
  });

  /** `fetch` trusting our self-signed CA, keeping the client's own TLS options (the pin). */
  const trustingFetch = ((input: string | URL | Request, init?: RequestInit & { tls?: Record<string, unknown> }) =>
    fetch(input, { ...init, tls: { ...init?.tls, ca: cert } } as RequestInit)) as typeof fetch;

  const fleet = (tlsPinHash: string | undefined, fetchImpl: typeof fetch = trustingFetch) =>
    clientFor(cc.url, clock, { tlsPinHash, fetch: fetchImpl }).client.get(FLEET_PATH, { query: { appliance_id: APPLIANCE } });

  test("succeeds with the right pin (sha256 of the server's SPKI), in either case", async () => {
    expect(pin).toMatch(/^[0-9a-f]{64}$/);
    expect([await fleet(pin), await fleet(pin.toUpperCase())]).toEqual([{ orders: [] }, { orders: [] }]);
  });

  test("fails with kind tls_pin on a wrong pin, and sends nothing", async () => {
    const before = cc.state.requests.length;
    const err = await rejection(fleet("ab".repeat(32)));
    expect({
      kind: err.kind,
      retryable: err.retryable,
      message: err.message,
      requestsSeen: cc.state.requests.length - before,
    }).toEqual({
      kind: "tls_pin",
      retryable: false,
      message: `GET ${FLEET_PATH} failed: TLS pin mismatch for "127.0.0.1": server key sha256 ${pin}, pinned ${"ab".repeat(32)}`,
      requestsSeen: 0,
    });
  });

  test("the right pin does not make an untrusted certificate acceptable", async () => {
    const err = await rejection(fleet(pin, fetch));
    expect([err.kind, err.retryable]).toEqual(["network", true]);
  });

  test.each([
    ["the right pin", () => pin, "ok"],
    ["a wrong pin", () => "cd".repeat(32), "tls_pin"],
  ])("in a child process trusting the CA via NODE_EXTRA_CA_CERTS, %s gives %s", async (_label, pinOf, expected) => {
    const script = join(tmp.path, "pinned-call.ts");
    writeFileSync(
      script,
      `
import { createCentralClient } from ${JSON.stringify(join(import.meta.dir, "client.ts"))};
import { CredentialHolder } from ${JSON.stringify(join(import.meta.dir, "credentials.ts"))};
import { signingKeyFromSeed } from ${JSON.stringify(join(import.meta.dir, "..", "identity", "index.ts"))};
import { systemRandom } from ${JSON.stringify(join(import.meta.dir, "..", "time", "random.ts"))};
const [url, pin, nowMs] = process.argv.slice(2);
const client = createCentralClient({
  endpoint: url, credentials: new CredentialHolder(${JSON.stringify(KEY)}),
  identityKey: signingKeyFromSeed(new Uint8Array(32).fill(7)),
  clock: { now: () => Number(nowMs), monotonic: () => performance.now(), sleep: async () => {} },
  random: systemRandom, tlsPinHash: pin,
});
try {
  await client.get(${JSON.stringify(FLEET_PATH)}, { query: { appliance_id: ${JSON.stringify(APPLIANCE)} } });
  console.log("ok");
} catch (e) {
  console.log(e.kind ?? e.message);
}
`,
    );
    const child = Bun.spawn([process.execPath, script, cc.url, pinOf(), String(clock.now())], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(tmp.path, "cert.pem") },
      stdout: "pipe",
      stderr: "inherit",
    });
    const out = await new Response(child.stdout).text();
    await child.exited;
    expect(out.trim()).toBe(expected);
  });
});
