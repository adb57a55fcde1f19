import { UsageError } from "../../errors";
import type { Command } from "../command";
import { COMMON_HELP, parseOptions, runContext } from "../gitops";
import { addSecrets, err, out, writeReport } from "../output";
import { applyAndReport } from "./apply";

const HELP = `usage: quay-gitops drift --stack S [--markdown FILE] [--json FILE] [--remediate] [--no-attribution]

Reads every object of the stack from Quay and compares it with what the last apply set, without writing
anything (a refresh preview: no state change, no lock). Lists every drifted object and field with the
value the last apply set and the live value, and who changed it and when, from Quay's audit logs (the
organization's log, and the superuser log for users and deleted organizations; quay-gitops' own
account is recognized). Changes to the tenant files that are not applied yet are not drift: that is
\`quay-gitops preview\`.

  --markdown FILE    write the report in Markdown (hidden marker <!-- quay-gitops:drift stack=S -->)
  --json FILE        write it as JSON
  --remediate        after reporting drift, apply the tenant files to repair it (the same checks as
                     \`quay-gitops apply\`: clean tree, branch, budgets)
  --force, --allow-dirty   passed to the remediation (see quay-gitops apply --help)
  --no-attribution   do not read the audit logs
${COMMON_HELP}

Exit status: 0 no drift, 2 drift found (also when --remediate repaired it, so the job still tells
someone), 1 error, wrong usage or a failed remediation, 4 the stack is locked by another run.
`;

export const command: Command = {
  name: "drift",
  summary: "report what changed in Quay outside quay-gitops, and who did it (exit 2 on drift)",
  // Exit 2 means drift here, so a usage error and an internal error are 1.
  exitCodes: { usage: 1, internal: 1 },
  run: drift,
};

async function drift(args: string[]): Promise<number> {
  const values = parseOptions<{
    stack?: string;
    backend?: string;
    repo?: string;
    markdown?: string;
    json?: string;
    remediate?: boolean;
    force?: boolean;
    "allow-dirty"?: boolean;
    "no-attribution"?: boolean;
    help?: boolean;
  }>(
    args,
    {
      markdown: { type: "string" },
      json: { type: "string" },
      remediate: { type: "boolean" },
      force: { type: "boolean" },
      "allow-dirty": { type: "boolean" },
      "no-attribution": { type: "boolean" },
    },
    HELP,
  );
  if (!values) return 0;
  if ((values.force || values["allow-dirty"]) && !values.remediate)
    throw new UsageError("--force and --allow-dirty only apply with --remediate");
  const ctx = runContext(values);
  const { runDrift } = await import("../../gitops/run.js");
  const plan = await import("../../plan/index.js");
  const { report, secrets, unreachable } = await runDrift(ctx, {
    attribution: values["no-attribution"] !== true,
  });
  addSecrets(secrets);
  out(plan.renderDriftText(report));
  for (const n of unreachable) out(`${n}\n`);
  if (values.markdown) writeReport(values.markdown, plan.renderDriftMarkdown(report));
  if (values.json) writeReport(values.json, plan.renderDriftJson(report));
  const drifted = plan.hasDrift(report);
  if (!drifted || !values.remediate) return drifted ? 2 : 0;

  err("remediating: applying the tenant files to repair the drift ...\n");
  // Drift is in tenants whose files did not change: the whole lab, not the changed tenants.
  const code = await applyAndReport(ctx, {
    all: true,
    force: values.force === true,
    noDeletes: false,
    allowDirty: values["allow-dirty"] === true,
  });
  // Exit 2 still says drift was found; the apply summary says what was repaired.
  return code === 0 ? 2 : 1;
}
