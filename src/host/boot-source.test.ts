import { describe, expect, test } from "bun:test";
import { decideBootSource, rootFsTypeFromMounts, type BootSource } from "./boot-source.ts";

const NIXOS_INIT = "init=/nix/store/abc-nixos-system-24.05/init loglevel=4";

describe("decideBootSource", () => {
  test.each<[string, string, boolean, BootSource]>([
    // rootFsType, cmdline, hasDataLabel, expected
    ["tmpfs", "", false, "live_usb"],
    ["ramfs", "", false, "live_usb"],
    ["squashfs", "", false, "live_usb"],
    ["overlay", "", false, "live_usb"],
    ["overlay", "", true, "live_usb"], // live USB booted on an installed box
    ["", `${NIXOS_INIT} copytoram`, false, "live_usb"],
    ["", `boot.shell_on_fail ${NIXOS_INIT}`, false, "live_usb"],
    ["ext4", `${NIXOS_INIT} copytoram=1`, true, "live_usb"], // live parameter outranks disk type
    ["ext2", "", false, "installed_disk"],
    ["ext3", "", false, "installed_disk"],
    ["ext4", NIXOS_INIT, false, "installed_disk"],
    ["btrfs", "", false, "installed_disk"],
    ["xfs", "", false, "installed_disk"],
    ["zfs", "", false, "installed_disk"],
    ["f2fs", "", false, "installed_disk"],
    ["", "", true, "installed_disk"],
    ["bcachefs", "", true, "installed_disk"],
    ["ext4", "nocopytoram", false, "installed_disk"], // whole-word match only
    ["", "nocopytoram boot.shell_on_failure", false, "unknown"],
    ["vfat", "", false, "unknown"],
    ["", "", false, "unknown"],
  ])("root %p, cmdline %p, MSP-DATA %p → %p", (rootFsType, cmdline, hasDataLabel, expected) => {
    expect(decideBootSource({ rootFsType, cmdline, hasDataLabel })).toBe(expected);
  });
});

describe("rootFsTypeFromMounts", () => {
  test("takes the last line that mounts /", () => {
    const mounts = [
      "rootfs / rootfs rw 0 0",
      "proc /proc proc rw,nosuid 0 0",
      "/dev/sda2 / ext4 rw,relatime 0 0",
      "/dev/sda1 /boot vfat rw 0 0",
    ].join("\n");
    expect(rootFsTypeFromMounts(mounts)).toBe("ext4");
  });

  test("ignores mount points that merely start with / or contain escaped spaces", () => {
    const mounts = ["/dev/sdb1 /\\040x ext4 rw 0 0", "/dev/sdc1 /data xfs rw 0 0", ""].join("\n");
    expect(rootFsTypeFromMounts(mounts)).toBe("");
  });

  test("is empty for empty input", () => {
    expect(rootFsTypeFromMounts("")).toBe("");
  });
});
