/**
 * README.txt of an export: what each file is, how to verify the records, and what that
 * verification does and does not establish.
 * @module
 */

/** The facts the README states about one export. */
export interface ReadmeFacts {
  siteIds: string[];
  period: { from: string; to: string; start: string; end: string };
  records: number;
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  /** The position before the first record, which is not in the export. */
  previous: { seq: number; hash: string } | null;
  pruned: number;
  outsidePeriod: number;
  keyFingerprint: string;
  chain: { ok: boolean; text: string };
  generatedAt: string;
  exporterVersion: string;
  verifierSha256: string;
}

/** The README text (plain ASCII-friendly text, lines under 100 characters). */
export function renderReadme(f: ReadmeFacts): string {
  const hashOnly = f.pruned + f.outsidePeriod;
  return `COMPLIANCE EVIDENCE EXPORT
==========================

Site:            ${f.siteIds.join(", ") || "-"}
Period:          ${f.period.from} to ${f.period.to}
                 (records created from ${f.period.start} up to, not including, ${f.period.end})
Records:         ${f.records}, seq ${f.firstSeq} to ${f.lastSeq}${hashOnly ? `, plus ${hashOnly} position(s) listed by hash only` : ""}
Key fingerprint: ${f.keyFingerprint}
Exported:        ${f.generatedAt} by compliance-agent ${f.exporterVersion}
Chain check:     ${f.chain.ok ? "intact" : "BROKEN"} on the appliance at export time, whole chain:
                 ${f.chain.text}


FILES

records.jsonl    One JSON object per line, in chain order (seq ascending):
                   {"seq":N,"hash":"...","signature":"...","canonical":"..."}
                 "canonical" is the record exactly as it was hashed and signed (RFC 8785 JSON,
                 carried verbatim as a string, never re-serialised); "hash" is the SHA-256 of its
                 UTF-8 bytes in hex; "signature" is the Ed25519 signature of those bytes in hex.
                 Positions whose record is not included carry only their hash, so that the link
                 from the next record can still be checked:
                   {"seq":N,"hash":"...","pruned":true}          deleted on the appliance by
                                                                 retention after Central Command
                                                                 received it (only a tombstone
                                                                 with its hash remains)
                   {"seq":N,"hash":"...","outside_period":true}  inside the exported range but
                                                                 dated outside the period (the
                                                                 appliance's clock was changed)
chain.json       Where this export sits in the chain: first_seq, last_seq, last_hash, the
                 number of lines, and "previous": ${
                   f.previous
                     ? `the position just before the first record (seq ${f.previous.seq})
                 and the hash the first record's prev_hash must equal. That record is NOT part
                 of this export.`
                     : `null: the export starts at the chain's first
                 record, whose prev_hash is 64 zeros.`
                 }
public-key.txt   The evidence public key (Ed25519, 32 bytes, hex) the records are signed with.
public-key.pem   The same key as an SPKI PEM, for OpenSSL and other tools.
report.html      A printable summary per framework control (HIPAA, SOC 2, PCI DSS, NIST CSF,
                 CIS): checks run, failures, remediations and items still open at the end of
                 the period. It is generated from records.jsonl and is not itself signed.
verify.mjs       A standalone verifier (no dependencies, no network).
README.txt       This file.


HOW TO VERIFY

In this directory, with any one of these installed:

    bun verify.mjs
    node verify.mjs                      (Node.js 20 or later)
    deno run --allow-read verify.mjs

It prints a summary and exits 0 when every check passes; at the first failure it prints the
seq, the bundle_id and the reason, and exits 1. For every line of records.jsonl it checks that:
  - the SHA-256 of the canonical text equals "hash";
  - the Ed25519 signature over the canonical bytes verifies with public-key.txt (RFC 8032);
  - the canonical text is in RFC 8785 canonical form (parsed and re-canonicalized, byte-equal);
  - the record's own "seq" equals its line's seq, and seqs run without gaps;
  - the record's "prev_hash" equals the "hash" of the line before it (record or hash-only);
and that the first and last positions are those chain.json names, with the first record's
prev_hash equal to chain.json's "previous" hash (or 64 zeros when the export starts at seq 1).

Then compare the key fingerprint it prints (${f.keyFingerprint}) with the one Central Command
holds for this appliance.


WHAT A PASSING VERIFICATION PROVES

  - Integrity and origin: every record is byte for byte what was signed by the holder of the
    private key matching public-key.txt.
  - Order and completeness between seq ${f.firstSeq} and seq ${f.lastSeq}: no record inside that range
    was altered, inserted, removed or reordered after it was signed; positions carried by hash
    only are vouched for by the signed prev_hash of the record after them.

WHAT IT DOES NOT PROVE

  - That the key is the appliance's genuine evidence key. Check that out of band: compare the
    fingerprint with the one Central Command holds (or with earlier exports). Anyone can sign
    records with a key of their own and ship that key with them.
  - That nothing is missing at either end. Records before seq ${f.firstSeq} and after seq ${f.lastSeq} are
    not included. To join exports, check that this export's first prev_hash (chain.json
    "previous") equals the previous export's last_hash, and that the next export's first
    prev_hash equals this last_hash (${f.lastHash}).
    Central Command's receipts give chain positions to compare with, too.
  - The content of pruned records (only their hashes remain), or anything about positions
    outside the export's range.
  - That the checks were right or the appliance's clock was correct: times are the appliance's
    own statements (each record carries its clock facts), and "created" times select the
    period. Ordering by seq does not depend on the clock.
  - Anything in report.html that you have not checked against records.jsonl.
  - That verify.mjs itself is honest: it came with the export. To rely on your own tools
    instead, its checks can be repeated with sha256sum and OpenSSL (public-key.pem), or
    verify.mjs can be compared with src/evidence/export/verify.generated.mjs in the
    compliance-agent ${f.exporterVersion} source. Its SHA-256: ${f.verifierSha256}
`;
}
