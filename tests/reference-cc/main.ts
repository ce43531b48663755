/**
 * CLI for the reference CC, for demos and tests of the compiled agent:
 *
 *   bun tests/reference-cc/main.ts --port 8787 --site-id X --api-key Y [--cert F --key F]
 *     [--signing-seed HEX64] [--no-rotate] [--sigauth-observe] [--no-rekey-limit]
 *
 * Prints `{"url": ...}` on stdout once listening, then one JSON line per request; bearer keys
 * are shortened in the log. Exits 0 on SIGINT/SIGTERM.
 * @module
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { hexToBytes } from "./crypto.ts";
import type { RecordedRequest } from "./records.ts";
import { startReferenceCC } from "./serve.ts";

const USAGE = [
  "usage: main.ts --site-id ID --api-key KEY [--port N] [--cert PEM --key PEM]",
  "               [--signing-seed HEX64] [--no-rotate] [--sigauth-observe] [--no-rekey-limit]",
].join("\n");

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: "string", default: "0" },
        "site-id": { type: "string" },
        "api-key": { type: "string" },
        cert: { type: "string" },
        key: { type: "string" },
        "signing-seed": { type: "string" },
        "no-rotate": { type: "boolean", default: false },
        "sigauth-observe": { type: "boolean", default: false },
        "no-rekey-limit": { type: "boolean", default: false },
      },
      strict: true,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();

const siteId = values["site-id"] ?? fail("--site-id is required");
const apiKey = values["api-key"] ?? fail("--api-key is required");
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got "${values.port}"`);
if ((values.cert === undefined) !== (values.key === undefined)) fail("--cert and --key go together");
const seedHex = values["signing-seed"];
if (seedHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(seedHex)) fail("--signing-seed must be 64 hex characters");

const cc = await startReferenceCC({
  port,
  sites: { [siteId]: { apiKey } },
  rotateOnFirstCheckin: !values["no-rotate"],
  sigauthEnforce: !values["sigauth-observe"],
  rekeyRateLimit: !values["no-rekey-limit"],
  ...(seedHex ? { signingSeed: hexToBytes(seedHex) } : {}),
  ...(values.cert && values.key
    ? { tls: { cert: readFileSync(values.cert, "utf8"), key: readFileSync(values.key, "utf8") } }
    : {}),
  onRequest: (record) => process.stdout.write(`${JSON.stringify(logLine(record))}\n`),
});
process.stdout.write(`${JSON.stringify({ url: cc.url, server_public_key: cc.state.serverPublicKeys[0] })}\n`);

/** The log form of a request: no full bearer keys. */
function logLine(record: RecordedRequest): Record<string, unknown> {
  const { authorization, ...headers } = record.headers;
  const bearer = authorization === undefined ? undefined : redactBearer(authorization);
  return {
    time: new Date(record.time).toISOString(),
    method: record.method,
    path: record.path,
    ...(record.query ? { query: record.query } : {}),
    route: record.route,
    status: record.status,
    ...(bearer ? { bearer } : {}),
    ...(record.sigauth ? { sigauth: record.sigauth } : {}),
    headers,
    body: record.body,
  };
}

/** Keeps the first 4 characters of a long key (enough to tell keys apart), nothing of a short one. */
function redactBearer(header: string): string {
  const key = header.replace(/^Bearer\s+/, "");
  return key.length > 12 ? `Bearer ${key.slice(0, 4)}…` : "Bearer …";
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void cc.stop().then(() => process.exit(0));
  });
}
