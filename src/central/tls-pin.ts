/**
 * SPKI pinning for every call to Central Command: the server's certificate must chain to a
 * trusted CA *and* carry the pinned public key. The pin is never dropped after failures (the
 * previous generation deleted its pin after three failures, a downgrade an attacker can force).
 * @module
 */
import { createHash, X509Certificate } from "node:crypto";
import { checkServerIdentity } from "node:tls";

/** sha256 hex of the DER SubjectPublicKeyInfo of a DER certificate. */
export function spkiSha256(certDer: Uint8Array): string {
  const spki = new X509Certificate(certDer).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}

/** A `checkServerIdentity` that keeps the normal host-name check and adds the pin. */
export function pinnedServerIdentity(pinHex: string) {
  const pin = pinHex.toLowerCase();
  return (host: string, cert: { raw: Uint8Array }): Error | undefined => {
    const hostError = checkServerIdentity(host, cert as never);
    if (hostError) return hostError;
    const actual = spkiSha256(cert.raw);
    if (actual !== pin) {
      return Object.assign(new Error(`TLS pin mismatch for "${host}": server key sha256 ${actual}, pinned ${pin}`), {
        code: "ERR_TLS_PIN_MISMATCH",
      });
    }
    return undefined;
  };
}
