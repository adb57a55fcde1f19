/**
 * The report as one self-contained HTML page (`--html`): no request leaves it (a Content-Security-Policy
 * allows only its own inline style and script, by hash), so it works opened from a CI artifact or a
 * mail. A table with one row per tenant: its bar against the warning and reject lines, the status in
 * words, and its mirror and robot findings beside it; the Tenant and Usage headers sort the rows.
 */
import { createHash } from "node:crypto";
import { formatBytes } from "../tenant/units";
import {
  barLabel,
  escapeXml as esc,
  STATUS_COLOR,
  STATUS_LABEL,
  scaleMaxOf,
  usageBar,
  usageText,
} from "./svg";
import type { Finding, LabReport, MirrorReport, QuotaStatus, RobotReport, TenantReport } from "./types";

/** Tenant names, most used share of quota first; tenants without a quota or organization last. */
export function usageOrder(report: LabReport): string[] {
  return [...report.tenants]
    .sort((a, b) => sortKey(b) - sortKey(a) || (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0))
    .map((t) => t.tenant);
}

/** The value the Usage column sorts by: the share of the quota; no quota and no organization below 0. */
export function sortKey(t: TenantReport): number {
  if (t.quota.status === "missing") return -2;
  return t.quota.percent ?? -1;
}

const MIRROR_WORD: Record<MirrorReport["status"], string> = {
  ok: "OK",
  syncing: "Syncing",
  "sync-requested": "Sync requested",
  pending: "Pending",
  failing: "Failing",
  overdue: "Behind",
  cancelled: "Cancelled",
  disabled: "Disabled",
  missing: "Missing",
};

const MIRROR_CLASS: Record<MirrorReport["status"], string> = {
  ok: "good",
  syncing: "good",
  "sync-requested": "good",
  pending: "neutral",
  failing: "bad",
  overdue: "bad",
  cancelled: "warn",
  disabled: "neutral",
  missing: "warn",
};

const STATUS_CLASS: Record<QuotaStatus, string> = {
  ok: "good",
  warning: "warn",
  rejecting: "bad",
  "no-quota": "neutral",
  missing: "neutral",
};

const day = (isoDate: string | null): string => (isoDate ? isoDate.slice(0, 10) : "");

function mirrorsCell(t: TenantReport): string {
  if (t.mirrors.length === 0) return `<span class="muted">no mirrors</span>`;
  const items = t.mirrors.map(
    (m) =>
      `<li><span class="tag ${MIRROR_CLASS[m.status]}">${MIRROR_WORD[m.status]}</span> <code>${esc(m.repository)}</code>: ${esc(m.text)}</li>`,
  );
  return `<ul class="plain">${items.join("")}</ul>`;
}

function robotLine(r: RobotReport): string {
  const ago = r.idleDays === 0 ? "today" : r.idleDays === 1 ? "1 day ago" : `${r.idleDays} days ago`;
  const used = r.lastUsed ? `last used ${day(r.lastUsed)} (${ago})` : "never used";
  const cls = r.stale ? "bad" : r.status === "never" ? "warn" : "good";
  const word = r.stale ? "Stale" : r.status === "never" ? "Never used" : "In use";
  return `<li><span class="tag ${cls}">${word}</span> <code>${esc(r.name)}</code>: ${used}${r.declared ? "" : ' <span class="muted">(not in the tenant file)</span>'}</li>`;
}

function robotsCell(t: TenantReport, staleDays: number): string {
  if (t.robots.length === 0) return `<span class="muted">no robots</span>`;
  const never = t.robots.filter((r) => r.status === "never").length;
  const stale = t.robots.filter((r) => r.stale).length;
  const parts = [`${t.robots.length} ${t.robots.length === 1 ? "robot" : "robots"}`];
  if (stale) parts.push(`<strong>${stale} unused for over ${staleDays} days</strong>`);
  if (never) parts.push(`${never} never used`);
  return `<details><summary>${parts.join(" · ")}</summary><ul class="plain">${t.robots.map(robotLine).join("")}</ul></details>`;
}

const FINDING_CLASS: Record<Finding["severity"], string> = {
  problem: "bad",
  attention: "warn",
  info: "neutral",
};

function notesCell(t: TenantReport): string {
  const own = t.findings.filter((f) => f.area !== "mirror" && f.area !== "robot");
  if (own.length === 0) return `<span class="muted">nothing to note</span>`;
  return `<ul class="plain">${own
    .map((f) => `<li class="${FINDING_CLASS[f.severity]}-text">${esc(f.text)}</li>`)
    .join("")}</ul>`;
}

