#!/usr/bin/env bun
/**
 * Entry point of the `compliance-agent` executable: dispatches to a subcommand and turns its
 * result or failure into an exit status.
 * @module
 */
import { AGENT_VERSION } from "../version.ts";
import { parse, UsageError } from "./args.ts";
import { exitCodeFor, printError } from "./errors.ts";
import { EXIT } from "./exit-codes.ts";

const HELP = `Usage: compliance-agent <command> [options]

The on-site compliance agent: checks in to Central Command, watches the practice's machines,
heals drift and keeps signed evidence.

Commands:
  run        run the agent (the service's main job)
  status     show what the agent knows: provisioning, last check-in, targets, queues
  selftest   check that this installation can run, without contacting anyone
  verify     check every signature and link of the evidence chain
  evidence   export evidence for an auditor; re-send records Central Command refused
  version    print the version

Run 'compliance-agent <command> --help' for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./run.ts")).runCommand,
  status: async () => (await import("./status.ts")).statusCommand,
  selftest: async () => (await import("./selftest.ts")).selftestCommand,
  verify: async () => (await import("./verify.ts")).verifyCommand,
  evidence: async () => (await import("./evidence.ts")).evidenceCommand,
  version: async () => async (argv) => {
    const { values } = parse(argv, { json: { type: "boolean" } });
    if (values.help) {
      console.log("Usage: compliance-agent version [--json]\n\nPrints the agent's version.");
    } else if (values.json) {
      console.log(JSON.stringify({ name: "compliance-agent", version: AGENT_VERSION, bun: Bun.version }));
    } else {
      console.log(`compliance-agent ${AGENT_VERSION}`);
    }
    return EXIT.ok;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(HELP);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-V") return main(["version"]);
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`compliance-agent: unknown command "${name}"\n\n${HELP}\n`);
    return EXIT.usage;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    printError(err);
    if (err instanceof UsageError) process.stderr.write(`Run 'compliance-agent ${name} --help' for usage.\n`);
    return exitCodeFor(err);
  }
}

process.exitCode = await main(process.argv.slice(2));
