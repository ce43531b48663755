export { TargetInventory } from "./targets.ts";
export type { LinuxTarget, TargetSet, WindowsRole, WindowsTarget } from "./targets.ts";
