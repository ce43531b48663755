/**
 * Strict hex conversion for keys, nonces and signatures: one place decides what counts as hex.
 * @module
 */

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * Bytes of `text`, or `undefined` when it is not an even-length run of hex digits (either case).
 * `Buffer.from(text, "hex")` is not used alone because it silently stops at the first bad digit.
 */
export function parseHex(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || !HEX.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, "hex"));
}
