/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then randomness — ids that
 * sort by creation time, so an auditor's listing of records is already in order.
 * @module
 */
import type { Random } from "../time/random.ts";

export function uuidv7(nowMs: number, random: Random): string {
  const b = random.bytes(16);
  let ms = Math.floor(nowMs);
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  const h = Buffer.from(b).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
