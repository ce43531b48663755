/**
 * A self-signed TLS certificate for localhost made by openssl, with the SHA-256 of its public
 * key (SPKI) computed by openssl too — an independent answer for pinning tests.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCert {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /** sha256 hex of the DER SubjectPublicKeyInfo, as `tls_pin_hash` wants it. */
  spkiSha256: string;
}

/** Writes `cert.pem` and `key.pem` into `dir` (an EC P-256 key, valid two days). */
export function makeTestCert(dir: string): TestCert {
  const run = (cmd: string) => {
    const r = Bun.spawnSync(["sh", "-c", cmd], { cwd: dir, stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${cmd}: ${r.stderr.toString()}`);
    return r.stdout.toString();
  };
  run(
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost " +
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout key.pem -out cert.pem",
  );
  const spkiSha256 = run("openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der | sha256sum").split(" ")[0]!;
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), spkiSha256 };
}
