import { execFile } from "node:child_process";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { type EngineEnvOptions, engineSetup, projectRoot, pulumiBinDir } from "./env";

export interface OpenStackOptions extends EngineEnvOptions {
  stack: string;
  /** The Pulumi project folder; default the quay-gitops project root. */
  workDir?: string;
  /** Create the stack when it does not exist (default true). */
  create?: boolean;
  /** Extra environment for the engine and the program (e.g. QUAY_URL, QUAY_TOKEN). */
  env?: Record<string, string>;
}

/** The Automation API's command object for our (found or built) CLI. */
export async function pulumiCommand(): Promise<PulumiCommand> {
  const bin = await pulumiBinDir();
  // PulumiCommand.get({ root }) runs <root>/bin/pulumi (docs/pulumi-engine.md#building-the-cli).
  // scripts/ensure-pulumi (pulumiBinDir) has just checked the version; asking again is a process start.
  return PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: true });
}

/**
 * Selects (or creates) a stack through the Automation API, with the engine environment of env.ts. The
 * backend and the secrets key are checked first (ConfigError before anything runs); engine failures of
 * the returned stack's operations go through mapEngineError (errors.ts) in the callers.
 */
export async function openStack(opts: OpenStackOptions): Promise<Stack> {
  const { env: envVars } = await engineSetup(opts);
  const workDir = opts.workDir ?? projectRoot;
  const args = { stackName: opts.stack, workDir };
  const wsOpts = {
    pulumiCommand: await pulumiCommand(),
    envVars,
    ...(opts.secretsProvider !== undefined ? { secretsProvider: opts.secretsProvider } : {}),
  };
  return opts.create === false
    ? LocalWorkspace.selectStack(args, wsOpts)
    : LocalWorkspace.createOrSelectStack(args, wsOpts);
}

/** A failed `pulumi` run, shaped like the Automation API's CommandError so that mapEngineError reads it alike. */
export class PulumiCliError extends Error {
  readonly commandResult: { stdout: string; stderr: string; code: number };
  constructor(args: readonly string[], result: { stdout: string; stderr: string; code: number }) {
    super(`pulumi ${args.join(" ")} failed with exit code ${result.code}`);
    this.name = "PulumiCliError";
    this.commandResult = result;
  }
}

/**
 * Runs our Pulumi CLI with the engine environment of env.ts (checked like openStack), for the commands
 * the Automation API does not offer as we need them, e.g. `stack export` WITHOUT --show-secrets
 * (LocalWorkspace.exportStack always adds it).
 */
export async function runPulumiCli(
  args: readonly string[],
  opts: EngineEnvOptions & { workDir?: string },
): Promise<{ stdout: string; stderr: string }> {
  const { env } = await engineSetup(opts);
  const bin = path.join(await pulumiBinDir(), "pulumi");
  const full = [...args, "--non-interactive"];
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      full,
      { cwd: opts.workDir ?? projectRoot, env, maxBuffer: 1024 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof err.code === "number" ? err.code : -1;
          reject(new PulumiCliError(args, { stdout, stderr: stderr || err.message, code }));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
  });
}
