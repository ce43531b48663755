/**
 * What every evidence record says about the rules in force: the policy version and the hash of
 * the checks, with their control mappings, that this build runs. Today that is the appliance's
 * self-check table and the embedded check and runbook catalog.
 * @module
 */
import { createHash } from "node:crypto";
import { canonicalize } from "../evidence/canonical-json.ts";
import { embeddedCatalog } from "../catalog/index.ts";
import { SELF_CHECK_CONTROLS } from "../selfcheck/index.ts";
import { AGENT_VERSION } from "../version.ts";

/** The policy ships with the agent, so its version is the agent's. */
export const POLICY_VERSION = AGENT_VERSION;

let memo: string | undefined;
/** sha256 hex of the canonical JSON of the checks in force and their controls. */
export function rulesetHash(): string {
  memo ??= createHash("sha256").update(canonicalize({ self_checks: SELF_CHECK_CONTROLS, catalog: embeddedCatalog().hash })).digest("hex");
  return memo;
}
