export { TransportError, DEFAULT_MAX_OUTPUT_BYTES } from "./executor.ts";
export type { ExecResult, Executor, RunOptions, TransportErrorKind } from "./executor.ts";
export { createLocalExecutor } from "./local/index.ts";
export type { LocalExecutorOptions } from "./local/index.ts";
export {
  createFileHostKeyStore,
  createMemoryHostKeyStore,
  createSshExecutor,
  createSshPool,
  loginKey,
  sha256Fingerprint,
} from "./ssh/index.ts";
export type { HostKeyStore, SshExecutorOptions, SshLogin, SshPool, SshPoolOptions } from "./ssh/index.ts";
export { privilegedInvocation, shellQuote } from "./privilege.ts";
export type { Privilege } from "./privilege.ts";
