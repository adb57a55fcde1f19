/**
 * The report as Markdown for the nightly job's summary (GitHub's $GITHUB_STEP_SUMMARY, a GitLab
 * artifact). Neither GitHub nor GitLab renders an inline `<svg>` or an `<img src="data:...">` in
 * Markdown (their sanitizers allow only http(s) and relative image sources; docs/report.md), so the
 * same picture comes as a Mermaid bar chart, which both render, and as a table whose bars are text,
 * which renders everywhere, screen readers included.
 */
import { formatBytes } from "../tenant/units";
import { usageOrder } from "./html";
import { STATUS_COLOR, STATUS_LABEL, scaleMaxOf, usageText } from "./svg";
import type { LabReport, MirrorReport, QuotaReport, QuotaStatus, TenantReport } from "./types";

export const reportMarker = (stack: string | null): string =>
  `<!-- quay-gitops:report stack=${stack ?? ""} -->`;

const ICON: Record<QuotaStatus, string> = {
  ok: "🟢",
  warning: "🟠",
  rejecting: "🔴",
  "no-quota": "⚪",
  missing: "⚫",
};

/** Markdown table cells: no pipes or line breaks from data. */
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

const BAR_CELLS = 20;
/** The bars of the Mermaid chart: one colour for all (the status is in the labels). */
const BAR_COLOR = "#0969da";

/**
 * The bar in text: █ used, ░ free, with ╎ at the warning line and ┃ at the reject line, on the same
 * scale as the page's bars.
 */
export function textBar(q: QuotaReport, scaleMax: number): string {
  if (q.percent === null) return "";
  const at = (p: number) =>
    Math.min(BAR_CELLS - 1, Math.floor((Math.min(p, scaleMax) / scaleMax) * BAR_CELLS));
  const filled = Math.round((Math.min(q.percent, scaleMax) / scaleMax) * BAR_CELLS);
  const cells: string[] = Array.from({ length: BAR_CELLS }, (_, i) => (i < filled ? "█" : "░"));
  if (q.warningPercent !== null) cells[at(q.warningPercent)] = "╎";
  if (q.rejectPercent !== null) cells[at(q.rejectPercent)] = "┃";
  return cells.join("");
}

const MIRROR_ICON: Partial<Record<MirrorReport["status"], string>> = {
  failing: "🔴",
  overdue: "🔴",
  cancelled: "🟠",
  missing: "🟠",
};

const MIRROR_WORD: Record<MirrorReport["status"], string> = {
  ok: "ok",
  syncing: "syncing",
  "sync-requested": "sync requested",
  pending: "pending",
  failing: "failing",
  overdue: "behind",
  cancelled: "cancelled",
  disabled: "disabled",
  missing: "missing",
};

function mirrorsText(t: TenantReport): string {
  if (t.mirrors.length === 0) return "—";
  const parts = t.mirrors
    .filter((m) => MIRROR_ICON[m.status])
    .map((m) => `${MIRROR_ICON[m.status]} ${code(m.repository)} ${MIRROR_WORD[m.status]}`);
  const rest = new Map<string, number>();
  for (const m of t.mirrors)
    if (!MIRROR_ICON[m.status]) rest.set(MIRROR_WORD[m.status], (rest.get(MIRROR_WORD[m.status]) ?? 0) + 1);
  if (rest.size) parts.push([...rest].map(([word, n]) => `${n} ${word}`).join(", "));
  return parts.join("<br>");
}

function robotsText(t: TenantReport, staleDays: number): string {
  if (t.robots.length === 0) return "—";
  const stale = t.robots.filter((r) => r.stale).length;
  const never = t.robots.filter((r) => r.status === "never").length;
  const parts = [`${t.robots.length}`];
  if (stale) parts.push(`🟠 ${stale} unused > ${staleDays} d`);
  if (never) parts.push(`${never} never used`);
  return parts.join(" · ");
}

function notesText(t: TenantReport): string {
  const own = t.findings.filter((f) => f.area !== "mirror" && f.area !== "robot" && f.severity !== "info");
  return own.length ? own.map((f) => f.text).join("<br>") : "";
}

/**
 * Mermaid xychart: the share of quota as bars, the warning and reject lines as lines. Mermaid colours
 * a series, not a bar (and draws a zero bar of a later series over the bottom of every bar), so the
 * status is in each tenant's axis label instead, as the same symbol the table uses.
 */
