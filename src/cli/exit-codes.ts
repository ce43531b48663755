/**
 * What the agent's exit status means (sysexits(3) where one fits), so systemd units and
 * scripts can tell a bad config from a crash.
 * @module
 */
export const EXIT = {
  ok: 0,
  /** A check failed (selftest, verify) or the agent stopped on an error. */
  failure: 1,
  /** Wrong command line. */
  usage: 2,
  /** A key file or database is damaged. */
  dataError: 65,
  /** The state directory cannot be created or owned. */
  cantCreate: 73,
  /** The configuration file is invalid. */
  config: 78,
} as const;
