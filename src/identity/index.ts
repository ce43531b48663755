/**
 * The appliance's keys and what they sign: identity and evidence signing keys on disk, request
 * signing (sigauth), the heartbeat signature, and the in-memory credential envelope key pair.
 * @module
 */
export { fingerprint, signingKeyFromSeed } from "./signing-key.ts";
export type { SigningKey } from "./signing-key.ts";
export { loadOrCreateSigningKey } from "./key-file.ts";
export type { LoadedSigningKey, LoadOrCreateOptions } from "./key-file.ts";
export { EnvelopeError, KeyFileError } from "./errors.ts";
export type { EnvelopeAction, KeyFileAction } from "./errors.ts";
export { SIGAUTH_HEADERS, sigauthCanonical, signRequest } from "./sigauth.ts";
export type { SigauthCanonicalInput, SigauthRequest, SignRequestOptions } from "./sigauth.ts";
export { verifySigauth } from "./sigauth-verify.ts";
export type { SigauthHeaderSource, SigauthVerdict, VerifySigauthOptions } from "./sigauth-verify.ts";
export { heartbeatSignature, verifyHeartbeat } from "./heartbeat.ts";
export type { HeartbeatFields } from "./heartbeat.ts";
export { createEnvelopeKeys, sealEnvelope } from "./envelope.ts";
export type { Envelope, EnvelopeKeys, EnvelopeOptions } from "./envelope.ts";
