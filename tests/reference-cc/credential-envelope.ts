/**
 * The credential envelope: target credentials sealed to the appliance's X25519 key with a NaCl
 * box from a fresh ephemeral key pair (X25519 + XSalsa20-Poly1305). The 24-byte nonce travels
 * separately, not prefixed to the ciphertext, as in CC's `credential_envelope.py`.
 * @module
 */
import nacl from "tweetnacl";
import { bytesToHex, hexToBytes, utf8ToBytes } from "./crypto.ts";

/** `encrypted_credentials` in the check-in response; all fields lower hex. */
export interface EncryptedCredentials {
  ephemeral_public_key: string;
  nonce: string;
  ciphertext: string;
}

/** Seals the JSON of `plaintext` to `recipientPublicKeyHex` (32-byte X25519, hex). */
export function sealCredentials(plaintext: unknown, recipientPublicKeyHex: string): EncryptedCredentials {
  const ephemeral = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const ciphertext = nacl.box(
    utf8ToBytes(JSON.stringify(plaintext)),
    nonce,
    hexToBytes(recipientPublicKeyHex),
    ephemeral.secretKey,
  );
  return {
    ephemeral_public_key: bytesToHex(ephemeral.publicKey),
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(ciphertext),
  };
}
