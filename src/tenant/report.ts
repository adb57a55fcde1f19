/**
 * Renderers of a diagnostics list: one value, several formats (terminal, GitHub annotations, JSON).
 * Pure: they return text; the CLI writes it.
 */
import { countDiagnostics, type Diagnostic, type DiagnosticCounts } from "./diagnostics";

export type ReportFormat = "text" | "json" | "github";

export interface ReportSummary extends DiagnosticCounts {
  /** Tenant files found. */
  tenants: number;
  valid: boolean;
}

export function summarize(diagnostics: readonly Diagnostic[], tenants: number): ReportSummary {
  const counts = countDiagnostics(diagnostics);
  return { ...counts, tenants, valid: counts.errors === 0 };
}

/** `file:line:col: severity: message [CODE]` per diagnostic, then one summary line. */
export function renderText(diagnostics: readonly Diagnostic[], summary: ReportSummary): string {
  const lines = diagnostics.map(
    (d) => `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`,
  );
  const parts = [
    plural(summary.errors, "error"),
    plural(summary.warnings, "warning"),
    plural(summary.notices, "notice"),
  ];
  lines.push(
    `${summary.valid ? "valid" : "invalid"}: ${plural(summary.tenants, "tenant file")} checked, ${parts.join(", ")}`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request's
 * diff. Property values and messages are escaped as the runner expects (%, CR, LF, and in
 * properties also : and ,).
 */
export function renderGithub(diagnostics: readonly Diagnostic[], summary: ReportSummary): string {
  const lines = diagnostics.map((d) => {
    const command = d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "notice";
    const props = `file=${escapeProperty(d.file)},line=${d.line},col=${d.column},title=${escapeProperty(d.code)}`;
    return `::${command} ${props}::${escapeData(d.message)}`;
  });
  lines.push(
    `${summary.valid ? "valid" : "invalid"}: ${plural(summary.tenants, "tenant file")} checked, ${plural(summary.errors, "error")}, ${plural(summary.warnings, "warning")}, ${plural(summary.notices, "notice")}`,
  );
  return `${lines.join("\n")}\n`;
}

export interface JsonReport {
  valid: boolean;
  summary: ReportSummary;
  diagnostics: Diagnostic[];
}

export function renderJson(diagnostics: readonly Diagnostic[], summary: ReportSummary): string {
  const report: JsonReport = { valid: summary.valid, summary, diagnostics: [...diagnostics] };
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function render(
  format: ReportFormat,
  diagnostics: readonly Diagnostic[],
  summary: ReportSummary,
): string {
  switch (format) {
    case "json":
      return renderJson(diagnostics, summary);
    case "github":
      return renderGithub(diagnostics, summary);
    default:
      return renderText(diagnostics, summary);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
