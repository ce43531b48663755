/**
 * `compliance-agent run`: wires the real world (system clock, crypto randomness, fetch, this
 * machine's facts, systemd) into the agent and runs it until SIGTERM or SIGINT.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { startAgent } from "../agent/agent.ts";
import { loadConfig, rewriteConfigValue } from "../config/index.ts";
import { collectHostFacts, measureDaemonHealth, type HostFacts } from "../host/index.ts";
import { createLogger } from "../log/logger.ts";
import { SecretRegistry } from "../log/secrets.ts";
import { createWatchdog, sdNotify } from "../systemd/index.ts";
import { systemClock } from "../time/clock.ts";
import { systemRandom } from "../time/random.ts";
import { AGENT_VERSION } from "../version.ts";
import { configPath, parse } from "./args.ts";
import { EXIT } from "./exit-codes.ts";
import { exitCodeFor, printError } from "./errors.ts";

export const RUN_HELP = `Usage: compliance-agent run [--config FILE]

Runs the agent: checks in to Central Command every poll_interval, takes its signed orders,
and keeps its state under state_dir. Stops cleanly on SIGTERM or SIGINT.

Options:
  -c, --config FILE   configuration file (default $COMPLIANCE_AGENT_CONFIG or /var/lib/msp/config.yaml)
  -h, --help          show this help`;

/** Seconds allowed for a clean stop before the process exits anyway. */
const STOP_DEADLINE_MS = 10_000;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { config: { type: "string", short: "c" } });
  if (values.help) {
    console.log(RUN_HELP);
    return EXIT.ok;
  }
  const file = configPath(values.config);
  const secrets = new SecretRegistry();
  let agent: ReturnType<typeof startAgent>;
  let log = createLogger({ secrets });
  try {
    const { config, warnings } = loadConfig(file);
    log = createLogger({ level: config.logLevel, secrets });
    for (const w of warnings) log.warn(w);
    if ((statSync(config.file).mode & 0o077) !== 0) {
      log.warn("the config file holds the API key but other users can read it; chmod 600 it", { file: config.file });
    }
    const startedAtMs = systemClock.now();
    const watchdog = createWatchdog();
    let host: HostFacts | undefined;
    agent = startAgent({
      config,
      log,
      secrets,
      clock: systemClock,
      random: systemRandom,
      agentVersion: AGENT_VERSION,
      // Read once per cycle; daemon_health reuses the same reading.
      machineFacts: () => (host = collectHostFacts()),
      daemonHealth: (_facts, queueDepths) =>
        ({ ...measureDaemonHealth({ startedAtMs, nowMs: systemClock.now(), queueDepths, facts: host ?? collectHostFacts() }) }),
      hardwareId: readHardwareId(),
      persistApiKey: (key) => rewriteConfigValue(config.file, "api_key", key),
      onProgress: () => watchdog.progress(),
      ...(watchdog.enabled ? { sliceMs: Math.max(1000, watchdog.intervalMs / 3) } : {}),
    });
  } catch (err) {
    printError(err, log);
    return exitCodeFor(err);
  }
  sdNotify(`READY=1\nSTATUS=checking in every poll interval\nMAINPID=${process.pid}`);

  let stopping = false;
  const onSignal = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal: sig });
    sdNotify("STOPPING=1");
    setTimeout(() => {
      log.error("clean stop took too long; exiting", { deadline_ms: STOP_DEADLINE_MS });
      process.exit(EXIT.failure);
    }, STOP_DEADLINE_MS).unref();
    void agent.stop();
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  const reason = await agent.done;
  if (reason === "restart") sdNotify("STOPPING=1");
  return EXIT.ok;
}

/** DMI product UUID: lets CC recognise this box when it asks for a new key. Readable by root only. */
function readHardwareId(): string | undefined {
  try {
    const id = readFileSync("/sys/class/dmi/id/product_uuid", "utf8").trim();
    return id || undefined;
  } catch {
    return undefined;
  }
}
