/**
 * Tenant and registry files → the desired-state model. See docs/tenants.md for the format and
 * load.ts for the stages.
 */
export {
  compareDiagnostics,
  countDiagnostics,
  DIAGNOSTIC_CODES,
  type Diagnostic,
  type DiagnosticCode,
  type Severity,
  sortDiagnostics,
} from "./diagnostics";
export { TenantInvalidError } from "./errors";
export { type LoadOptions, loadDesiredState } from "./fs";
export {
  DEFAULT_REGISTRY_FILE,
  DEFAULT_TENANTS_DIR,
  type LoadFilesInput,
  type LoadResult,
  type LoadSourcesInput,
  loadDesiredStateFromFiles,
  loadFromSources,
  type SourceFile,
  selectTenantFiles,
} from "./load";
export { type ReportFormat, type ReportSummary, render, summarize } from "./report";
