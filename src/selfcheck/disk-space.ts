/**
 * `appliance.disk-space`: room on the filesystem of the state directory. A full disk silently
 * stopped the previous generation's updates for 59 days (field lesson 40), so free space is
 * judged on every self-check and an unreadable filesystem is an error, never a pass.
 * @module
 */
import { SELF_CHECK_CONTROLS } from "./controls.ts";
import { formatBytes, formatPercent } from "./format.ts";
import type { SelfCheck } from "./self-check.ts";

/** Fail below this share of the filesystem free. */
export const MIN_FREE_FRACTION = 0.1;
/** Fail below this many bytes free, however large the disk: small eMMC disks reach 10 % early. */
export const MIN_FREE_BYTES = 1024 ** 3;

const MIN_FREE_TEXT = `${MIN_FREE_FRACTION * 100} %`;
const MIN_BYTES_TEXT = `${MIN_FREE_BYTES / 1024 ** 3} GiB`;

export const diskSpaceCheck: SelfCheck = {
  id: "appliance.disk-space",
  title: "The state directory's filesystem has free space",
  rationale: "Evidence, logs and updates are written there; when it fills up they stop without a sound.",
  severity: "high",
  controls: SELF_CHECK_CONTROLS["appliance.disk-space"],
  evaluate({ disk }) {
    const expected = `at least ${MIN_FREE_TEXT} and at least ${MIN_BYTES_TEXT} free on the filesystem of ${disk.path}`;
    if ("error" in disk) {
      return { status: "error", expected, reason: `cannot read the free space of "${disk.path}": ${disk.error}` };
    }
    const { totalBytes, freeBytes } = disk;
    if (!(totalBytes > 0) || !(freeBytes >= 0)) {
      return { status: "error", expected, reason: `the filesystem of "${disk.path}" reports ${freeBytes} bytes free of ${totalBytes}` };
    }
    const fraction = freeBytes / totalBytes;
    const actual = `${formatBytes(freeBytes)} free of ${formatBytes(totalBytes)} (${formatPercent(fraction)})`;
    const short = [
      ...(fraction < MIN_FREE_FRACTION ? [`less than ${MIN_FREE_TEXT} free`] : []),
      ...(freeBytes < MIN_FREE_BYTES ? [`less than ${MIN_BYTES_TEXT} free`] : []),
    ];
    return short.length === 0 ? { status: "pass", expected, actual } : { status: "fail", expected, actual, reason: short.join(" and ") };
  },
};
