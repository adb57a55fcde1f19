/**
 * The report's picture: one bar per tenant, its usage against its warning and reject lines, coloured
 * by status. `usageBar` draws one row (the HTML page puts one in each table row, so sorting the table
 * moves the bars); `chartSvg` stacks them into one standalone SVG (`--svg`). Plain SVG 1.1 text, no
 * script, no external reference, no font file: it renders the same in a browser and in an image viewer.
 */
import { formatBytes } from "../tenant/units";
import type { LabReport, QuotaReport, QuotaStatus } from "./types";

export const STATUS_COLOR: Record<QuotaStatus, string> = {
  ok: "#1a7f37",
  warning: "#9a6700",
  rejecting: "#cf222e",
  "no-quota": "#6e7781",
  missing: "#6e7781",
};

export const STATUS_LABEL: Record<QuotaStatus, string> = {
  ok: "OK",
  warning: "Warning",
  rejecting: "Rejecting pushes",
  "no-quota": "No quota",
  missing: "Not in Quay",
};

const WARNING_LINE = "#9a6700";
const REJECT_LINE = "#cf222e";
const TRACK = "#eaeef2";

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** The common scale of every bar: 0 to 100%, or further when a tenant is over its limit (at most 150%). */
export function scaleMaxOf(quotas: readonly QuotaReport[]): number {
  const top = Math.max(100, ...quotas.map((q) => q.percent ?? 0));
  return Math.min(150, Math.ceil(top / 10) * 10);
}

export const percentText = (p: number): string => (p > 0 && p < 1 ? "<1%" : `${Math.round(p)}%`);

/** One line of text for a quota: "412 GiB of 500 GiB (82%)". */
export function usageText(q: QuotaReport): string {
  if (q.usedBytes === null) return "organization not in Quay";
  if (q.limitBytes === null || q.percent === null) return `${formatBytes(q.usedBytes)}, no quota`;
  return `${formatBytes(q.usedBytes)} of ${formatBytes(q.limitBytes)} (${percentText(q.percent)})`;
}

/** What a screen reader says for a bar. */
export function barLabel(tenant: string, q: QuotaReport): string {
  const lines: string[] = [];
  if (q.warningPercent !== null) lines.push(`warning line at ${q.warningPercent}%`);
  if (q.rejectPercent !== null) lines.push(`reject line at ${q.rejectPercent}%`);
  return `${tenant}: ${usageText(q)}; ${STATUS_LABEL[q.status]}${lines.length ? `; ${lines.join(", ")}` : ""}`;
}

/** The bar's shapes inside a `width` × `height` box at (x, y). */
function barShapes(
  q: QuotaReport,
  x: number,
  y: number,
  width: number,
  height: number,
  scaleMax: number,
): string {
  const at = (p: number) => x + (Math.min(p, scaleMax) / scaleMax) * width;
  const parts: string[] = [];
  parts.push(`<rect x="${x}" y="${y}" width="${width}" height="${height}" rx="3" fill="${TRACK}"/>`);
  if (q.percent !== null) {
    const w = Math.max(q.percent > 0 ? 2 : 0, at(q.percent) - x);
    parts.push(
      `<rect class="bar" x="${x}" y="${y}" width="${w.toFixed(1)}" height="${height}" rx="3" fill="${STATUS_COLOR[q.status]}"/>`,
    );
    if (q.percent > scaleMax)
      parts.push(
        `<path d="M${x + width - 8} ${y + 3} l6 ${(height - 6) / 2} l-6 ${(height - 6) / 2}z" fill="#ffffff"/>`,
      );
  }
  if (q.warningPercent !== null) {
    const lx = at(q.warningPercent).toFixed(1);
    // A white halo keeps the line visible on a bar of its own colour.
    parts.push(
      `<line x1="${lx}" x2="${lx}" y1="${y - 3}" y2="${y + height + 3}" stroke="#ffffff" stroke-width="4"/>`,
      `<line class="warning-line" x1="${lx}" x2="${lx}" y1="${y - 3}" y2="${y + height + 3}" stroke="${WARNING_LINE}" stroke-width="2" stroke-dasharray="3 2"/>`,
    );
  }
  if (q.rejectPercent !== null) {
    const lx = at(q.rejectPercent).toFixed(1);
    parts.push(
      `<line x1="${lx}" x2="${lx}" y1="${y - 3}" y2="${y + height + 3}" stroke="#ffffff" stroke-width="4"/>`,
      `<line class="reject-line" x1="${lx}" x2="${lx}" y1="${y - 3}" y2="${y + height + 3}" stroke="${REJECT_LINE}" stroke-width="2"/>`,
    );
  }
  return parts.join("");
}

