/**
 * Reference Central Command: a protocol-faithful fake CC for tests and demos, plus a
 * test-side appliance client. Never shipped in the agent.
 * @module
 */
export { createReferenceCC, type CreateReferenceCCOptions, type ReferenceCC } from "./server.ts";
export { startReferenceCC, type RunningReferenceCC, type StartReferenceCCOptions } from "./serve.ts";
export { CCState, type ApplianceRecord, type QueueOrderRequest, type ReferenceCCOptions } from "./state.ts";
export type { OrderEnvelope, OrderRequest, OrderTamper } from "./envelope.ts";
export type { OrderCompletion } from "./orders.ts";
export type { DeliveredRecord, DeliveryContent, RefusalStatus, StoredBundle } from "./evidence-chain.ts";
export type { RecordedCheckin, RecordedRekey, RecordedRequest, SigauthRejection } from "./records.ts";
export type { LinuxTarget, SiteConfig, WindowsTarget } from "./site-config.ts";
export type { RouteName } from "./route-names.ts";
export type { FailNextOptions, FailurePhase } from "./faults.ts";
export type { SigauthReason, SigauthVerdict } from "./sigauth.ts";
export type { EncryptedCredentials } from "./credential-envelope.ts";
export { canonicalRequestBytes, SIGAUTH_HEADERS } from "./sigauth.ts";
export { pythonJsonDumps } from "./python-json.ts";
export { pythonIsoformat, sigauthTimestamp } from "./python-time.ts";
export { heartbeatDigest } from "./heartbeat.ts";
export { waitFor } from "./wait-for.ts";
export {
  createTestAppliance,
  deliveryBody,
  TestAppliance,
  type DeliveryRecordInput,
  type EvidenceBody,
  type SendOptions,
  type TestApplianceOptions,
} from "./client.ts";
