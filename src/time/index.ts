export { systemClock, isoSeconds } from "./clock.ts";
export type { Clock } from "./clock.ts";
export { systemRandom, seededRandom } from "./random.ts";
export type { Random } from "./random.ts";
export { parseTimestamp } from "./parse-timestamp.ts";
