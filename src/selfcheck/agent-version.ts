/**
 * `appliance.agent-version`: which agent produced the evidence, and that it is a release. The
 * version goes into `actual` even on a pass, so each self-check record documents it.
 * @module
 */
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import type { SelfCheck } from "./self-check.ts";

/**
 * A development build: a `-dev` pre-release, or the 0.0.0 placeholder version (with or
 * without a suffix, e.g. `0.0.0-local`).
 */
export function isDevelopmentVersion(version: string): boolean {
  return version.includes("-dev") || /^v?0\.0\.0(?:$|[-+])/.test(version);
}

export const agentVersionCheck: SelfCheck = {
  id: "appliance.agent-version",
  title: "A release build of the agent produced this evidence",
  rationale: "An auditor must know which software recorded the evidence; a development build is unreviewed code.",
  severity: "medium",
  controls: SELF_CHECK_CONTROLS["appliance.agent-version"],
  evaluate({ agentVersion }) {
    const expected = "a release version of compliance-agent (not 0.0.0, not a -dev build)";
    const version = agentVersion.trim();
    if (version === "") return { status: "error", expected, reason: "the agent's version is unknown" };
    return isDevelopmentVersion(version)
      ? { status: "fail", expected, actual: version, reason: `"${version}" is a development build, not a release` }
      : { status: "pass", expected, actual: version };
  },
};
