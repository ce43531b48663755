/**
 * The framework controls each self-check gives evidence for. One table, so a reviewer sees the
 * whole map at once; each id is quoted from its source:
 *
 * - HIPAA: the Security Rule, 45 CFR Part 164 Subpart C (§164.308 administrative, §164.312
 *   technical safeguards).
 * - SOC 2: AICPA Trust Services Criteria (2017, points of focus revised 2022).
 * - PCI DSS: v4.0 (March 2022), Requirement 10 "Log and Monitor All Access to System Components
 *   and Cardholder Data".
 * - NIST CSF: Framework for Improving Critical Infrastructure Cybersecurity v1.1 (April 2018).
 * - CIS: CIS Critical Security Controls v8 (May 2021), safeguard numbers.
 * @module
 */
import type { FrameworkControls } from "../evidence/record.ts";

/** Ids of the self-checks; stable, never reused. */
export type SelfCheckId =
  | "appliance.disk-space"
  | "appliance.clock-offset"
  | "appliance.time-sync"
  | "appliance.agent-version"
  | "appliance.evidence-queue"
  | "appliance.last-checkin";

export const SELF_CHECK_CONTROLS: Readonly<Record<SelfCheckId, Readonly<FrameworkControls>>> = {
  // A full disk stops evidence and logs from being written (field lesson 40).
  "appliance.disk-space": {
    hipaa: ["164.312(b)"], // Audit controls
    soc2: ["A1.1"], // Capacity is maintained, monitored and evaluated
    pci_dss: [
      "10.5.1", // Audit log history is retained (12 months, 3 immediately available)
      "10.7.2", // Failures of critical security control systems (incl. audit logging) are detected
    ],
    nist_csf: [
      "PR.DS-4", // Adequate capacity to ensure availability is maintained
      "PR.PT-1", // Audit/log records are determined, documented, implemented, and reviewed
    ],
    cis: ["8.3"], // Ensure Adequate Audit Log Storage
  },
  // Evidence timestamps are only as good as the clock that wrote them.
  "appliance.clock-offset": {
    hipaa: ["164.312(b)"], // Audit controls
    pci_dss: ["10.6.2"], // Systems are configured to the correct and consistent time
    nist_csf: ["PR.PT-1"], // Audit/log records are determined, documented, implemented, and reviewed
    cis: ["8.4"], // Standardize Time Synchronization
  },
  "appliance.time-sync": {
    hipaa: ["164.312(b)"], // Audit controls
    pci_dss: ["10.6.1"], // System clocks and time are synchronized using time-synchronization technology
    nist_csf: ["PR.PT-1"], // Audit/log records are determined, documented, implemented, and reviewed
    cis: ["8.4"], // Standardize Time Synchronization
  },
  // Which software produced the evidence; a development build must not.
  "appliance.agent-version": {
    hipaa: ["164.312(b)"], // Audit controls: the mechanism that records activity
    soc2: ["CC8.1"], // Changes to infrastructure and software are authorized, tested and approved
    nist_csf: ["ID.AM-2"], // Software platforms and applications are inventoried
    cis: ["2.2"], // Ensure Authorized Software is Currently Supported
  },
  // Evidence that stays on the appliance is neither reviewed centrally nor safe from its loss.
  "appliance.evidence-queue": {
    hipaa: [
      "164.312(b)", // Audit controls
      "164.308(a)(1)(ii)(D)", // Information system activity review
      "164.312(c)(1)", // Integrity
    ],
    soc2: ["CC7.2"], // System components are monitored for anomalies
    pci_dss: [
      "10.3.3", // Audit log files are promptly backed up to a central log server
      "10.5.1", // Audit log history is retained
      "10.7.2", // Failures of critical security control systems are detected
    ],
    nist_csf: ["PR.PT-1"], // Audit/log records are determined, documented, implemented, and reviewed
    cis: ["8.9"], // Centralize Audit Logs
  },
  // An appliance that does not check in is a monitor nobody hears.
  "appliance.last-checkin": {
    hipaa: [
      "164.312(b)", // Audit controls
      "164.308(a)(1)(ii)(D)", // Information system activity review
    ],
    soc2: ["CC7.2"], // System components are monitored for anomalies
    pci_dss: ["10.7.2"], // Failures of critical security control systems are detected and reported
    nist_csf: ["DE.DP-4"], // Event detection information is communicated
    cis: ["13.1"], // Centralize Security Event Alerting
  },
};
