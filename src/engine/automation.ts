import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { type EngineEnvOptions, engineEnv, projectRoot, pulumiBinDir } from "./env";

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
  // PulumiCommand.get({ root }) runs <root>/bin/pulumi (PULUMI-NOTES.md C2).
  return PulumiCommand.get({ root: path.dirname(bin), skipVersionCheck: false });
}

/** Selects (or creates) a stack through the Automation API, with the engine environment of env.ts. */
export async function openStack(opts: OpenStackOptions): Promise<Stack> {
  const envVars = { ...(await engineEnv(opts)), ...(opts.env ?? {}) };
  const workDir = opts.workDir ?? projectRoot;
  const args = { stackName: opts.stack, workDir };
  const wsOpts = { pulumiCommand: await pulumiCommand(), envVars };
  return opts.create === false
    ? LocalWorkspace.selectStack(args, wsOpts)
    : LocalWorkspace.createOrSelectStack(args, wsOpts);
}
