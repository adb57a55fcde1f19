import * as path from "node:path";
import { projectRoot } from "../../engine/env";
import { projectDirFor } from "../../engine/project-dir";
import { UsageError } from "../../errors";
import type { Command } from "../command";
import { COMMON_HELP, parseOptions, renderValidation } from "../gitops";
import { addSecrets, err, out, progress, writeReport } from "../output";

const DEFAULT_STALE_DAYS = 90;

const HELP = `usage: quay-gitops report [--stack S] [--html FILE] [--markdown FILE] [--json FILE] [--svg FILE]
                          [--drift FILE] [--stale-after DAYS]

The lab at a glance, read from Quay without changing anything: for every tenant of the tenant files,
its quota (bytes used, share of the limit, the warning and reject lines, and whether Quay warns or
rejects pushes), its largest repositories, its mirrors (last sync, failing or behind) and its robots
(when each was last used; never used or unused for long stands out). Prints a summary; the page and
the job summary go to files. Reads one superuser list for every organization's usage, then per
organization its repositories and robots, and one mirror per mirrored repository (docs/report.md).

  --html FILE        one self-contained page: a bar per tenant, sortable, no external resources
  --markdown FILE    the same for a job summary (GitHub, GitLab): a Mermaid chart and a table with text bars
  --json FILE        the report as JSON (kind quay-gitops/report)
  --svg FILE         the chart alone, as an SVG image
  --drift FILE       a \`quay-gitops drift --json\` file: one line per tenant about its drift
  --stale-after DAYS a robot unused for more days is stale (default ${DEFAULT_STALE_DAYS})
${COMMON_HELP}
Without a stack (--stack or $QUAY_GITOPS_STACK), the connection comes from the environment alone and the
tenant files from $QUAY_GITOPS_TENANTS_DIR and $QUAY_GITOPS_REGISTRY_FILE (default tenants/ and
stacks/local.registry.yaml).

Exit status: 0 written (whatever the lab's state), 1 invalid tenant files or an error, 2 usage error.
`;

export const command: Command = {
  name: "report",
  summary: "the lab at a glance: quota usage, mirrors and robots per tenant, as a page and a job summary",
  async run(args) {
    const values = parseOptions<{
      stack?: string;
      backend?: string;
      repo?: string;
      html?: string;
      markdown?: string;
      json?: string;
      svg?: string;
      drift?: string;
      "stale-after"?: string;
      help?: boolean;
    }>(
      args,
      {
        html: { type: "string" },
        markdown: { type: "string" },
        json: { type: "string" },
        svg: { type: "string" },
        drift: { type: "string" },
        "stale-after": { type: "string" },
      },
      HELP,
    );
    if (!values) return 0;
    const staleText = values["stale-after"];
    const staleRobotDays = staleText === undefined ? DEFAULT_STALE_DAYS : Number(staleText);
    if (!Number.isInteger(staleRobotDays) || staleRobotDays < 1)
      throw new UsageError(`--stale-after must be a whole number of days, at least 1, not '${staleText}'`);
    const env = process.env;
    addSecrets(
      ["QUAY_TOKEN", "QUAY_PASSWORD", "PULUMI_CONFIG_PASSPHRASE"]
        .map((k) => env[k])
        .filter((v): v is string => !!v),
    );
    const { runReport } = await import("../../gitops/report.js");
    const report = await import("../../report/index.js");
    const stack = values.stack ?? (env.QUAY_GITOPS_STACK || undefined);
    const repo = path.resolve(values.repo ?? env.QUAY_GITOPS_REPO ?? projectRoot);
    const outcome = await runReport(
      {
        stack,
        projectDir: stack ? projectDirFor({ repo, stack }) : projectRoot,
        repo,
        backendUrl: values.backend,
        env,
        log: progress,
        now: new Date(),
      },
      { driftFile: values.drift, staleRobotDays },
    );
    if (outcome.kind === "invalid") {
      err(renderValidation(outcome.load));
      err("quay-gitops report: the tenant files are invalid; nothing was read from Quay\n");
      return 1;
    }
    addSecrets(outcome.secrets);
    const r = outcome.report;
    out(report.renderReportText(r));
    for (const n of outcome.unreachable) out(`${n}\n`);
    if (values.html) writeReport(values.html, report.renderReportHtml(r));
    if (values.markdown) writeReport(values.markdown, report.renderReportMarkdown(r));
    if (values.json) writeReport(values.json, report.renderReportJson(r));
    if (values.svg) writeReport(values.svg, report.chartSvg(r, report.usageOrder(r)));
    return 0;
  },
};
