import type { Applied, ApplyOptions, RunContext } from "../../gitops/run";
import type { Command } from "../command";
import { COMMON_HELP, parseOptions, renderValidation, runContext } from "../gitops";
import { addSecrets, out } from "../output";
import { doneCounts, doneLine } from "../../plan/text";

const HELP = `usage: quay-gitops apply --stack S [--all] [--expect-checksum SUM] [--force] [--no-deletes] [--allow-dirty] [--ref REF]

Applies the committed tenant files to Quay, and only after these checks, each of which refuses with a
message and without a single write to Quay:
  - the working tree is clean (no uncommitted or untracked files; --allow-dirty skips this);
  - HEAD is on the stack's branch (quay-gitops:applyBranch in the stack config, else main; in CI with a
    detached HEAD, GITHUB_REF_NAME or CI_COMMIT_BRANCH);
  - the tenant files validate;
  - with --expect-checksum, the fresh plan (made against the live registry) is the reviewed one;
  - the plan keeps to the change budgets of the registry file (maxDeletes, maxTenantChangePercent,
    requireAllowPublic), unless --force.
Then runs \`up\` with a refresh, records the commit, branch and version in the stack's history (the
next apply compares with it), and prints a summary.

It looks only at the tenants whose desired state changed since the last successful apply (a file
changed, added or removed, a team membership expired, a mirror or proxy-cache password changed), and at
every tenant when the registry file or quay-gitops changed, or no successful apply is recorded. Each
object is read from Quay once: the up reuses what the checked preview read.

  --all                  every tenant, not only those changed since the last apply
  --expect-checksum SUM  the checksum of the reviewed preview (its PR comment or --json)
  --force                apply a plan that breaks the change budgets, and let deletes of organizations
                         and repositories that still hold images go through (lab admins only)
  --no-deletes           additive only (bootstraps, incidents): creates and updates run, deletes and
                         replacements are left for a later run, and the summary lists them
  --allow-dirty          apply a working tree with uncommitted changes (local experiments)
  --ref REF              apply the tenant files of a Git ref on the stack's branch
${COMMON_HELP}

Exit status: 0 applied, 1 refused, invalid or failed, 2 usage error, 4 the stack is locked by another run.
`;

/** What an apply did, after its plan: the counts, per tenant, what was left for later, and what the providers said. */
export function applySummary(r: Applied): string {
  const c = r.counts;
  const sel = r.report.source.selection;
  if (!r.ran) {
    if (sel && !sel.all && sel.tenants.length === 0)
      return `nothing to apply on stack ${r.report.stack}: no tenant changed since the last apply (${sel.base?.slice(0, 12) ?? "unknown"}); --all looks at every tenant\n`;
    return `nothing to apply on stack ${r.report.stack}: Quay already matches the tenant files of the tenants looked at; nothing was written or recorded\n`;
  }
  // A delete of an organization or repository with deletionPolicy retain leaves it in Quay.
  const released = r.applied.filter((a) => a.released).length;
  const lines = [
    `applied stack ${r.report.stack} from ${r.branch} at ${r.commit.slice(0, 12)} (plan ${r.report.checksum})`,
    `  ${c.create} created, ${c.update} updated, ${c.replace} replaced, ${c.delete - released} deleted, ` +
      (released > 0 ? `${released} released (kept in Quay), ` : "") +
      `${c.same} unchanged` +
      (r.durationSeconds !== undefined ? ` in ${r.durationSeconds.toFixed(1)} s` : ""),
    ...r.unreachable.map((n) => `  ${n}`),
  ];
  // The plan above lists every object; here the count per tenant of what was done.
  const byTenant = new Map<string, Applied["applied"]>();
  for (const a of r.applied) byTenant.set(a.tenant, [...(byTenant.get(a.tenant) ?? []), a]);
  for (const [tenant, done] of [...byTenant.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    lines.push(`  ${tenant}: ${doneCounts(done)}`);
  for (const a of r.applied.filter((x) => x.released)) lines.push(`  ${doneLine(a)}`);
  if (r.deferred.length > 0) {
    const dels = r.deferred.filter((d) => d.op === "delete").length;
    const reps = r.deferred.length - dels;
    lines.push(
      `left for a later run (--no-deletes): ${dels} delete${dels === 1 ? "" : "s"}, ${reps} replacement${reps === 1 ? "" : "s"}; run apply without --no-deletes to do them:`,
    );
    for (const d of r.deferred) lines.push(`    ${d.op} ${d.kind} ${d.name}`);
  }
  if (r.unplanned.length > 0) {
    lines.push("NOTE: the engine did steps the checked plan did not have (Quay changed in between):");
    for (const u of r.unplanned) lines.push(`    ${u.op} ${u.kind} ${u.name}`);
  }
  const said = r.messages.filter((m) => m.object && m.severity !== "error");
  if (said.length > 0) {
    lines.push("messages from the providers:");
    for (const m of said) lines.push(`    ${m.object}: ${m.message}`);
  }
  if (sel)
    lines.push(
      sel.all
        ? `looked at every tenant (${sel.allReason})`
        : `looked at ${sel.tenants.map((t) => t.tenant).join(", ")}; ${sel.unchanged} unchanged tenant${sel.unchanged === 1 ? "" : "s"} left alone`,
    );
  // A run that left deletes for later is recorded as partial, which the next run does not compare
  // with: it looks at every tenant (lastApplyOf, src/plan/selection.ts).
  lines.push(
    r.deferred.length > 0
      ? `recorded as partly applied: ${r.commit} (${r.branch}), deletes left for later; the next apply looks at every tenant`
      : `recorded as applied: ${r.commit} (${r.branch}); the next apply compares with it`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The guarded apply with its output, for `apply` and `drift --remediate`: the fresh plan first (so a
 * refusal can be read against it), then the summary. 0 applied, 1 invalid tenant files; refusals and
 * failures are thrown (main maps them to their exit codes).
 */
export async function applyAndReport(ctx: RunContext, opts: Omit<ApplyOptions, "onPlan">): Promise<0 | 1> {
  // Loaded here so `--help` and a usage error never load the engine.
  const { runApply } = await import("../../gitops/run.js");
  const plan = await import("../../plan/index.js");
  const result = await runApply(ctx, {
    ...opts,
    onPlan: (report, secrets) => {
      addSecrets(secrets);
      out(plan.renderPreviewText(report));
    },
  });
  if (result.kind === "invalid") {
    out(renderValidation(result.load));
    return 1;
  }
  out(applySummary(result));
  return 0;
}

export const command: Command = {
  name: "apply",
  summary: "apply the committed tenant files, refusing unreviewed or over-budget plans",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      "expect-checksum"?: string;
      all?: boolean;
      force?: boolean;
      "no-deletes"?: boolean;
      "allow-dirty"?: boolean;
      ref?: string;
      help?: boolean;
    }>(
      args,
      {
        "expect-checksum": { type: "string" },
        all: { type: "boolean" },
        force: { type: "boolean" },
        "no-deletes": { type: "boolean" },
        "allow-dirty": { type: "boolean" },
        ref: { type: "string" },
      },
      HELP,
    );
    if (!values) return 0;
    return await applyAndReport(runContext(values), {
      ref: values.ref,
      expectChecksum: values["expect-checksum"],
      all: values.all === true,
      force: values.force === true,
      noDeletes: values["no-deletes"] === true,
      allowDirty: values["allow-dirty"] === true,
    });
  },
};