/** One tenant's bar as an inline SVG (the page's table cell). */
export function usageBar(tenant: string, q: QuotaReport, scaleMax: number): string {
  const width = 260;
  const height = 22;
  return `<svg class="usage-bar" role="img" aria-label="${escapeXml(barLabel(tenant, q))}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">${barShapes(
    q,
    1,
    4,
    width - 2,
    height - 8,
    scaleMax,
  )}</svg>`;
}

const FONT = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif"';

/** The whole lab in one picture, tenants in the order given. */
export function chartSvg(report: LabReport, order: readonly string[]): string {
  const byName = new Map(report.tenants.map((t) => [t.tenant, t]));
  const tenants = order.map((n) => byName.get(n)).filter((t) => t !== undefined);
  const scaleMax = scaleMaxOf(tenants.map((t) => t.quota));
  const labelW = 150;
  const barW = 380;
  const textW = 300;
  const rowH = 30;
  const top = 64;
  const width = labelW + barW + textW + 20;
  const height = top + tenants.length * rowH + 36;
  const x0 = labelW;
  const at = (p: number) => x0 + (p / scaleMax) * barW;
  const out: string[] = [];
  const title = `Quota usage per tenant${report.stack ? ` · stack ${report.stack}` : ""}`;
  const desc = tenants.map((t) => barLabel(t.tenant, t.quota)).join(". ");
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`,
    `<title id="chart-title">${escapeXml(title)}</title>`,
    `<desc id="chart-desc">${escapeXml(desc)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold" fill="#1f2328">${escapeXml(title)}</text>`,
  );
  // Legend: the colours and the two lines, each with its word.
  let lx = 10;
  const legend = (swatch: string, text: string) => {
    out.push(
      `${swatch.replaceAll("LX", String(lx))}<text x="${lx + 18}" y="48" fill="#1f2328">${escapeXml(text)}</text>`,
    );
    lx += 18 + text.length * 7.2 + 16;
  };
  for (const s of ["ok", "warning", "rejecting", "no-quota"] as const)
    legend(`<rect x="LX" y="38" width="12" height="12" rx="2" fill="${STATUS_COLOR[s]}"/>`, STATUS_LABEL[s]);
  legend(
    `<line x1="LX" x2="LX" y1="36" y2="52" stroke="${WARNING_LINE}" stroke-width="2" stroke-dasharray="3 2" transform="translate(6 0)"/>`,
    "warning line",
  );
  legend(
    `<line x1="LX" x2="LX" y1="36" y2="52" stroke="${REJECT_LINE}" stroke-width="2" transform="translate(6 0)"/>`,
    "reject line",
  );
  // Grid: 0, 50, 100% (and the scale's end when it goes past 100%).
  const ticks = [0, 50, 100, ...(scaleMax > 100 ? [scaleMax] : [])];
  const gridBottom = top + tenants.length * rowH;
  for (const p of ticks) {
    const gx = at(p).toFixed(1);
    out.push(
      `<line x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${gridBottom}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text x="${gx}" y="${gridBottom + 16}" text-anchor="middle" fill="#57606a" font-size="11">${p}%</text>`,
    );
  }
  tenants.forEach((t, i) => {
    const y = top + i * rowH;
    out.push(
      `<g class="tenant" data-tenant="${escapeXml(t.tenant)}"><title>${escapeXml(barLabel(t.tenant, t.quota))}</title>`,
      `<text x="${labelW - 10}" y="${y + 19}" text-anchor="end" fill="#1f2328">${escapeXml(t.tenant)}</text>`,
      barShapes(t.quota, x0, y + 6, barW, 18, scaleMax),
      `<text x="${x0 + barW + 10}" y="${y + 19}" fill="${STATUS_COLOR[t.quota.status]}" font-weight="bold">${escapeXml(
        STATUS_LABEL[t.quota.status],
      )}</text>`,
      `<text x="${x0 + barW + 10 + STATUS_LABEL[t.quota.status].length * 8 + 8}" y="${y + 19}" fill="#57606a" font-size="12">${escapeXml(
        usageText(t.quota),
      )}</text></g>`,
    );
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