function tenantRow(t: TenantReport, scaleMax: number, staleDays: number): string {
  const q = t.quota;
  const largest = t.largestRepositories.length
    ? `<div class="small">largest: ${t.largestRepositories
        .slice(0, 3)
        .map((r) => `<code>${esc(r.name)}</code> ${formatBytes(r.bytes)}`)
        .join(", ")}</div>`
    : "";
  const contacts = t.contacts.length
    ? `<div class="small">${t.contacts.map((c) => `<a href="mailto:${esc(c)}">${esc(c)}</a>`).join(", ")}</div>`
    : "";
  const org =
    t.organization !== t.tenant
      ? `<div class="small">organization <code>${esc(t.organization)}</code></div>`
      : "";
  return [
    `<tr data-tenant="${esc(t.tenant)}" data-percent="${sortKey(t)}" data-status="${q.status}">`,
    `<th scope="row"><span class="name">${esc(t.tenant)}</span>${org}${contacts}<div class="small muted">${esc(t.file)}</div></th>`,
    `<td class="usage">${usageBar(t.tenant, q, scaleMax)}<div class="usage-text">${esc(usageText(q))}</div>${lineText(t)}${largest}</td>`,
    `<td><span class="tag ${STATUS_CLASS[q.status]} status">${STATUS_LABEL[q.status]}</span></td>`,
    `<td>${mirrorsCell(t)}</td>`,
    `<td>${robotsCell(t, staleDays)}</td>`,
    `<td>${notesCell(t)}</td>`,
    "</tr>",
  ].join("");
}

function lineText(t: TenantReport): string {
  const q = t.quota;
  const parts: string[] = [];
  if (q.warningPercent !== null) parts.push(`warns at ${q.warningPercent}%`);
  if (q.rejectPercent !== null) parts.push(`rejects at ${q.rejectPercent}%`);
  return parts.length ? `<div class="small muted">${parts.join(" · ")}</div>` : "";
}

const STYLE = `
:root { color-scheme: light; --good: ${STATUS_COLOR.ok}; --warn: ${STATUS_COLOR.warning}; --bad: ${STATUS_COLOR.rejecting}; --neutral: ${STATUS_COLOR["no-quota"]}; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1f2328; background: #f6f8fa; margin: 0; padding: 24px; }
main { max-width: 1400px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #57606a; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 16px; padding: 0; list-style: none; }
.cards li { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.cards strong { display: block; font-size: 22px; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; margin: 8px 0 12px; color: #57606a; }
.legend svg { vertical-align: middle; margin-right: 4px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; }
caption { text-align: left; font-weight: 600; padding: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-top: 1px solid #d0d7de; }
thead th { background: #f6f8fa; white-space: nowrap; }
thead th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: #0969da; }
thead th button:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
thead th[aria-sort="ascending"] button::after { content: " \\25B2"; }
thead th[aria-sort="descending"] button::after { content: " \\25BC"; }
tbody th { font-weight: normal; min-width: 160px; }
.name { font-weight: 600; font-size: 15px; }
.small { font-size: 12px; }
.muted { color: #57606a; }
.usage { min-width: 280px; }
.usage-text { font-variant-numeric: tabular-nums; }
.tag { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.tag.good { background: var(--good); } .tag.warn { background: var(--warn); } .tag.bad { background: var(--bad); } .tag.neutral { background: var(--neutral); }
.bad-text { color: var(--bad); } .warn-text { color: var(--warn); } .neutral-text { color: #57606a; }
ul.plain { margin: 0; padding: 0; list-style: none; } ul.plain li { margin: 0 0 4px; }
details summary { cursor: pointer; }
code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 12px; background: #eff2f5; padding: 0 3px; border-radius: 3px; }
footer { color: #57606a; margin-top: 24px; font-size: 12px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

const SCRIPT = `(() => {
  const table = document.getElementById("tenants");
  if (!table) return;
  const body = table.tBodies[0];
  const live = document.getElementById("sort-status");
  const heads = Array.from(table.querySelectorAll("thead th[data-sort]"));
  const keyOf = { usage: (row) => Number(row.dataset.percent), tenant: (row) => row.dataset.tenant };
  const words = { usage: "usage", tenant: "tenant name" };
  function sort(by, dir) {
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = keyOf[by](a);
      const y = keyOf[by](b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return dir === "ascending" ? c : -c;
      return a.dataset.tenant < b.dataset.tenant ? -1 : 1;
    });
    for (const row of rows) body.appendChild(row);
    for (const h of heads) h.setAttribute("aria-sort", h.dataset.sort === by ? dir : "none");
    live.textContent = "Sorted by " + words[by] + ", " + dir + ".";
  }
  for (const h of heads) {
    h.querySelector("button").addEventListener("click", () => {
      const now = h.getAttribute("aria-sort");
      const first = h.dataset.sort === "usage" ? "descending" : "ascending";
      const dir = now === "none" ? first : now === "descending" ? "ascending" : "descending";
      sort(h.dataset.sort, dir);
    });
  }
})();`;

const hash = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

function legend(): string {
  const swatch = (s: QuotaStatus) =>
    `<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="${STATUS_COLOR[s]}"/></svg>${STATUS_LABEL[s]}</span>`;
  const line = (dash: boolean, color: string, text: string) =>
    `<span><svg width="8" height="16" aria-hidden="true"><line x1="4" x2="4" y1="0" y2="16" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="3 2"' : ""}/></svg>${text}</span>`;
  return `<div class="legend" aria-label="Legend">${(["ok", "warning", "rejecting", "no-quota"] as const)
    .map(swatch)
    .join(
      "",
    )}${line(true, STATUS_COLOR.warning, "warning line")}${line(false, STATUS_COLOR.rejecting, "reject line")}</div>`;
}

