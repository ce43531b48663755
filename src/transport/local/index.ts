export { createLocalExecutor } from "./local-executor.ts";
export type { LocalExecutorOptions } from "./local-executor.ts";
