/**
 * Whether the appliance runs from its live USB image or from an installed disk. Central
 * Command shows it so an operator can tell an appliance that was never installed.
 * @module
 */

/** How the appliance booted, as the check-in's `boot_source` reports it. */
export type BootSource = "live_usb" | "installed_disk" | "unknown";

/** What the boot source is decided from; all of it read from `/proc` and `/dev`. */
export interface BootEvidence {
  /** Filesystem type mounted at `/` (`""` when unknown). */
  rootFsType: string;
  /** The kernel command line (`""` when unknown). */
  cmdline: string;
  /** Whether `/dev/disk/by-label/MSP-DATA` exists. */
  hasDataLabel: boolean;
}

// RAM-backed or image roots: the system runs from the boot medium, not a disk it owns.
const LIVE_ROOT_FS = new Set(["tmpfs", "ramfs", "squashfs", "overlay"]);
// Filesystems the installer writes to a disk.
const DISK_ROOT_FS = new Set(["ext2", "ext3", "ext4", "btrfs", "xfs", "zfs", "f2fs"]);
// NixOS live-image kernel parameters: copy the image to RAM, or drop to a shell on failure.
const LIVE_PARAMS = ["copytoram", "boot.shell_on_fail"];

/**
 * The boot source, by the previous generation's rules, checked in this order.
 *
 * Improved on the previous generation: kernel parameters are matched as whole words (`copytoram`
 * or `copytoram=…`), so `nocopytoram` or a path containing the word does not count.
 */
export function decideBootSource({ rootFsType, cmdline, hasDataLabel }: BootEvidence): BootSource {
  // A RAM or image root means the live image is running, whatever disks are attached (a live
  // USB booted on an installed box still sees the MSP-DATA label).
  if (LIVE_ROOT_FS.has(rootFsType)) return "live_usb";
  // The live image's boot parameters: decisive even if the root type could not be read.
  if (hasLiveParam(cmdline)) return "live_usb";
  // A disk filesystem at `/` is an installed system.
  if (DISK_ROOT_FS.has(rootFsType)) return "installed_disk";
  // The installer labels the data partition; its presence marks an installed appliance even on
  // a root type not listed above.
  if (hasDataLabel) return "installed_disk";
  // Nothing conclusive: say so rather than guess.
  return "unknown";
}

/**
 * The filesystem type mounted at `/` according to `/proc/mounts` text, or `""` if none is.
 * When several lines mount `/` (an initramfs `rootfs` under the real root, or an overlay
 * stacked on it) the last one is what the system sees, so the last wins.
 */
export function rootFsTypeFromMounts(mounts: string): string {
  let type = "";
  for (const line of mounts.split("\n")) {
    // Fields: device, mount point, type, options, dump, pass. The mount point is octal-escaped
    // (`\040` for a space), but "/" itself never needs escaping, so a plain compare suffices.
    const [, mountPoint, fsType] = line.trim().split(/\s+/);
    if (mountPoint === "/" && fsType) type = fsType;
  }
  return type;
}

function hasLiveParam(cmdline: string): boolean {
  return cmdline
    .split(/\s+/)
    .some((word) => LIVE_PARAMS.some((p) => word === p || word.startsWith(p + "=")));
}
