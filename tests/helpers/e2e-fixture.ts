/**
 * The shared shape of an end-to-end test: reference Central Commands and compiled agents
 * started through the fixture are torn down after each test, whatever happened.
 * @module
 */
import { afterEach } from "bun:test";
import { startReferenceCC, type RunningReferenceCC, type StartReferenceCCOptions } from "../reference-cc/index.ts";
import { startAgent, type AgentProcess } from "./agent-process.ts";

export interface E2eFixture {
  startCC(options: StartReferenceCCOptions): Promise<RunningReferenceCC>;
  startAgent(configFile: string, env?: Record<string, string | undefined>): AgentProcess;
}

/** Registers the teardown for the tests of the calling file. */
export function e2eFixture(): E2eFixture {
  let ccs: RunningReferenceCC[] = [];
  let agents: AgentProcess[] = [];
  afterEach(async () => {
    await Promise.all(agents.map((a) => a.stop("SIGKILL", 1000)));
    await Promise.all(ccs.map((c) => c.stop()));
    ccs = [];
    agents = [];
  }, 30_000);
  return {
    async startCC(options) {
      const cc = await startReferenceCC(options);
      ccs.push(cc);
      return cc;
    },
    startAgent(configFile, env) {
      const agent = startAgent(configFile, env);
      agents.push(agent);
      return agent;
    },
  };
}
