import type { Command } from "../command";
import { COMMON_HELP, parseOptions, renderValidation, runContext } from "../gitops";
import { addSecrets, out, writeReport } from "../output";

const HELP = `usage: quay-gitops preview --stack S [--all] [--base REF] [--markdown FILE] [--json FILE] [--ref REF] [--no-refresh]

Validates the tenant files (errors become annotations: GitHub ::error lines under GitHub Actions, else
file:line:col lines; exit 1), then previews the stack with the real engine: what an apply would create,
update, replace and delete, per tenant and Quay object, with the changed fields (secrets as [secret]),
warnings for destructive steps, the change budgets and a checksum of the plan. Writes nothing anywhere.

  --all              every tenant (default: those changed since the last apply, as apply would)
  --base REF         list the tenant files changed by base...HEAD (a pull request: origin/main); the
                     tenants they change are previewed too
  --markdown FILE    write the pull-request comment (hidden marker <!-- quay-gitops:preview stack=S -->)
  --json FILE        write the same for machines
  --ref REF          preview the tenant files of a Git ref instead of the working tree
  --no-refresh       compare with the last recorded state instead of reading the live registry first
${COMMON_HELP}

Exit status: 0 the preview ran (changes or not), 1 invalid tenant files or an error, 2 usage error,
4 the stack is locked by another run.
`;

export const command: Command = {
  name: "preview",
  summary: "validate, then show what an apply would do (PR comment in Markdown, JSON, checksum)",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      base?: string;
      all?: boolean;
      markdown?: string;
      json?: string;
      ref?: string;
      "no-refresh"?: boolean;
      help?: boolean;
    }>(
      args,
      {
        base: { type: "string" },
        all: { type: "boolean" },
        markdown: { type: "string" },
        json: { type: "string" },
        ref: { type: "string" },
        "no-refresh": { type: "boolean" },
      },
      HELP,
    );
    if (!values) return 0;
    const ctx = runContext(values);
    // Loaded here so `preview --help` and a usage error never load the engine.
    const { runPreview } = await import("../../gitops/run.js");
    const plan = await import("../../plan/index.js");
    const result = await runPreview(ctx, {
      ref: values.ref,
      base: values.base,
      all: values.all === true,
      refresh: values["no-refresh"] !== true,
    });
    if (result.kind === "invalid") {
      out(renderValidation(result.load));
      if (values.markdown)
        writeReport(values.markdown, plan.renderInvalidMarkdown(ctx.stack, result.load.diagnostics));
      if (values.json) writeReport(values.json, plan.renderInvalidJson(ctx.stack, result.load.diagnostics));
      return 1;
    }
    addSecrets(result.secrets);
    out(plan.renderPreviewText(result.report));
    for (const n of result.unreachable) out(`${n}\n`);
    if (values.markdown) writeReport(values.markdown, plan.renderPreviewMarkdown(result.report));
    if (values.json) writeReport(values.json, plan.renderPreviewJson(result.report));
    return 0;
  },
};
