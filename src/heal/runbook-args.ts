/**
 * A runbook's parameters as positional arguments: each value checked against its declared
 * type, pattern and range, in declaration order. Nothing unchecked reaches a shell.
 * @module
 */
import type { Runbook } from "../catalog/index.ts";

/** The values for `$1…`, or the reason they cannot be used. */
export function runbookArgs(runbook: Runbook, given: Record<string, unknown> = {}): { ok: true; args: string[] } | { ok: false; reason: string } {
  const unknown = Object.keys(given).filter((k) => !(k in runbook.params));
  if (unknown.length > 0) return { ok: false, reason: `runbook "${runbook.id}" has no parameter ${unknown.map((k) => `"${k}"`).join(", ")}` };
  const args: string[] = [];
  for (const [name, spec] of Object.entries(runbook.params)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) return { ok: false, reason: `runbook "${runbook.id}" needs parameter "${name}"` };
    const bad = (why: string) => ({ ok: false as const, reason: `parameter "${name}" of runbook "${runbook.id}" ${why}` });
    switch (spec.type) {
      case "string":
        if (typeof value !== "string") return bad("must be a string");
        if (value.includes("\0") || value.includes("\n")) return bad("must be one line");
        if (spec.pattern !== undefined && !new RegExp(`^(?:${spec.pattern})$`).test(value)) return bad(`must match ${spec.pattern}`);
        args.push(value);
        break;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) return bad("must be an integer");
        if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
          return bad(`must be from ${spec.min ?? "-∞"} to ${spec.max ?? "∞"}`);
        }
        args.push(String(value));
        break;
      case "boolean":
        if (typeof value !== "boolean") return bad("must be true or false");
        args.push(String(value));
        break;
    }
  }
  return { ok: true, args };
}
