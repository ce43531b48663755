/**
 * The schema of the check and runbook catalog (`runbooks/<platform>/*.yaml`): one document per
 * check or runbook, checked once when the catalog is built, never mid-scan or mid-heal.
 * @module
 */
import { z } from "zod";
import { SEVERITIES } from "./severity.ts";

/** Stable dotted ids, e.g. `linux.sshd.root-login-disabled`; never reused. */
const ID = /^[a-z0-9]+(?:[.-][a-z0-9]+)+$/;
/** The name Central Command and its rules know a check by, e.g. `linux_ssh_config`. */
const CHECK_TYPE = /^[a-z][a-z0-9_]*$/;
/** Section and fact names are plain identifiers, so json-logic paths stay simple. */
const NAME = /^[a-z][a-z0-9_]*$/;

export const PLATFORMS = ["linux", "nixos"] as const;
export type Platform = (typeof PLATFORMS)[number];

const controls = z
  .strictObject({
    hipaa: z.array(z.string().min(1)).min(1),
    soc2: z.array(z.string().min(1)).optional(),
    pci_dss: z.array(z.string().min(1)).optional(),
    nist_csf: z.array(z.string().min(1)).optional(),
    cis: z.array(z.string().min(1)).optional(),
  })
  .describe("framework control ids; hipaa is required");

/** How one section of a probe's output becomes data (see `parse-output.ts`). */
export const parserSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("text") }),
  z.strictObject({
    kind: z.literal("lines"),
    /** Drop lines whose first non-blank character is `#`. */
    skip_comments: z.boolean().default(false),
  }),
  z.strictObject({
    kind: z.literal("key_value"),
    /** `space` splits at the first run of blanks (sshd -T, sysctl -a with spaces). */
    separator: z.enum(["=", ":", "space"]).default("="),
    lowercase_keys: z.boolean().default(false),
    /** Keep every value of a repeated key as a list instead of the last one. */
    multi: z.boolean().default(false),
    skip_comments: z.boolean().default(true),
  }),
  z.strictObject({
    kind: z.literal("table"),
    /** Column names; without them the first line is the header (lower-cased). */
    columns: z.array(z.string().regex(NAME)).min(1).optional(),
    /** Split on `whitespace` (the last column keeps the rest of the line) or a literal string. */
    delimiter: z.string().min(1).default("whitespace"),
  }),
  z.strictObject({ kind: z.literal("json") }),
  z.strictObject({ kind: z.literal("integer") }),
]);
export type Parser = z.output<typeof parserSchema>;

/** A json-logic expression; checked for unknown operators when the catalog loads. */
const logic = z.unknown().refine((v) => v !== undefined, "missing expression");

const verdictRule = z.strictObject({
  /** json-logic over the facts; the first rule whose `if` is truthy (or that has none) decides. */
  if: logic.optional(),
  status: z.enum(["pass", "fail", "error", "not_applicable"]),
  /** A template (`{{fact.path}}`) for what was seen; defaults to the check's `actual`. */
  actual: z.string().optional(),
  reason: z.string().optional(),
  /** Overrides the check's severity for this outcome (e.g. disk over 95 %). */
  severity: z.enum(SEVERITIES).optional(),
});
export type VerdictRule = z.output<typeof verdictRule>;

/** A captured output and the verdict it must produce (Sigma's regression data). */
export const sampleSchema = z.strictObject({
  /** What host this was captured on, e.g. `debian-12`, `ubuntu-24.04`, `rhel-9`, `nixos-24.05`. */
  distro: z.string().min(1),
  description: z.string().min(1),
  platform: z.enum(PLATFORMS).default("linux"),
  exit_code: z.int().default(0),
  /** Section name → raw text, exactly as the probe printed it. */
  sections: z.record(z.string().regex(NAME), z.string()),
  /** Parameter overrides for this sample. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** The scan's time, for checks that compare ages (RFC 3339). */
  now: z.iso.datetime({ offset: true }).optional(),
  expect: z.strictObject({
    status: z.enum(["pass", "fail", "error", "not_applicable"]),
    actual: z.string().optional(),
    reason: z.string().optional(),
    severity: z.enum(SEVERITIES).optional(),
  }),
});
export type Sample = z.output<typeof sampleSchema>;

