/**
 * The `clock` facts of a self-check record, from the same facts and reference the checks used.
 * @module
 */
import type { ClockFacts } from "../evidence/record.ts";
import { clockReference } from "./clock-reference.ts";
import type { SelfCheckFacts } from "./facts.ts";

/**
 * `offset_ms` (the reference minus this clock, to the microsecond) and its `source` when an
 * offset is known, and `synchronized` when the kernel could be asked; unknowns are left out.
 */
export function selfCheckClockFacts(facts: Pick<SelfCheckFacts, "ntp" | "centralSkewMs" | "kernelClock">): ClockFacts {
  const reference = clockReference(facts);
  return {
    ...(reference !== undefined && { offset_ms: Math.round(reference.offsetMs * 1000) / 1000, source: reference.source }),
    ...(facts.kernelClock !== undefined && { synchronized: facts.kernelClock.synchronized }),
  };
}
