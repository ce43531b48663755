/**
 * Test-only helpers for the SNTP tests: NTP replies built field by field, and a UDP server on
 * 127.0.0.1 that answers each request with whatever the test decides.
 * @module
 */
import dgram from "node:dgram";
import { ntpFromUnixMs, readTimestamp, writeTimestamp, type NtpTimestamp } from "./sntp-packet.ts";

/** Fields of a test reply; anything not given is a valid stratum 2 answer to `request`. */
export interface ReplyFields {
  leap?: number;
  version?: number;
  mode?: number;
  stratum?: number;
  /** Four bytes, or four characters (a kiss code or stratum 1 reference). */
  refId?: string | readonly number[];
  /** Defaults to the request's transmit timestamp, as a real server copies it. */
  originate?: NtpTimestamp;
  receive?: NtpTimestamp;
  transmit?: NtpTimestamp;
  length?: number;
}

/** The transmit timestamp the client wrote into `request`. */
export function requestTransmit(request: Uint8Array): NtpTimestamp {
  return readTimestamp(new DataView(request.buffer, request.byteOffset, request.byteLength), 40);
}

/** An NTP reply to `request`, field by field. */
export function ntpReplyForTest(request: Uint8Array, fields: ReplyFields = {}): Uint8Array {
  const out = new Uint8Array(Math.max(fields.length ?? 48, 48));
  const view = new DataView(out.buffer);
  out[0] = ((fields.leap ?? 0) << 6) | ((fields.version ?? 4) << 3) | (fields.mode ?? 4);
  out[1] = fields.stratum ?? 2;
  const ref = fields.refId ?? [192, 0, 2, 1];
  out.set(typeof ref === "string" ? new TextEncoder().encode(ref.padEnd(4, "\0")) : ref, 12);
  const now = ntpFromUnixMs(Date.now());
  writeTimestamp(view, 24, fields.originate ?? requestTransmit(request));
  writeTimestamp(view, 32, fields.receive ?? now);
  writeTimestamp(view, 40, fields.transmit ?? now);
  return fields.length === undefined ? out : out.subarray(0, fields.length);
}

export interface FakeNtpServer extends Disposable {
  port: number;
  /** Requests received so far. */
  requests: Uint8Array[];
}

/**
 * A UDP server on 127.0.0.1 (port 0) that answers each request with the datagrams `respond`
 * returns, in order; an empty list means silence.
 */
export async function startFakeNtpServer(respond: (request: Uint8Array) => Uint8Array[]): Promise<FakeNtpServer> {
  const socket = dgram.createSocket("udp4");
  const requests: Uint8Array[] = [];
  socket.on("message", (msg, from) => {
    const request = new Uint8Array(msg);
    requests.push(request);
    for (const datagram of respond(request)) socket.send(datagram, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { port: socket.address().port, requests, [Symbol.dispose]: () => socket.close() };
}
