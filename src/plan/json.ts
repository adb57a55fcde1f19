/**
 * The preview report for machines (CI artifacts, bots): the same content as the Markdown comment, with
 * every change's fields in full. Secrets are `[secret]` here as everywhere.
 */
import type { Diagnostic } from "../tenant/diagnostics";
import { type PreviewReport, verdict } from "./report";

export const PREVIEW_JSON_KIND = "quay-gitops/preview";
export const PREVIEW_JSON_VERSION = 1;

export interface PreviewJson {
  kind: typeof PREVIEW_JSON_KIND;
  version: number;
  stack: string;
  valid: true;
  verdict: ReturnType<typeof verdict>;
  checksum: string;
  counts: PreviewReport["plan"]["counts"];
  tenants: PreviewReport["plan"]["tenants"];
  changes: PreviewReport["plan"]["changes"];
  warnings: PreviewReport["warnings"];
  budgets: PreviewReport["budgets"];
  changedFiles: PreviewReport["changedFiles"] | null;
  source: PreviewReport["source"];
  notes: string[];
}

export function previewJson(report: PreviewReport): PreviewJson {
  return {
    kind: PREVIEW_JSON_KIND,
    version: PREVIEW_JSON_VERSION,
    stack: report.stack,
    valid: true,
    verdict: verdict(report),
    checksum: report.checksum,
    counts: report.plan.counts,
    tenants: report.plan.tenants,
    changes: report.plan.changes,
    warnings: report.warnings,
    budgets: report.budgets,
    changedFiles: report.changedFiles ?? null,
    source: report.source,
    notes: report.notes,
  };
}

export function renderPreviewJson(report: PreviewReport): string {
  return `${JSON.stringify(previewJson(report), null, 2)}\n`;
}

/** The JSON when the tenant files do not validate. */
export function renderInvalidJson(stack: string, diagnostics: readonly Diagnostic[]): string {
  const doc = { kind: PREVIEW_JSON_KIND, version: PREVIEW_JSON_VERSION, stack, valid: false, diagnostics };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
