/**
 * What the three gitops commands (preview, apply, drift) share: the common options, the run context,
 * writing reports, and the one output path through which every text passes the secret filter.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../engine/env";
import { projectDirFor } from "../engine/project-dir";
import { exitCodeFor } from "../engine/lock";
import { isQuayGitopsError, UsageError } from "../errors";
import type { RunContext } from "../gitops/run";
import { redactText } from "../plan/values";
import { render, summarize, type LoadResult } from "../tenant";

export const COMMON_OPTIONS = {
  stack: { type: "string", short: "s" },
  backend: { type: "string" },
  repo: { type: "string" },
  help: { type: "boolean", short: "h" },
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

/** Plaintext secrets known so far; every write is filtered through them. */
const secrets = new Set<string>();

export function addSecrets(values: Iterable<string>): void {
  for (const v of values) if (v) secrets.add(v);
}

const clean = (text: string): string => redactText(text, secrets);

export const out = (text: string): void => {
  process.stdout.write(clean(text));
};

export const err = (text: string): void => {
  process.stderr.write(clean(text));
};

/** Progress lines go to stderr, so stdout stays the report. */
export const progress = (line: string): void => err(`${line}\n`);

/** Writes a report file (folders created), filtered like everything else. */
export function writeReport(file: string, text: string): void {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, clean(text));
}

type OptionSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/**
 * Parses a gitops command's arguments (the common options plus its own): the values, or `undefined`
 * after printing the help. A wrong option is a UsageError that carries the help.
 */
export function parseOptions<V extends CommonValues>(
  args: string[],
  options: Record<string, OptionSpec>,
  help: string,
): V | undefined {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${help}`);
  }
  if (values.help) {
    out(help);
    return undefined;
  }
  return values as V;
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

/**
 * Our errors become a message and their exit code (4 for a locked stack, 1 for the rest); usage errors
 * and bugs go up to main (2).
 */
export function reportError(command: string, e: unknown): number {
  if (!isQuayGitopsError(e) || e.code === "QG_ERR_USAGE") throw e;
  err(`quay-gitops ${command}: ${e.message}\n`);
  return exitCodeFor(e);
}
