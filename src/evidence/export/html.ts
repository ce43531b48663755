/**
 * HTML built so that text cannot become markup: the `html` tag escapes every interpolated value
 * unless it is itself a fragment built by `html`. A hostname holding `<script>` prints as text.
 * @module
 */

/** A piece of HTML that is safe to insert as is: only `html` makes one. */
export class SafeHtml {
  readonly #text: string;
  private constructor(text: string) {
    this.#text = text;
  }
  /** @internal the constructor for `html` */
  static fromTrusted(text: string): SafeHtml {
    return new SafeHtml(text);
  }
  toString(): string {
    return this.#text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `text` with `& < > " '` replaced by character references: safe in element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A value that may be interpolated: text and numbers are escaped, fragments kept, empty values dropped. */
export type HtmlValue = SafeHtml | string | number | null | undefined | false | readonly HtmlValue[];

/**
 * Tagged template for HTML: the literal parts are trusted, every `${value}` is escaped.
 *
 * @example
 * html`<td>${hostname}</td>`; // hostname "<b>" gives <td>&lt;b&gt;</td>
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return SafeHtml.fromTrusted(out);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}
