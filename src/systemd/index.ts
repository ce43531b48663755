export { sdNotify, sockaddrUn } from "./notify.ts";
export { createWatchdog } from "./watchdog.ts";
export type { Watchdog } from "./watchdog.ts";
