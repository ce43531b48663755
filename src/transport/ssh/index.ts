export { createSshExecutor } from "./ssh-executor.ts";
export type { SshExecutorOptions } from "./ssh-executor.ts";
export { createFileHostKeyStore, createMemoryHostKeyStore, sha256Fingerprint } from "./host-key-store.ts";
export type { HostKeyStore } from "./host-key-store.ts";
export { createSshPool, loginKey } from "./ssh-pool.ts";
export type { SshLogin, SshPool, SshPoolOptions } from "./ssh-pool.ts";
