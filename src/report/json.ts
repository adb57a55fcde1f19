import type { LabReport } from "./types";

/** The report as JSON (`--json`): the `LabReport` itself, `kind: quay-gitops/report`, `version: 1`. */
export function renderReportJson(r: LabReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