function cards(r: LabReport): string {
  const q = r.totals.quota;
  const card = (n: number, text: string) => `<li><strong>${n}</strong>${esc(text)}</li>`;
  return `<ul class="cards">${[
    card(r.totals.tenants, r.totals.tenants === 1 ? "tenant" : "tenants"),
    card(q.rejecting, "rejecting pushes"),
    card(q.warning, "past the warning line"),
    card(r.totals.mirrorsFailing, "mirrors failing or behind"),
    card(r.totals.robotsStale, `robots unused for over ${r.staleRobotDays} days`),
  ].join("")}</ul>`;
}

function othersTable(r: LabReport): string {
  if (r.otherOrganizations.length === 0) return "";
  const rows = r.otherOrganizations
    .map(
      (o) =>
        `<tr><th scope="row"><code>${esc(o.organization)}</code></th><td>${esc(usageText(o.quota))}</td><td><span class="tag ${STATUS_CLASS[o.quota.status]}">${STATUS_LABEL[o.quota.status]}</span></td></tr>`,
    )
    .join("");
  return `<h2 id="others">Organizations without a tenant file</h2>
<table><caption class="visually-hidden">Organizations in Quay that no tenant file manages</caption>
<thead><tr><th scope="col">Organization</th><th scope="col">Usage</th><th scope="col">Status</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReportHtml(r: LabReport): string {
  const order = usageOrder(r);
  const byName = new Map(r.tenants.map((t) => [t.tenant, t]));
  const scaleMax = scaleMaxOf(r.tenants.map((t) => t.quota));
  const rows = order
    .map((n) => tenantRow(byName.get(n) as TenantReport, scaleMax, r.staleRobotDays))
    .join("\n");
  const title = `Quay lab report${r.stack ? ` · ${r.stack}` : ""}`;
  const csp = [
    "default-src 'none'",
    `style-src ${hash(STYLE)}`,
    `script-src ${hash(SCRIPT)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const notes = r.notes.length
    ? `<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`
    : "";
  const chartSummary = order.map((n) => barLabel(n, (byName.get(n) as TenantReport).quota)).join(". ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="quay-gitops report">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${esc(title)}</h1>
<p class="meta">${esc(r.quayUrl)} · read ${esc(r.generatedAt.replace("T", " ").replace("Z", " UTC"))}${r.drift ? ` · drift: ${esc(r.drift)}` : ""}</p>
${cards(r)}
${legend()}
<table id="tenants" aria-describedby="chart-summary">
<caption>Quota usage per tenant against its warning and reject lines, with its mirrors and robots</caption>
<thead><tr>
<th scope="col" data-sort="tenant" aria-sort="none"><button type="button">Tenant</button></th>
<th scope="col" data-sort="usage" aria-sort="descending"><button type="button">Usage</button></th>
<th scope="col">Status</th>
<th scope="col">Mirrors</th>
<th scope="col">Robots</th>
<th scope="col">Notes</th>
</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p id="chart-summary" class="visually-hidden">${esc(chartSummary)}</p>
<p id="sort-status" class="visually-hidden" role="status" aria-live="polite"></p>
${othersTable(r)}
${notes}
<footer>quay-gitops report · ${r.requests.total} requests to Quay · robots count as stale after ${r.staleRobotDays} days without use · no external resources: this page loads nothing</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
