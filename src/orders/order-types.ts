/**
 * The order types Central Command sends today (central-protocol.md). A type in this list that
 * has no handler in this build is answered "not supported" with success:false; any other type
 * is "unknown order type". Neither is ever reported as success.
 * @module
 */
export const KNOWN_ORDER_TYPES = [
  "force_checkin",
  "sync_rules",
  "update_credentials",
  "run_drift",
  "restart_agent",
  "nixos_rebuild",
  "update_daemon",
  "update_agent",
  "view_logs",
  "diagnostic",
  "deploy_sensor",
  "remove_sensor",
  "sensor_status",
  "sync_promoted_rule",
  "healing",
  "validate_credential",
  "disable_healing",
  "enable_healing",
  "configure_dns",
  "reprovision",
  "nix_gc",
  "isolate_host",
  "run_runbook",
  "restart_service",
  "collect_logs",
  "reboot",
] as const;

export type KnownOrderType = (typeof KNOWN_ORDER_TYPES)[number];

export function isKnownOrderType(t: string): t is KnownOrderType {
  return (KNOWN_ORDER_TYPES as readonly string[]).includes(t);
}
