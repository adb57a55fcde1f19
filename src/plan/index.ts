/**
 * Planning: the engine's events → a plan per tenant and object (events.ts), judged (safety.ts), hashed
 * (checksum.ts) and rendered (markdown.ts, json.ts, text.ts); drift from a refresh preview (drift.ts),
 * attributed from Quay's audit logs (attribution.ts) and rendered (drift-render.ts). Pure throughout.
 */
export {
  type AttributionInput,
  type AuditEntry,
  attribute,
  type LogSource,
  logSourcesFor,
  sourceKey,
} from "./attribution";
export { canonicalPlan, normalizeChecksum, planChecksum } from "./checksum";
export {
  type Attribution,
  type DriftedObject,
  type DriftField,
  type DriftReport,
  driftFromEvents,
  hasDrift,
} from "./drift";
export {
  actorText,
  driftMarker,
  renderDriftJson,
  renderDriftMarkdown,
  renderDriftText,
} from "./drift-render";
export { type EngineEventLike, planFromEvents, type StepMetadata } from "./events";
export { previewJson, renderInvalidJson, renderPreviewJson } from "./json";
export { checksumMarker, previewMarker, renderInvalidMarkdown, renderPreviewMarkdown } from "./markdown";
export {
  buildPreviewReport,
  type ChangedFile,
  changedTenants,
  type FileStatus,
  type PreviewReport,
  type ReportSource,
  verdict,
} from "./report";
export {
  type BudgetCheck,
  type BudgetStatus,
  checkBudgets,
  type PlanWarning,
  type PublicAllowance,
  planWarnings,
  publicAllowance,
} from "./safety";
export { changeLine, type DoneChange, doneCounts, doneLine, renderPreviewText } from "./text";
export * from "./types";
export { redactText, SECRET_TEXT, sanitize } from "./values";
