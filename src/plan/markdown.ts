/**
 * The pull-request comment (and the drift report in Markdown). Read in ten seconds: the verdict first,
 * then a table of the tenants that change, then per tenant what happens by kind with the changed
 * fields, the warnings, the changed tenant files, the budgets and the checksum.
 *
 * The first line is a hidden marker so CI updates one sticky comment per stack; the last line is a
 * hidden checksum marker the apply workflow reads. Both always start a line, and no value from a
 * tenant file ever does (values are single-line code spans inside list items), so a tenant file
 * cannot forge them.
 */
import type { Diagnostic } from "../tenant/diagnostics";
import { code, describeChange, mdText } from "./format";
import { type PreviewReport, verdict } from "./report";
import { describeSelection } from "./selection";
import type { ChangeOp, PlannedChange, TenantPlan } from "./types";
import { cmp } from "./values";

/** GitHub refuses comments above 65,536 characters; keep room for the workflow's own text. */
export const MAX_COMMENT_CHARS = 60_000;

export const previewMarker = (stack: string): string => `<!-- quay-gitops:preview stack=${stack} -->`;
export const checksumMarker = (checksum: string): string => `<!-- quay-gitops:checksum=${checksum} -->`;

const ICON: Record<string, string> = { "no-changes": "✅", ok: "✅", warnings: "⚠️", refused: "⛔" };

const OP_TITLE: Record<ChangeOp, string> = {
  create: "Create",
  update: "Update",
  replace: "Replace (delete, then create)",
  delete: "Delete",
};

const OPS: readonly ChangeOp[] = ["create", "update", "replace", "delete"];

function cell(n: number): string {
  return n === 0 ? "" : String(n);
}

function tenantLabel(t: TenantPlan): string {
  if (t.status === "new") return `**${mdText(t.name)}** (new)`;
  if (t.status === "removed") return `**${mdText(t.name)}** (removed)`;
  return `**${mdText(t.name)}**`;
}

function groupByKind(changes: PlannedChange[]): [string, PlannedChange[]][] {
  const m = new Map<string, PlannedChange[]>();
  for (const c of changes) {
    const list = m.get(c.kind) ?? [];
    list.push(c);
    m.set(c.kind, list);
  }
  return [...m.entries()].sort(([a], [b]) => cmp(a, b));
}

function opSection(op: ChangeOp, changes: PlannedChange[]): string[] {
  if (changes.length === 0) return [];
  const out = [`**${OP_TITLE[op]} (${changes.length})**`, ""];
  if (op === "create" || op === "delete") {
    // Names only: what a created object holds is the tenant file itself, in the diff of this PR.
    for (const [kind, list] of groupByKind(changes)) {
      out.push(`- ${kind}: ${list.map((c) => code(c.name)).join(", ")}`);
    }
  } else {
    for (const c of changes) {
      const why =
        op === "replace" && c.replaceReasons?.length
          ? ` — ${c.replaceReasons.map(code).join(", ")} cannot change in place`
          : "";
      out.push(`- ${c.kind} ${code(c.name)}${why}`);
      for (const f of c.fields) out.push(`  - ${code(f.field)}: ${describeChange(f, code)}`);
    }
  }
  out.push("");
  return out;
}

function tenantSection(report: PreviewReport, t: TenantPlan): string[] {
  const changes = report.plan.changes.filter((c) => c.tenant === t.name);
  const file = report.source.tenantFiles[t.name];
  const status = t.status === "new" ? " (new tenant)" : t.status === "removed" ? " (removed)" : "";
  const body: string[] = [];
  for (const op of OPS)
    body.push(
      ...opSection(
        op,
        changes.filter((c) => c.op === op),
      ),
    );
  const head = `### ${mdText(t.name)}${status}${file ? ` · ${code(file)}` : ""}`;
  // A long tenant (a bootstrap) folds away so the comment stays readable at a glance.
  if (changes.length > 30) {
    return [head, "", `<details><summary>${changes.length} changes</summary>`, "", ...body, "</details>", ""];
  }
  return [head, "", ...body];
}

