/**
 * The drift report in Markdown (an issue, a job summary), JSON (machines) and text (the job log): every
 * drifted object and field with the value the last apply set and the value Quay holds, and who changed
 * it and when.
 */
import type { Attribution, DriftedObject, DriftReport } from "./drift";
import { code, describeChange, mdText, valueText } from "./format";

export const driftMarker = (stack: string): string => `<!-- quay-gitops:drift stack=${stack} -->`;

/** How the automation's own account was used, when it was not by one of quay-gitops' runs. */
function automationUse(a: Attribution): string {
  if (a.auth === "session") return "the automation's account, by hand in the UI";
  if (a.ours) return "the automation's account, with quay-gitops' own token outside its runs";
  if (a.auth === "token")
    return `the automation's account, with ${a.application ? `a token of the OAuth application ${a.application}` : "another token"}`;
  return "the automation's account";
}

export function actorText(a: Attribution | undefined, note?: string): string {
  if (!a) return note ? `unknown (${note})` : "unknown";
  const who =
    a.actor === null
      ? "Quay itself (no user)"
      : `${a.actor}${a.robot ? " (robot)" : ""}${a.automationAccount ? ` (${automationUse(a)})` : ""}`;
  const related = a.via === "related" ? ", as a side effect" : "";
  return `${who} at ${a.at.replace("T", " ").replace("Z", " UTC")} (${a.action}${related})`;
}

function summaryLine(r: DriftReport): string {
  if (r.objects.length === 0) return `No drift: all ${r.checked} Quay objects match the last apply.`;
  const changed = r.objects.filter((o) => o.status === "changed").length;
  const deleted = r.objects.length - changed;
  const parts = [];
  if (changed) parts.push(`${changed} changed`);
  if (deleted) parts.push(`${deleted} deleted`);
  return `${r.objects.length} of ${r.checked} Quay objects drifted from the last apply (${parts.join(", ")} outside quay-gitops).`;
}

function objectLabel(o: DriftedObject): string {
  return `${o.kind} ${o.name}`;
}

export function renderDriftMarkdown(r: DriftReport): string {
  const lines = [
    driftMarker(r.stack),
    `## quay-gitops drift · stack ${code(r.stack)}`,
    "",
    `${r.objects.length === 0 ? "✅" : "⚠️"} **${mdText(summaryLine(r))}**`,
    "",
  ];
  if (r.objects.length > 0) {
    lines.push(
      "| Tenant | Object | Field | Last applied | Live in Quay | Changed by |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const o of r.objects) {
      const label = `${o.kind} ${code(o.name)}`;
      const who = (a: Attribution | undefined, note = o.attributionNote) => mdText(actorText(a, note));
      if (o.status === "deleted") {
        lines.push(
          `| ${mdText(o.tenant)} | ${label} | *(object)* | exists | **deleted** | ${who(o.attribution)} |`,
        );
        continue;
      }
      if (o.fields.length === 0) {
        lines.push(
          `| ${mdText(o.tenant)} | ${label} | *(a secret)* | [secret] | [secret] | ${who(o.attribution)} |`,
        );
      }
      for (const f of o.fields) {
        const change = Array.isArray(f.desired) && Array.isArray(f.live);
        const desired = code(valueText(f.desired));
        const live = change
          ? mdText(describeChange({ field: f.field, old: f.desired!, new: f.live! }))
          : code(valueText(f.live));
        lines.push(
          `| ${mdText(o.tenant)} | ${label} | ${code(f.field)} | ${desired} | ${live} | ${who(f.attribution, f.attributionNote)} |`,
        );
      }
    }
    lines.push("");
    // --all: drift is in tenants whose files did not change, and a plain apply looks only at those
    // that did (src/plan/selection.ts), so it would leave the drift alone.
    lines.push(
      `Repair: ${code(`quay-gitops apply --stack ${r.stack} --all`)} (or ${code(`quay-gitops drift --stack ${r.stack} --remediate`)}) sets Quay back to the tenant files. ` +
        "If the change was wanted, put it in the tenant file instead.",
      "",
    );
  }
  const notes: string[] = [];
  if (r.since) notes.push(`audit logs read since the last apply (${mdText(r.since)})`);
  if (r.attributionNote) notes.push(mdText(r.attributionNote));
  notes.push(
    `changes to the tenant files that are not applied yet are not drift: see ${code("quay-gitops preview")}`,
  );
  lines.push(`<sub>${notes.join(" · ")}</sub>`);
  return `${lines.join("\n")}\n`;
}

export function renderDriftText(r: DriftReport): string {
  const out = [summaryLine(r)];
  for (const o of r.objects) {
    out.push(`  ${o.tenant}: ${objectLabel(o)}${o.status === "deleted" ? " was DELETED in Quay" : ""}`);
    if (o.status === "deleted") out.push(`      by ${actorText(o.attribution, o.attributionNote)}`);
    if (o.status === "changed" && o.fields.length === 0) out.push("      a secret value changed");
    for (const f of o.fields) {
      const lists = Array.isArray(f.desired) && Array.isArray(f.live);
      out.push(
        lists
          ? `      ${f.field}: ${describeChange({ field: f.field, old: f.desired!, new: f.live! })} in Quay`
          : `      ${f.field}: last applied ${valueText(f.desired)}, live ${valueText(f.live)}`,
      );
      out.push(`        by ${actorText(f.attribution, f.attributionNote)}`);
    }
    if (o.status === "changed" && o.fields.length === 0)
      out.push(`        by ${actorText(o.attribution, o.attributionNote)}`);
  }
  if (r.attributionNote) out.push(`note: ${r.attributionNote}`);
  return `${out.join("\n")}\n`;
}

export const DRIFT_JSON_KIND = "quay-gitops/drift";

export function renderDriftJson(r: DriftReport): string {
  const doc = {
    kind: DRIFT_JSON_KIND,
    version: 1,
    stack: r.stack,
    drift: r.objects.length > 0,
    summary: summaryLine(r),
    checked: r.checked,
    since: r.since ?? null,
    attributionNote: r.attributionNote ?? null,
    objects: r.objects.map(({ identity: _identity, ...o }) => o),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
