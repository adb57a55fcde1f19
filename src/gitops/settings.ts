/**
 * Where a stack's tenant files are, and which branch may be applied: the plain values of the stack's
 * config file (`stacks/Pulumi.<stack>.yaml`, read as YAML: these keys are never secret, and reading
 * the file spares an engine call), overridden by the environment the same way the program does
 * (src/program/index.ts): the environment wins.
 */
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { stackConfigPath } from "../engine/backend";
import { ConfigError } from "../errors";

export interface StackSettings {
  /** Relative to the repository (or absolute): `quay-gitops:tenantsDir`, default `tenants`. */
  tenantsDir: string;
  /** Relative to the repository (or absolute): `quay-gitops:registryFile`, default `stacks/<stack>.registry.yaml`. */
  registryFile: string;
  /** The only branch `apply` runs from: `quay-gitops:applyBranch`, default `main`. */
  applyBranch: string;
  /** The config file read, if it exists. */
  configFile: string | undefined;
}

export const DEFAULT_APPLY_BRANCH = "main";

export function readStackSettings(opts: {
  /** The Pulumi project folder (where Pulumi.yaml names `stackConfigDir`). */
  projectDir: string;
  stack: string;
  env: Readonly<Record<string, string | undefined>>;
}): StackSettings {
  const file = stackConfigPath(opts.projectDir, opts.stack);
  let config: Record<string, unknown> = {};
  let configFile: string | undefined;
  if (fs.existsSync(file)) {
    configFile = file;
    try {
      const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: unknown } | null;
      if (doc?.config && typeof doc.config === "object") config = doc.config as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot read the stack config ${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  const plainValue = (key: string): string | undefined => {
    const v = config[`quay-gitops:${key}`];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const env = (name: string): string | undefined => {
    const v = opts.env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const short = opts.stack.split("/").pop() ?? opts.stack;
  return {
    tenantsDir: env("QUAY_GITOPS_TENANTS_DIR") ?? plainValue("tenantsDir") ?? "tenants",
    registryFile:
      env("QUAY_GITOPS_REGISTRY_FILE") ?? plainValue("registryFile") ?? `stacks/${short}.registry.yaml`,
    applyBranch: env("QUAY_GITOPS_APPLY_BRANCH") ?? plainValue("applyBranch") ?? DEFAULT_APPLY_BRANCH,
    configFile,
  };
}