export function renderPreviewMarkdown(report: PreviewReport): string {
  const { plan } = report;
  const v = verdict(report);
  const lines: string[] = [
    previewMarker(report.stack),
    `## quay-gitops preview · stack ${code(report.stack)}`,
    "",
    `${ICON[v.level]} **${mdText(v.text)}**`,
    "",
  ];
  if (report.source.selection)
    lines.push(`Tenants looked at: ${mdText(describeSelection(report.source.selection))}.`, "");

  const changed = plan.tenants.filter((t) => t.status !== "unchanged");
  const unchanged = plan.tenants.filter((t) => t.status === "unchanged");
  if (changed.length > 0) {
    lines.push(
      "| Tenant | Create | Update | Replace | Delete | Unchanged |",
      "| --- | --: | --: | --: | --: | --: |",
    );
    for (const t of changed) {
      const c = t.counts;
      lines.push(
        `| ${tenantLabel(t)} | ${cell(c.create)} | ${cell(c.update)} | ${cell(c.replace)} | ${cell(c.delete)} | ${cell(c.same)} |`,
      );
    }
    lines.push("");
  }
  if (unchanged.length > 0) {
    lines.push(`Unchanged: ${unchanged.map((t) => mdText(t.name)).join(", ")}.`, "");
  }

  const sections: string[] = [];
  for (const t of changed) sections.push(...tenantSection(report, t));

  const tail: string[] = [];
  if (report.warnings.length > 0) {
    tail.push(`### ⚠️ Warnings (${report.warnings.length})`, "");
    for (const w of report.warnings) tail.push(`- **${mdText(w.tenant)}** · ${mdText(w.message)}`);
    tail.push("");
  }
  if (report.notes.length > 0) {
    tail.push("<details><summary>Validation notes</summary>", "");
    for (const n of report.notes) tail.push(`- ${mdText(n)}`);
    tail.push("", "</details>", "");
  }
  if (report.changedFiles) {
    const base = report.source.base ? ` (${code(`${report.source.base}...HEAD`)})` : "";
    tail.push(`### Tenant files changed${base}`, "");
    if (report.changedFiles.length === 0) tail.push("None.");
    for (const f of report.changedFiles) {
      tail.push(`- ${code(f.path)} ${f.status}${f.from ? ` from ${code(f.from)}` : ""}`);
    }
    tail.push("");
  }
  tail.push(`### Change budgets · ${code(report.source.registryFile)}`, "");
  for (const c of report.budgets.checks)
    tail.push(`- ${c.ok ? "✅" : "⛔"} ${c.budget}: ${mdText(c.message)}`);
  if (!report.budgets.ok)
    tail.push("", "`quay-gitops apply` refuses this plan unless run with `--force` by a lab admin.");
  tail.push("");

  const src = report.source;
  const from = src.ref ? `ref ${code(src.ref)}` : "working tree";
  const commit = src.commit ? ` at ${code(src.commit.slice(0, 12))}` : "";
  tail.push(
    `<sub>Plan checksum ${code(report.checksum)} · tenants from the ${from}${commit} · ${src.refreshed ? (src.selection && !src.selection.all ? "the tenants looked at compared with the live registry (refresh), the others as last recorded" : "compared with the live registry (refresh)") : "compared with the last recorded state (no refresh)"}.`,
    `Apply exactly this plan: ${code(`quay-gitops apply --stack ${report.stack} --expect-checksum ${report.checksum}`)}</sub>`,
    "",
    checksumMarker(report.checksum),
  );

  let body = sections;
  const size = (b: string[]) => [...lines, ...b, ...tail].join("\n").length;
  if (size(body) > MAX_COMMENT_CHARS) {
    body = [
      "### Changes",
      "",
      "The full list is too long for a comment: see the JSON report (`--json`) or the job log.",
      "",
      ...changed.flatMap((t) =>
        plan.changes
          .filter((c) => c.tenant === t.name && c.op !== "create")
          .slice(0, 20)
          .map((c) => `- ${mdText(t.name)} · ${c.op} ${c.kind} ${code(c.name)}`),
      ),
      "",
    ];
  }
  return `${[...lines, ...body, ...tail].join("\n")}\n`;
}

/** The comment when the tenant files do not validate: no plan, every problem with file and line. */
export function renderInvalidMarkdown(stack: string, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const lines = [
    previewMarker(stack),
    `## quay-gitops preview · stack ${code(stack)}`,
    "",
    `⛔ **The tenant files are invalid (${errors.length} error${errors.length === 1 ? "" : "s"}): no plan was made.**`,
    "",
  ];
  for (const d of diagnostics) {
    lines.push(
      `- ${code(`${d.file}:${d.line}:${d.column}`)} ${d.severity}: ${mdText(d.message)} (${d.code})`,
    );
  }
  lines.push("", "Run `npx quay-gitops validate` locally to check them.");
  return `${lines.join("\n")}\n`;
}
