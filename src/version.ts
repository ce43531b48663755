/**
 * The agent's version, taken from package.json at build time.
 * @module
 */
import pkg from "../package.json" with { type: "json" };

export const AGENT_VERSION: string = pkg.version;
export const AGENT_NAME = "compliance-agent";