export const checkSchema = z.strictObject({
  id: z.string().regex(ID, "a dotted lower-case id such as linux.sshd.root-login-disabled"),
  check_type: z.string().regex(CHECK_TYPE),
  title: z.string().min(1),
  status: z.enum(["stable", "experimental", "retired"]).default("stable"),
  /** For a retired check: the id that replaces it. */
  replaced_by: z.string().regex(ID).optional(),
  platforms: z.array(z.enum(PLATFORMS)).min(1),
  severity: z.enum(SEVERITIES),
  rationale: z.string().min(1),
  /** What an administrator does by hand; the healer (if any) automates it. */
  remediation: z.string().min(1),
  /** Where this improves on the previous generation's criterion, and why. */
  improves_on: z.string().optional(),
  compliance: controls,
  /** Reading the signal needs root (or sudo). */
  privileged: z.boolean().default(false),
  timeout_seconds: z.int().min(1).max(600).default(20),
  params: z.record(z.string().regex(NAME), z.unknown()).default({}),
  probe: z.strictObject({
    /** POSIX sh. `section NAME` starts a named section; `have CMD` tests for a command. */
    shell: z.string().min(1),
    /** How each section is parsed; a section without an entry is kept as text. */
    parse: z.record(z.string().regex(NAME), parserSchema).default({}),
  }),
  /** Derived facts: name → json-logic over sections, params and earlier facts, in order. */
  facts: z.record(z.string().regex(NAME), logic).default({}),
  verdict: z.array(verdictRule).min(1),
  expected: z.string().min(1),
  actual: z.string().min(1),
  /** The runbook that heals this check, if it can be healed safely. */
  healer: z.string().regex(ID).optional(),
});
export type Check = z.output<typeof checkSchema>;

const phaseScript = z.string().min(1);

/** One platform/distro variant of a runbook: a script, or a declared escalation. */
const runbookVariant = z.strictObject({
  platforms: z.array(z.enum(PLATFORMS)).min(1),
  /** Distro ids (os-release ID or ID_LIKE), e.g. `debian`, `rhel`; empty means any. */
  distros: z.array(z.string().min(1)).default([]),
  /** Escalate instead of acting, with the reason (e.g. NixOS: declare it in configuration.nix). */
  escalate: z.string().min(1).optional(),
  remediate: phaseScript.optional(),
  rollback: phaseScript.optional(),
});

const runbookParam = z.strictObject({
  type: z.enum(["string", "integer", "boolean"]),
  /** Strings must match this pattern in full (anchored when used). */
  pattern: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().min(1),
});
export type RunbookParam = z.output<typeof runbookParam>;

export const runbookSchema = z
  .strictObject({
    id: z.string().regex(ID),
    /** The previous generation's runbook id, e.g. `LIN-SSH-001`, for orders that name it. */
    legacy_id: z.string().optional(),
    title: z.string().min(1),
    version: z.int().min(1),
    /** The check whose verify pass proves the heal. */
    check: z.string().regex(ID),
    disruptive: z.boolean(),
    requires_maintenance_window: z.boolean(),
    privileged: z.boolean().default(true),
    timeout_seconds: z.int().min(1).max(3600).default(120),
    /** Parameters arrive as positional arguments `$1…`, each quoted; never spliced into the script. */
    params: z.record(z.string().regex(NAME), runbookParam).default({}),
    variants: z.array(runbookVariant).min(1),
  })
  .superRefine((rb, ctx) => {
    rb.variants.forEach((v, i) => {
      if ((v.escalate === undefined) === (v.remediate === undefined)) {
        ctx.addIssue({ code: "custom", path: ["variants", i], message: "give exactly one of remediate or escalate" });
      }
    });
  });
export type Runbook = z.output<typeof runbookSchema>;
