/** @noble/ed25519 v3's synchronous API needs a SHA-512: wire it once for cross-check tests. */
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";

ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(sha512(m));
