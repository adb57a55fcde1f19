/**
 * Which tenants a preview or an apply looks at (the rules are in src/plan/selection.ts): reads what
 * the last successful apply applied (its commit from the stack's history, its files from Git as of
 * that time), the state's tenants and secrets, and, for a pull request, what the branch changed;
 * then gives the engine the limit: the program's tenant list and a `--target` per object.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DesiredState } from "../model/types";
import {
  type AppliedSide,
  changedSecrets,
  differingTenants,
  SELECTION_ENV,
  type Selection,
  selectionTargets,
  selectTenants,
  tenantsInState,
} from "../plan/selection";
import { tenantObjects } from "../program/desired";
import { toolVersion } from "../project";
import type { EngineTarget, StackFacts } from "./engine";
import { GitError } from "./errors";
import { mergeBase } from "./git";
import type { StackSettings } from "./settings";
import { loadSource, openTenantSource, type TenantSource } from "./sources";

export interface RunSelection {
  selection: Selection;
  /** `--target`s of a limited run; undefined for the whole lab. */
  targets?: string[];
  /** For the engine: the program's tenant list (src/program/index.ts). */
  env: Record<string, string>;
}

export interface SelectOptions {
  /** `--all`: the whole lab. */
  all: boolean;
  /** `--base`: a pull request's base; the tenants it changes are always looked at. */
  base?: string | undefined;
}

function fileDigest(file: string): string {
  try {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return "missing";
  }
}

const registryDigest = (s: Pick<TenantSource, "root" | "registryFile">) =>
  fileDigest(path.resolve(s.root, s.registryFile));

/** The desired state at a commit, as of a point in time (team memberships expire), or why not. */
async function stateAt(
  repo: string,
  settings: StackSettings,
  commit: string,
  at: Date,
): Promise<{ state: DesiredState; registry: string } | { unusable: string }> {
  let source: TenantSource;
  try {
    source = await openTenantSource({ repo, settings, ref: commit });
  } catch (e) {
    if (e instanceof GitError)
      return {
        unusable: `commit ${commit.slice(0, 12)} is not in this clone (fetch the whole history: actions/checkout with fetch-depth: 0, GIT_DEPTH: 0 on GitLab)`,
      };
    throw e;
  }
  try {
    const load = loadSource(source, at);
    if (!load.state || load.diagnostics.some((d) => d.severity === "error"))
      return { unusable: `the tenant files at ${commit.slice(0, 12)} do not load without errors` };
    return { state: load.state, registry: registryDigest(source) };
  } finally {
    source.dispose();
  }
}

/** `env:NAME` / `config:key` → the value a run would use now. */
function secretResolver(env: Readonly<Record<string, string | undefined>>, config: StackFacts["config"]) {
  return (ref: string): string | undefined => {
    if (ref.startsWith("env:")) {
      const v = env[ref.slice(4)];
      return v === "" ? undefined : v;
    }
    if (ref.startsWith("config:")) {
      const key = ref.slice(7);
      return config[key.includes(":") ? key : `quay-gitops:${key}`];
    }
    return undefined;
  };
}

export async function selectRun(
  ctx: {
    repo: string;
    settings: StackSettings;
    env: Readonly<Record<string, string | undefined>>;
    now: Date;
    target: EngineTarget;
    facts: (t: EngineTarget) => Promise<StackFacts>;
  },
  source: TenantSource,
  state: DesiredState,
  opts: SelectOptions,
): Promise<RunSelection> {
  const head = { tenants: state.tenants, registry: registryDigest(source), version: toolVersion() };
  const whole = (selection: Selection): RunSelection => ({ selection, env: {} });
  if (opts.all)
    return whole(
      selectTenants({
        head,
        applied: undefined,
        stateTenants: [],
        secretsChanged: new Map(),
        forceAll: true,
      }),
    );

  const facts = await ctx.facts(ctx.target);
  let applied: AppliedSide | undefined;
  let unknown = facts.lastApplyUnknown;
  if (facts.lastApply) {
    const at = await stateAt(ctx.repo, ctx.settings, facts.lastApply.commit, facts.lastApply.start);
    if ("unusable" in at) unknown = `the last apply cannot be compared with: ${at.unusable}`;
    else
      applied = {
        commit: facts.lastApply.commit,
        tenants: at.state.tenants,
        registry: at.registry,
        version: facts.lastApply.version,
      };
  }

  let pullRequest: Map<string, string> | undefined;
  if (opts.base !== undefined) {
    const from = await mergeBase(ctx.repo, opts.base);
    const before = await stateAt(ctx.repo, ctx.settings, from, ctx.now);
    if ("unusable" in before) unknown = `the pull request's base cannot be compared with: ${before.unusable}`;
    else if (before.registry !== head.registry) {
      return whole(
        selectTenants({
          head,
          applied: undefined,
          appliedUnknownReason: "the registry file changed in this pull request",
          stateTenants: [],
          secretsChanged: new Map(),
          forceAll: false,
        }),
      );
    } else
      pullRequest = new Map(
        [...differingTenants(before.state.tenants, state.tenants)].map(([t, d]) => [t, d.detail]),
      );
    if ("unusable" in before) applied = undefined;
  }

  const selection = selectTenants({
    head,
    applied,
    ...(unknown ? { appliedUnknownReason: unknown } : {}),
    stateTenants: tenantsInState(facts.resources),
    secretsChanged: changedSecrets(facts.resources, secretResolver(ctx.env, facts.config)),
    ...(pullRequest ? { pullRequest } : {}),
    forceAll: false,
  });
  if (selection.all) return whole(selection);
  const names = selection.tenants.map((t) => t.tenant);
  const declared = new Map(
    state.tenants.filter((t) => names.includes(t.name)).map((t) => [t.name, tenantObjects(t)]),
  );
  return {
    selection,
    targets: selectionTargets({ state: facts.resources, tenants: names, declared }),
    env: { [SELECTION_ENV]: JSON.stringify(names) },
  };
}
