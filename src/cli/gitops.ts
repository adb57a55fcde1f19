/**
 * What the gitops commands (preview, apply, drift, tokens, report) share: the common options and the
 * run context.
 */
import * as path from "node:path";
import { projectRoot } from "../engine/env";
import { projectDirFor } from "../engine/project-dir";
import { UsageError } from "../errors";
import type { RunContext } from "../gitops/run";
import { render, summarize, type LoadResult } from "../tenant";
import { type OptionSpec, parseCommandArgs } from "./options";
import { addSecrets, progress } from "./output";

export const COMMON_OPTIONS = {
  stack: { type: "string", short: "s" },
  backend: { type: "string" },
  repo: { type: "string" },
} as const;

export const COMMON_HELP = `  --stack S          the stack (default: $QUAY_GITOPS_STACK)
  --repo DIR         where the tenant files and their Git repository are (default: $QUAY_GITOPS_REPO, else
                     the quay-gitops project). Paths in the stack config (quay-gitops:tenantsDir,
                     quay-gitops:registryFile) are relative to it. The stack's config file is its
                     stacks/Pulumi.<stack>.yaml when it has one, else quay-gitops's (docs/airgap.md).
  --backend URL      state backend: file:///abs/path, postgres://..., s3://... (default: $PULUMI_BACKEND_URL,
                     else the local file backend in .state/; docs/state.md)
Quay connection as the providers read it (each setting: stack config, else environment): quay-gitops:url /
QUAY_URL, and either quay-gitops:token / QUAY_TOKEN or quay-gitops:username + quay-gitops:password /
QUAY_USERNAME + QUAY_PASSWORD (a session: used when both are set; docs/client.md). Secrets passphrase:
PULUMI_CONFIG_PASSPHRASE or _FILE (the local stack has a development one).`;

/**
 * Parses a gitops command's arguments (the common options plus its own) through the one parser
 * (options.ts): the values, or `undefined` after printing the help.
 */
export function parseOptions<V extends CommonValues>(
  args: string[],
  options: Record<string, OptionSpec>,
  help: string,
): V | undefined {
  return parseCommandArgs<V>(args, { options: { ...COMMON_OPTIONS, ...options }, help })?.values;
}

export interface CommonValues {
  stack?: string | undefined;
  backend?: string | undefined;
  repo?: string | undefined;
}

export function runContext(values: CommonValues): RunContext {
  const env = process.env;
  const stack = values.stack ?? env.QUAY_GITOPS_STACK;
  if (!stack) throw new UsageError("--stack is required (or set QUAY_GITOPS_STACK)");
  addSecrets(
    ["QUAY_TOKEN", "QUAY_PASSWORD", "PULUMI_CONFIG_PASSPHRASE", "PGPASSWORD", "AWS_SECRET_ACCESS_KEY"]
      .map((k) => env[k])
      .filter((v): v is string => !!v),
  );
  const repo = path.resolve(values.repo ?? env.QUAY_GITOPS_REPO ?? projectRoot);
  return {
    stack,
    projectDir: projectDirFor({ repo, stack }),
    repo,
    backendUrl: values.backend,
    env,
    log: progress,
    now: new Date(),
  };
}

/** Validation errors as the user's CI wants them: GitHub annotations under Actions, else text lines. */
export function renderValidation(load: LoadResult): string {
  const format = process.env.GITHUB_ACTIONS === "true" ? "github" : "text";
  return render(format, load.diagnostics, summarize(load.diagnostics, load.tenantFiles.length));
}
