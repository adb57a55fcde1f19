import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { DesiredState, SecretRef } from "../model/types";
import { SELECTION_ENV } from "../plan/selection";
import { projectRoot } from "../project";
import { loadDesiredState, summarize } from "../tenant";
import { renderText } from "../tenant/report";
import { registered } from "../../providers/resources";
import { checkCapabilities } from "./capabilities";
import { tenantSummary } from "./desired";
import { type SecretSource, Tenant } from "./tenant";

/**
 * The Pulumi program: tenant files → one component per tenant with one resource per Quay object.
 * Its only input is the normalized desired state (src/tenant); invalid files stop it before any
 * resource is registered, with every problem listed as file:line:col.
 */
async function program(): Promise<Record<string, unknown>> {
  const config = new pulumi.Config("quay-gitops");
  // The folder tenant and registry paths are relative to: the repository the gitops commands point at
  // (`--repo`, or a copy of a `--ref`, src/gitops/sources.ts), else the project.
  const root = process.env.QUAY_GITOPS_REPO || projectRoot;
  const tenantsDir = process.env.QUAY_GITOPS_TENANTS_DIR || config.get("tenantsDir") || "tenants";
  const registryFile =
    process.env.QUAY_GITOPS_REGISTRY_FILE ||
    config.get("registryFile") ||
    `stacks/${pulumi.getStack()}.registry.yaml`;
  const result = loadDesiredState({ root, tenantsDir, registryFile, now: new Date() });
  const problems = result.diagnostics.filter((d) => d.severity === "error");
  for (const d of result.diagnostics.filter((x) => x.severity !== "error")) {
    pulumi.log.info(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
  }
  if (!result.state || problems.length > 0) {
    // RunError: Pulumi reports the message alone, without the program's stack trace.
    throw new pulumi.RunError(
      `the tenant files are invalid; nothing was applied:\n${renderText(result.diagnostics, summarize(result.diagnostics, result.tenantFiles.length))}\nRun \`npx quay-gitops validate\` to check them.`,
    );
  }
  const everything = result.state;
  const state = inSelection(everything, process.env[SELECTION_ENV]);

  if (!pulumi.runtime.isDryRun()) await checkCapabilities(state);

  const secrets: SecretSource = {
    resolve(ref: SecretRef, where: string) {
      if ("env" in ref) {
        const v = process.env[ref.env];
        if (v === undefined || v === "") {
          throw new pulumi.RunError(
            `${where}: environment variable ${ref.env} is not set (passwordFrom: { env: ${ref.env} }); set it in the environment that runs quay-gitops (in CI: from the secret store)`,
          );
        }
        return pulumi.secret(v);
      }
      return config.requireSecret(ref.config.replace(/^quay-gitops:/, ""));
    },
  };

  const tenants = state.tenants.map((t) => new Tenant(t));
  const users = new Map(tenants.flatMap((t) => [...t.users]));
  for (const t of tenants) t.populate({ users, secrets });

  // Known only once every registered object was created or updated: a failed run leaves the commit of
  // the last complete one. Robot tokens are in each Tenant component's outputs (`quay-gitops tokens`):
  // a run limited to some tenants updates only theirs.
  const done = pulumi.all(registered.map((r) => r.id));
  return {
    registryFile: path.relative(root, path.resolve(root, registryFile)),
    tenants: Object.fromEntries(everything.tenants.map((t) => [t.name, tenantSummary(t)])),
    gitCommit: done.apply(() => process.env.QUAY_GITOPS_GIT_COMMIT ?? ""),
    gitBranch: done.apply(() => process.env.QUAY_GITOPS_GIT_BRANCH ?? ""),
  };
}

/**
 * The tenants a run is limited to (src/plan/selection.ts): a JSON list of names in
 * QUAY_GITOPS_SELECTION, which the gitops commands set together with a `--target` for every object
 * of those tenants. Every file is still loaded and validated (rules span files); only the selected
 * tenants' objects are registered, which is what keeps a run of one tenant fast in a large lab.
 * Without the variable (plain `pulumi up`), every tenant.
 */
function inSelection(state: DesiredState, raw: string | undefined): DesiredState {
  if (raw === undefined || raw === "") return state;
  let names: unknown;
  try {
    names = JSON.parse(raw);
  } catch {
    names = undefined;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string"))
    throw new pulumi.RunError(
      `${SELECTION_ENV} must be a JSON list of tenant names, got ${JSON.stringify(raw)}`,
    );
  const wanted = new Set(names);
  return { ...state, tenants: state.tenants.filter((t) => wanted.has(t.name)) };
}

// Pulumi awaits an exported function's promise; its value becomes the stack outputs.
module.exports = program;
