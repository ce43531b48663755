/**
 * The hosts Central Command asks us to watch, with their credentials: held in memory only,
 * never written to disk, logs or evidence. Each check-in replaces the whole set, and an empty
 * list revokes what was held (a field bug: revocation never reached the old appliance).
 * @module
 */
import type { SecretRegistry } from "../log/secrets.ts";

export type WindowsRole = "winrm" | "domain_admin" | "domain_member" | "service_account" | "local_admin";

export interface WindowsTarget {
  hostname: string;
  username: string;
  password: string;
  useSsl: boolean;
  role: WindowsRole;
}

export interface LinuxTarget {
  hostname: string;
  port: number;
  username: string;
  password?: string;
  sudoPassword?: string;
  privateKey?: string;
  distro?: string;
  label?: string;
}

export interface TargetSet {
  windows: WindowsTarget[];
  linux: LinuxTarget[];
}

/** Domain admin first: it can reach every domain member (the previous generation's ordering bug). */
const ROLE_ORDER: Record<WindowsRole, number> = {
  domain_admin: 0,
  winrm: 1,
  local_admin: 2,
  domain_member: 3,
  service_account: 4,
};

/** In-memory holder of the current targets. */
export class TargetInventory {
  #set: TargetSet = { windows: [], linux: [] };
  #heldSecrets: string[] = [];

  constructor(private readonly secrets?: SecretRegistry) {}

  /** Replaces every target; returns what changed in counts for logging. */
  replace(next: TargetSet): { windows: number; linux: number; revoked: boolean } {
    const windows = [...next.windows].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
    const linux = [...next.linux];
    const hadAny = this.#set.windows.length + this.#set.linux.length > 0;
    const secrets = [
      ...windows.map((t) => t.password),
      ...linux.flatMap((t) => [t.password, t.sudoPassword, t.privateKey]),
    ].filter((s): s is string => typeof s === "string" && s.length > 0);
    for (const s of secrets) this.secrets?.add(s);
    // Old secrets stay registered for redaction: text produced earlier may still quote them.
    this.#heldSecrets = secrets;
    this.#set = { windows, linux };
    return { windows: windows.length, linux: linux.length, revoked: hadAny && windows.length + linux.length === 0 };
  }

  get windows(): readonly WindowsTarget[] {
    return this.#set.windows;
  }

  get linux(): readonly LinuxTarget[] {
    return this.#set.linux;
  }

  counts(): { windows: number; linux: number } {
    return { windows: this.#set.windows.length, linux: this.#set.linux.length };
  }

  /** Number of secret values currently held (never the values). */
  get secretCount(): number {
    return this.#heldSecrets.length;
  }
}
