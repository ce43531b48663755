/**
 * Once per cycle the appliance attests its own health as a signed scan record, so a fresh box
 * with no targets still proves, in evidence, that it is alive and watching.
 * @module
 */
import { hostname as osHostname } from "node:os";
import type { Config } from "../config/schema.ts";
import type { Appended, Outbox } from "../evidence/outbox.ts";
import type { Logger } from "../log/logger.ts";
import { gatherSelfCheckFacts, runSelfChecks, selfCheckClockFacts, selfCheckScanDraft, type GatherSelfCheckDeps } from "../selfcheck/index.ts";
import type { AgentState } from "../store/agent-state.ts";
import type { EvidenceStore } from "../store/evidence-store.ts";
import type { Clock } from "../time/clock.ts";
import { queryNtpMany, type NtpSurvey } from "../time/sntp.ts";
import { POLICY_VERSION, rulesetHash } from "./policy.ts";

/** RFC 4330 §10: never poll a server faster than every 15 s; every 5 min is plenty for a check. */
const NTP_EVERY_MS = 5 * 60_000;

export interface SelfAttestationDeps {
  config: Config;
  agentVersion: string;
  outbox: Outbox;
  evidence: EvidenceStore;
  state: AgentState;
  clock: Clock;
  log: Logger;
  hostname?: () => string;
  /** Parts of the real world the facts come from (tests inject them). */
  gather?: Partial<GatherSelfCheckDeps>;
}

export function createSelfAttestation(d: SelfAttestationDeps) {
  let lastNtp: { at: number; survey: NtpSurvey } | undefined;
  const askNtp = d.gather?.queryNtpMany;
  const cachedNtp: GatherSelfCheckDeps["queryNtpMany"] = async (servers, options) => {
    const now = d.clock.now();
    if (lastNtp && now - lastNtp.at < NTP_EVERY_MS && now >= lastNtp.at) return lastNtp.survey;
    const survey = await (askNtp ?? queryNtpMany)(servers, options);
    lastNtp = { at: now, survey };
    return survey;
  };

  /** Runs the self-checks and appends their record; resolves when it is durable. */
  return async function attest(): Promise<Appended | undefined> {
    const started = d.clock.now();
    const counts = d.evidence.counts();
    const last = d.state.get("lastCheckin");
    const hostname = (d.hostname ?? osHostname)().trim();
    const facts = await gatherSelfCheckFacts({
      stateDir: d.config.stateDir,
      agentVersion: d.agentVersion,
      ntpServers: d.config.ntpServers,
      ...(d.state.get("lastCheckinOkAt") !== undefined ? { lastCheckinAtMs: d.state.get("lastCheckinOkAt") } : {}),
      ...(last?.skewMs !== undefined ? { centralSkewMs: last.skewMs } : {}),
      evidenceQueue: {
        depth: counts.pending,
        ...(counts.oldestPendingAt !== undefined ? { oldestPendingAgeMs: Math.max(0, started - counts.oldestPendingAt) } : {}),
      },
      clock: d.clock,
      hostname: () => hostname,
      ...d.gather,
      queryNtpMany: cachedNtp,
    });
    const results = runSelfChecks(facts, { maxSkewMs: d.config.ntpMaxSkewMs });
    const draft = selfCheckScanDraft(results, {
      site_id: d.config.siteId,
      host_id: hostname,
      agent_version: d.agentVersion,
      policy_version: POLICY_VERSION,
      ruleset_hash: rulesetHash(),
      deployment_mode: d.config.deploymentMode,
      ...(d.config.resellerId ? { reseller_id: d.config.resellerId } : {}),
      clock: selfCheckClockFacts(facts),
      started_at: new Date(started).toISOString(),
      finished_at: new Date(Math.max(started, d.clock.now())).toISOString(),
    });
    const appended = await d.outbox.append(draft);
    const failing = results.filter((r) => r.status !== "pass").map((r) => `${r.check}=${r.status}`);
    d.log.info("self-check attested", { seq: appended.seq, failing });
    return appended;
  };
}
