/**
 * PHI in free text (check output, reasons): recognising it and replacing each value by a tag that
 * hides it but keeps equal values correlatable. Used by the evidence scrubber (`scrub.ts`).
 *
 * Every rule errs towards keeping text: a record whose numbers were mistaken for PHI is evidence
 * lost, and the previous agent's phone pattern matching NTP floats broke signed records (field
 * lesson 28). Dates of birth and record numbers count only when labelled; phones need the
 * separators phones are written with; cards need an issuer prefix, a card length and a Luhn digit.
 * @module
 */
import { createHash, createHmac } from "node:crypto";

/** What kind of PHI a tag replaced. */
export type PhiKind = "dob" | "mrn" | "ssn" | "card" | "phone" | "email";

interface PhiRule {
  kind: PhiKind;
  tag: string;
  /** Global; a named group `keep` (a label) is kept in front of the replacement. */
  pattern: RegExp;
  /**
   * A cheap test every match passes, so most strings skip the pattern: `label` a label word and a
   * digit, `digits` three digits in a row, `at` an "@".
   */
  needs: Gate;
  /** A match that fails this is left alone. */
  accept?: (text: string) => boolean;
}

const MONTH = String.raw`(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?`;
const DATE = [
  String.raw`\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})`, // 01/02/1980, 1-2-80
  String.raw`\d{4}-\d{1,2}-\d{1,2}`, // 1980-01-02
  String.raw`${MONTH}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}`, // Jan 2, 1980
  String.raw`\d{1,2}\s+${MONTH},?\s+\d{4}`, // 2 January 1980
].join("|");
/** `: `, `=`, `#`, `-` or "is" between a label and its value. */
const LABEL_GAP = String.raw`\s*(?:[:=#-]|\bis\b)?\s*`;

// Digit-led patterns refuse a digit, word character, dot or dash right before and a digit (also
// after a dot or dash) right after: the numbers they look for never sit inside a decimal, a
// timestamp, a version or a longer number. The field's phone regex matched NTP offsets
// ("0.0012345678") and epoch floats (lesson 28); here phones need their separators.
const RULES: readonly PhiRule[] = [
  {
    // Only when labelled: an unlabelled date is a date.
    kind: "dob",
    tag: "DOB",
    pattern: new RegExp(String.raw`(?<keep>\b(?:dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date)${LABEL_GAP})(?:${DATE})(?!\d)`, "gi"),
    needs: "label",
  },
  {
    // Only when labelled; the value holds a digit, and an earlier tag ("MRN-REDACTED-…") is no value.
    kind: "mrn",
    tag: "MRN",
    pattern: new RegExp(
      String.raw`(?<keep>\b(?:mrn|medical\s+record\s+(?:number|no\.?|#)|patient[\s_-]*(?:id|identifier|number|no\.?|#))${LABEL_GAP})` +
        String.raw`(?!redacted)(?=[a-z\d-]*\d)[a-z\d][a-z\d-]{1,31}(?![\w-])`,
      "gi",
    ),
    needs: "label",
  },
  {
    // Area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
    kind: "ssn",
    tag: "SSN",
    pattern: /(?<![\w.-])(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-]|\.\d)/g,
    needs: "digits",
  },
  {
    // Contiguous, in fours (16 or 19 digits) or as Amex/Diners 4-6-5/4-6-4, with a known issuer
    // prefix and length and a valid Luhn digit: a plain number (a byte count, a timestamp) is not a card.
    kind: "card",
    tag: "CARD",
    pattern:
      /(?<![\w.-])(?:[2-6]\d{13,18}|[2-6]\d{3}(?<s4>[ -])\d{4}\k<s4>\d{4}\k<s4>\d{4}(?:\k<s4>\d{3})?|3\d{3}(?<s6>[ -])\d{6}\k<s6>\d{4,5})(?![\w]|[ .-]\d)/g,
    needs: "digits",
    accept: (text) => isCardNumber(text.replace(/[ -]/g, "")),
  },
  {
    // (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, 1-555-123-4567. Bare spaces
    // need the +1: "555 123 4567" is as likely three columns of a table.
    kind: "phone",
    tag: "PHONE",
    pattern:
      /(?<![\w.+-])(?:(?:\+?1[ .-]?)?\([2-9]\d\d\) ?\d{3}[ .-]\d{4}|(?:\+?1[ .-])?[2-9]\d\d(?<sep>[.-])\d{3}\k<sep>\d{4}|\+1 ?[2-9]\d\d \d{3} \d{4})(?![\w-]|\.\d)/g,
    needs: "digits",
  },
  {
    kind: "email",
    tag: "EMAIL",
    pattern: /(?<![\w.%+-])[a-z\d][\w.%+-]*@(?:[a-z\d-]+\.)+[a-z]{2,24}(?![\w-]|\.[a-z\d])/gi,
    needs: "at",
  },
];

