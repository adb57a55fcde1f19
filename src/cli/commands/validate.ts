import * as path from "node:path";
import { UsageError } from "../../errors";
import {
  DEFAULT_REGISTRY_FILE,
  DEFAULT_TENANTS_DIR,
  loadDesiredState,
  type ReportFormat,
  render,
  summarize,
} from "../../tenant";
import type { Command } from "../command";
import { parseCommandArgs } from "../options";

const HELP = `usage: quay-gitops validate [--repo DIR] [--tenants DIR] [--registry FILE] [--format text|json|github]

Checks every tenant file and the registry file, and lists every problem at once, sorted by file and line.
Reads files only: never talks to Quay, needs no credentials.

  --repo DIR         the folder --tenants and --registry are relative to (default: $QUAY_GITOPS_REPO, else
                     the current folder), as the other commands' --repo
  --tenants DIR      folder of tenant files (default: ${DEFAULT_TENANTS_DIR})
  --registry FILE    the stack's registry file (default: $QUAY_GITOPS_REGISTRY_FILE, else ${DEFAULT_REGISTRY_FILE})
  --format FORMAT    text (default): file:line:col: severity: message [CODE], then a summary
                     github: GitHub Actions annotations (::error file=...,line=...,col=...::message)
                     json: { valid, summary, diagnostics[] }

Exit status: 0 valid (warnings and notices allowed), 1 invalid, 2 usage error or a file that cannot be read.
`;

const FORMATS: readonly ReportFormat[] = ["text", "json", "github"];

export const command: Command = {
  name: "validate",
  summary: "check the tenant files and the registry file, listing every error with file and line",
  async run(args: string[]): Promise<number> {
    const parsed = parseCommandArgs<{ repo?: string; tenants?: string; registry?: string; format?: string }>(
      args,
      {
        options: {
          repo: { type: "string" },
          tenants: { type: "string" },
          registry: { type: "string" },
          format: { type: "string" },
        },
        help: HELP,
      },
    );
    if (!parsed) return 0;
    const { values } = parsed;
    const format = (values.format ?? "text") as ReportFormat;
    if (!FORMATS.includes(format)) {
      throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, not '${values.format}'`);
    }
    const registryFile = values.registry ?? process.env.QUAY_GITOPS_REGISTRY_FILE ?? DEFAULT_REGISTRY_FILE;
    const result = loadDesiredState({
      root: path.resolve(values.repo ?? process.env.QUAY_GITOPS_REPO ?? "."),
      tenantsDir: values.tenants ?? DEFAULT_TENANTS_DIR,
      registryFile,
      now: new Date(),
    });
    const summary = summarize(result.diagnostics, result.tenantFiles.length);
    process.stdout.write(render(format, result.diagnostics, summary));
    // A folder or file that cannot be read is a problem of the invocation, not of the tenants.
    if (result.diagnostics.some((d) => d.code === "QG_TENANT_IO" || d.code === "QG_TENANT_INTERNAL"))
      return 2;
    return summary.valid ? 0 : 1;
  },
};
