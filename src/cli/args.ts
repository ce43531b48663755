/**
 * Command-line parsing shared by the subcommands: node's `parseArgs`, strict, with usage
 * errors that say what was wrong.
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** Wrong command line; the message is shown with the command's help hint. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

/** The config file: `--config FILE`, else `$COMPLIANCE_AGENT_CONFIG`, else the appliance default. */
export function configPath(value: unknown, env: Record<string, string | undefined> = process.env): string {
  return typeof value === "string" && value ? value : (env.COMPLIANCE_AGENT_CONFIG ?? "/var/lib/msp/config.yaml");
}
