/**
 * Collects one output stream up to a byte cap, remembering whether anything was dropped.
 * @module
 */
export class OutputBuffer {
  readonly #max: number;
  readonly #chunks: Uint8Array[] = [];
  #size = 0;
  truncated = false;

  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  push(chunk: Uint8Array): void {
    const room = this.#max - this.#size;
    if (chunk.byteLength > room) {
      this.truncated = true;
      if (room > 0) {
        this.#chunks.push(chunk.slice(0, room));
        this.#size += room;
      }
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}