type Gate = "label" | "digits" | "at";
const DIGIT = /\d/;
const DIGITS = /\d{3}/;
/** A word every DOB or MRN label holds. */
const LABEL = /dob|d\.o\.b|birth|mrn|record|patient/i;

/**
 * `text` with every PHI value replaced by `[TAG-REDACTED-<8 hex>]` (TAG one of DOB, MRN, SSN,
 * CARD, PHONE, EMAIL; the hex is the first 8 of sha256 of the value as written). A label is kept:
 * `DOB: 01/02/1980` becomes `DOB: [DOB-REDACTED-c72e155b]`. `found` is called once per kind
 * replaced, in rule order. Most strings hold no digit and no "@" and are returned at once.
 *
 * @example
 * redactPhi("call 555-123-4567 at 10:00", () => {}); // "call [PHONE-REDACTED-d36e8308] at 10:00"
 */
export function redactPhi(text: string, found: (kind: PhiKind) => void, tagKey?: Uint8Array): string {
  const digit = DIGIT.test(text);
  const at = text.includes("@");
  if (!digit && !at) return text;
  const open: Record<Gate, boolean> = {
    label: digit && LABEL.test(text),
    digits: digit && DIGITS.test(text),
    at,
  };
  let out = text;
  for (const rule of RULES) {
    if (!open[rule.needs]) continue;
    // Most strings match nothing: `test` answers that without building a replacement.
    rule.pattern.lastIndex = 0;
    if (!rule.pattern.test(out)) continue;
    let hit = false;
    const replaced = out.replace(rule.pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest[rest.length - 1];
      const keep = (typeof groups === "object" && (groups as Record<string, string | undefined>).keep) || "";
      const original = match.slice(keep.length);
      if (rule.accept && !rule.accept(original)) return match;
      hit = true;
      return keep + tag(rule.tag, original, tagKey);
    });
    if (hit) {
      out = replaced;
      found(rule.kind);
    }
  }
  return out;
}

/** Issuer prefix and length (ISO/IEC 7812 ranges of the card brands in use), then Luhn. */
function isCardNumber(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  let lengthOk: boolean;
  if (digits[0] === "4") lengthOk = n === 16 || n === 19; // Visa (13-digit Visa is retired)
  else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) lengthOk = n === 16; // Mastercard
  else if (p2 === 34 || p2 === 37) lengthOk = n === 15; // American Express
  else if (p4 === 6011 || p2 === 65 || p2 === 62 || (p3 >= 644 && p3 <= 649)) lengthOk = n >= 16; // Discover, UnionPay
  else if (p4 >= 3528 && p4 <= 3589) lengthOk = n >= 16; // JCB
  else if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) lengthOk = n >= 14; // Diners
  else lengthOk = false;
  return lengthOk && luhnValid(digits);
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

// A plain sha256 of a 9-digit SSN or a 10-digit phone number is reversed by hashing every
// candidate, so the agent passes a key (HMAC-SHA256): equal values still get equal tags, but only
// the key's holder can test a guess. Unkeyed tags are for tests.
function tag(name: string, original: string, key?: Uint8Array): string {
  const h = key ? createHmac("sha256", key) : createHash("sha256");
  return `[${name}-REDACTED-${h.update(original, "utf8").digest("hex").slice(0, 8)}]`;
}
