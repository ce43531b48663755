/**
 * Evidence export for auditors: a period's signed records as JSON lines, the public key, an
 * HTML summary per framework control, a README and a standalone verifier.
 * @module
 */
export { exportEvidence, VERIFIER_SOURCE } from "./export.ts";
export type { ExportOptions } from "./export.ts";
export { collectExport, describeChain, EXPORT_FILES, EXPORT_FORMAT } from "./collect.ts";
export type { CollectOptions, ExportContents, ExportFile, ExportSummary } from "./collect.ts";
export { parsePeriod } from "./period.ts";
export type { Period } from "./period.ts";
export { assertExportDir, writeExportDir } from "./write-dir.ts";
export { buildReportModel, FRAMEWORK_LABELS } from "./report-model.ts";
export type { ReportContext, ReportModel } from "./report-model.ts";
export { renderReport } from "./report-html.ts";
export { publicKeyFingerprint, publicKeyPem } from "./public-key.ts";