export function mermaidChart(r: LabReport): string | undefined {
  const order = usageOrder(r);
  const byName = new Map(r.tenants.map((t) => [t.tenant, t]));
  const charted = order.map((n) => byName.get(n) as TenantReport).filter((t) => t.quota.percent !== null);
  if (charted.length === 0) return undefined;
  const scaleMax = scaleMaxOf(charted.map((t) => t.quota));
  const reject = (t: TenantReport) => t.quota.rejectPercent ?? 100;
  const palette = [BAR_COLOR, STATUS_COLOR.warning, STATUS_COLOR.rejecting].join(", ");
  return [
    "```mermaid",
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    "xychart-beta",
    `  title "Quota used, % of each tenant's quota (lines: warning, reject)"`,
    `  x-axis [${charted.map((t) => `"${ICON[t.quota.status]} ${t.tenant}"`).join(", ")}]`,
    `  y-axis "% of quota" 0 --> ${scaleMax}`,
    `  bar [${charted.map((t) => Math.round(Math.min(t.quota.percent ?? 0, scaleMax))).join(", ")}]`,
    `  line [${charted.map((t) => t.quota.warningPercent ?? reject(t)).join(", ")}]`,
    `  line [${charted.map(reject).join(", ")}]`,
    "```",
  ].join("\n");
}

export function renderReportMarkdown(r: LabReport): string {
  const order = usageOrder(r);
  const byName = new Map(r.tenants.map((t) => [t.tenant, t]));
  const scaleMax = scaleMaxOf(r.tenants.map((t) => t.quota));
  const q = r.totals.quota;
  const headline = [
    `**${r.totals.tenants} ${r.totals.tenants === 1 ? "tenant" : "tenants"}**`,
    `🔴 ${q.rejecting} rejecting pushes`,
    `🟠 ${q.warning} past the warning line`,
    `${r.totals.mirrorsFailing} ${r.totals.mirrorsFailing === 1 ? "mirror" : "mirrors"} failing or behind`,
    `${r.totals.robotsStale} ${r.totals.robotsStale === 1 ? "robot" : "robots"} unused for over ${r.staleRobotDays} days`,
  ].join(" · ");
  const lines = [
    reportMarker(r.stack),
    `## Quay lab report${r.stack ? ` · stack ${code(r.stack)}` : ""}`,
    "",
    headline,
    "",
    `<sub>${cell(r.quayUrl)} · read ${r.generatedAt.replace("T", " ").replace("Z", " UTC")} · ${r.requests.total} requests${
      r.drift ? ` · drift: ${cell(r.drift)}` : ""
    }</sub>`,
    "",
  ];
  const chart = mermaidChart(r);
  if (chart) lines.push(chart, "");
  lines.push(
    "| Tenant | Usage (╎ warning, ┃ reject) | Status | Mirrors | Robots | Notes |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  for (const n of order) {
    const t = byName.get(n) as TenantReport;
    const bar = textBar(t.quota, scaleMax);
    lines.push(
      `| ${cell(t.tenant)} | ${bar ? `${code(bar)} ` : ""}${cell(usageText(t.quota))} | ${ICON[t.quota.status]} ${STATUS_LABEL[t.quota.status]} | ${mirrorsText(t)} | ${robotsText(t, r.staleRobotDays)} | ${cell(notesText(t))} |`,
    );
  }
  lines.push("", "<details><summary>Mirrors, robots and largest repositories per tenant</summary>", "");
  for (const n of order) {
    const t = byName.get(n) as TenantReport;
    lines.push(`#### ${t.tenant}`, "");
    for (const f of t.findings)
      lines.push(
        `- ${f.severity === "problem" ? "🔴" : f.severity === "attention" ? "🟠" : "ℹ️"} ${cell(f.text)}`,
      );
    if (t.largestRepositories.length)
      lines.push(
        `- largest repositories: ${t.largestRepositories.map((x) => `${code(x.name)} ${formatBytes(x.bytes)}`).join(", ")}`,
      );
    if (t.findings.length === 0 && t.largestRepositories.length === 0) lines.push("- nothing to note");
    lines.push("");
  }
  lines.push("</details>", "");
  if (r.otherOrganizations.length > 0) {
    lines.push(
      `Organizations without a tenant file: ${r.otherOrganizations
        .map(
          (o) =>
            `${code(o.organization)} ${cell(usageText(o.quota))}${o.quota.status === "rejecting" || o.quota.status === "warning" ? ` ${ICON[o.quota.status]}` : ""}`,
        )
        .join(", ")}`,
      "",
    );
  }
  for (const n of r.notes) lines.push(`> ${cell(n)}`, "");
  return `${lines.join("\n")}\n`;
}
