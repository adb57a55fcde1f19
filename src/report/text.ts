import { usageOrder } from "./html";
import { STATUS_LABEL, usageText } from "./svg";
import type { LabReport, TenantReport } from "./types";

/** The report in the job log: one line per tenant, then its problems and points of attention. */
export function renderReportText(r: LabReport): string {
  const byName = new Map(r.tenants.map((t) => [t.tenant, t]));
  const width = Math.max(6, ...r.tenants.map((t) => t.tenant.length));
  const lines = [
    `Quay lab report${r.stack ? ` (stack ${r.stack})` : ""}: ${r.totals.tenants} ${r.totals.tenants === 1 ? "tenant" : "tenants"}, ${r.totals.quota.rejecting} rejecting pushes, ${r.totals.quota.warning} past the warning line, ${r.totals.mirrorsFailing} ${r.totals.mirrorsFailing === 1 ? "mirror" : "mirrors"} failing or behind, ${r.totals.robotsStale} ${r.totals.robotsStale === 1 ? "robot" : "robots"} unused for over ${r.staleRobotDays} days (${r.requests.total} requests)`,
  ];
  for (const n of usageOrder(r)) {
    const t = byName.get(n) as TenantReport;
    lines.push(
      `  ${t.tenant.padEnd(width)}  ${STATUS_LABEL[t.quota.status].padEnd(16)}  ${usageText(t.quota)}`,
    );
    for (const f of t.findings) if (f.severity !== "info") lines.push(`  ${"".padEnd(width)}  - ${f.text}`);
  }
  if (r.drift) lines.push(`drift: ${r.drift}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return `${lines.join("\n")}\n`;
}
