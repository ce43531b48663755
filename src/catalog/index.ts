/** The check and runbook catalog: schema, loading, lookups and verdicts. @module */
export { createCatalog, type Catalog } from "./catalog.ts";
export { embeddedCatalog } from "./embedded.ts";
export { judgeCheck, MAX_KEPT_OUTPUT, type CheckContext, type ProbeOutput } from "./evaluate-check.ts";
export { PLATFORMS, type Check, type Platform, type Runbook, type RunbookParam, type Sample } from "./schema.ts";
export { SEVERITIES, type Severity } from "./severity.ts";
