/**
 * The plan on a terminal or in a CI log (preview's stdout, apply before it runs): one line per changed
 * object with its fields below, grouped by tenant, then warnings, budgets and the checksum.
 */
import { describeChange } from "./format";
import { type PreviewReport, verdict } from "./report";
import { describeSelection } from "./selection";
import type { ChangeOp, PlannedChange } from "./types";

export const OP_SIGN: Record<ChangeOp, string> = { create: "+", update: "~", replace: "+-", delete: "-" };

export function changeLine(c: PlannedChange): string {
  const why =
    c.op === "replace" && c.replaceReasons?.length ? ` (replace: ${c.replaceReasons.join(", ")})` : "";
  return `${OP_SIGN[c.op]} ${c.kind} ${c.name}${why}`;
}

/** An object an apply changed: a delete that left it in Quay (deletionPolicy retain) is `released`. */
export interface DoneChange {
  kind: string;
  name: string;
  op: ChangeOp;
  released?: boolean | undefined;
}

const DONE: Record<ChangeOp, string> = {
  create: "created",
  update: "updated",
  replace: "replaced",
  delete: "deleted",
};

/** What an apply did to one object, as its progress line says it. */
export function doneLine(c: DoneChange): string {
  if (c.released) return `released ${c.kind} ${c.name}, kept in Quay (deletionPolicy: retain)`;
  return `${DONE[c.op]} ${c.kind} ${c.name}`;
}

/** The counts of an apply: `2 created, 1 deleted, 1 released (kept in Quay)`; only what happened. */
export function doneCounts(changes: readonly DoneChange[]): string {
  const counts = new Map<string, number>();
  for (const c of changes) {
    const word = c.released ? "released (kept in Quay)" : DONE[c.op];
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...Object.values(DONE), "released (kept in Quay)"]
    .filter((w) => counts.has(w))
    .map((w) => `${counts.get(w)} ${w}`)
    .join(", ");
}

export function renderPreviewText(report: PreviewReport): string {
  const { plan } = report;
  const c = plan.counts;
  const out: string[] = [
    `Plan for stack ${report.stack}${report.source.refreshed ? (report.source.selection && !report.source.selection.all ? " (the tenants looked at compared with the live registry, the others as last recorded)" : " (compared with the live registry)") : ""}: ` +
      `${c.create} to create, ${c.update} to update, ${c.replace} to replace, ${c.delete} to delete, ${c.same} unchanged`,
  ];
  if (report.source.selection) out.push(`tenants looked at: ${describeSelection(report.source.selection)}`);
  for (const t of plan.tenants) {
    if (t.status === "unchanged") continue;
    const status = t.status === "new" ? " (new tenant)" : t.status === "removed" ? " (removed)" : "";
    out.push(`  ${t.name}${status}`);
    for (const ch of plan.changes.filter((x) => x.tenant === t.name)) {
      out.push(`    ${changeLine(ch)}`);
      if (ch.op === "update" || ch.op === "replace")
        for (const f of ch.fields) out.push(`        ${f.field}: ${describeChange(f)}`);
    }
  }
  if (report.warnings.length > 0) {
    out.push("warnings:");
    for (const w of report.warnings) out.push(`  ! ${w.tenant}: ${w.message}`);
  }
  if (report.changedFiles) {
    out.push(`tenant files changed since ${report.source.base ?? "the base"}:`);
    if (report.changedFiles.length === 0) out.push("  (none)");
    for (const f of report.changedFiles)
      out.push(`  ${f.status} ${f.path}${f.from ? ` (from ${f.from})` : ""}`);
  }
  out.push(`budgets (${report.source.registryFile}):`);
  for (const b of report.budgets.checks)
    out.push(`  ${b.ok ? "ok     " : "BREACH "} ${b.budget}: ${b.message}`);
  out.push(`verdict: ${verdict(report).text}`);
  out.push(`checksum: ${report.checksum}`);
  return `${out.join("\n")}\n`;
}
