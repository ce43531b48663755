/**
 * The set of secret values alive in this process (API key, target passwords, private keys).
 * Anything that leaves the process as text (logs, reports, evidence) is passed through
 * `redact`, so a secret that slips into a message or a remote error is still never printed.
 * @module
 */

const MIN_SECRET_LENGTH = 4;
/** JSON inside JSON inside JSON is as deep as agent output nests. */
const MAX_ESCAPE_DEPTH = 4;

/** Secret values to scrub from outgoing text. */
export class SecretRegistry {
  #values = new Set<string>();

  /** Remembers `value` as secret; short or empty values are ignored (they would redact noise). */
  add(value: string | undefined | null): void {
    if (typeof value === "string" && value.length >= MIN_SECRET_LENGTH) this.#values.add(value);
  }

  /** Forgets `value`, e.g. after a credential was revoked and the text can no longer contain it. */
  delete(value: string | undefined | null): void {
    if (typeof value === "string") this.#values.delete(value);
  }

  get size(): number {
    return this.#values.size;
  }

  /**
   * Replaces every occurrence of a known secret in `text`, also in its JSON-escaped forms: once
   * for a value in a JSON line, more often for a JSON text (a raw HTTP body) logged as a field.
   */
  redact(text: string): string {
    let out = text;
    for (const value of this.#values) {
      let form = value;
      for (let depth = 0; depth < MAX_ESCAPE_DEPTH; depth++) {
        if (out.includes(form)) out = out.split(form).join("[redacted]");
        const escaped = JSON.stringify(form).slice(1, -1);
        if (escaped === form) break;
        form = escaped;
      }
    }
    return out;
  }
}

/** Field names whose values are never logged, whatever they hold. */
export const SECRET_FIELD = /pass(word|wd|phrase)?$|secret|api_?key|private_?key|token|authori[sz]ation|credential|^password/i;
