/** The lab report (docs/report.md): judging what Quay holds, and drawing it. Pure: no I/O. */
export {
  type BuildOptions,
  buildLabReport,
  mirrorReport,
  quotaReport,
  quotaSeverity,
  robotReport,
} from "./build";
export { type DriftSummary, parseDriftJson } from "./drift";
export { renderReportHtml, sortKey, usageOrder } from "./html";
export { renderReportJson } from "./json";
export { mermaidChart, renderReportMarkdown, reportMarker, textBar } from "./markdown";
export { chartSvg, scaleMaxOf, usageText } from "./svg";
export * from "./types";
export { renderReportText } from "./text";
