/**
 * What CC sends a site's appliances besides orders: scan targets with credentials and the
 * per-site switches of the check-in response.
 * @module
 */

/** One `windows_targets[]` entry. */
export interface WindowsTarget {
  hostname: string;
  username: string;
  password: string;
  use_ssl: boolean;
  role: "winrm" | "domain_admin" | "domain_member" | "service_account" | "local_admin";
}

/** One `linux_targets[]` entry. */
export interface LinuxTarget {
  hostname: string;
  port: number;
  username: string;
  password?: string;
  sudo_password?: string;
  private_key?: string;
  distro?: string;
  label?: string;
}

/** Per-site check-in response settings; change them with `state.configureSite`. */
export interface SiteConfig {
  windowsTargets: WindowsTarget[];
  linuxTargets: LinuxTarget[];
  enabledRunbooks: string[];
  disabledChecks: string[];
  /** Python isoformat string or null. */
  maintenanceUntil: string | null;
  /** CC strips `pending_orders` while true. */
  billingHold: boolean;
  l2ConfidenceThreshold: number;
  /** Cleared once delivered, as CC does. */
  triggerImmediateScan: boolean;
  pendingDeploys: unknown[];
}

/** A site with nothing configured. */
export function defaultSiteConfig(): SiteConfig {
  return {
    windowsTargets: [],
    linuxTargets: [],
    enabledRunbooks: [],
    disabledChecks: [],
    maintenanceUntil: null,
    billingHold: false,
    l2ConfidenceThreshold: 0.8,
    triggerImmediateScan: false,
    pendingDeploys: [],
  };
}
