/**
 * The three gitops flows, called by the CLI commands (src/cli/commands/{preview,apply,drift}.ts):
 *
 *   preview: stack settings → tenant source (working tree or --ref) → validate → engine preview
 *            (refresh) → plan → report (warnings, budgets, checksum, changed files)
 *   apply:   Git checks (clean tree, configured branch) → the same preview → refusals (checksum,
 *            budgets) → engine up (refresh), recording commit and branch → summary
 *   drift:   engine refresh preview (no writes) → drift report → attribution from Quay's audit logs
 *
 * Nothing here reads argv, writes stdout or exits: the caller passes the environment and a `log` for
 * progress lines, and renders what comes back.
 */
import { ConfigError, isQuayGitopsError, QuayGitopsError } from "../errors";
import type { DesiredState } from "../model/types";
import { attribute, type AuditEntry, logSourcesFor, sourceKey } from "../plan/attribution";
import { normalizeChecksum } from "../plan/checksum";
import type { DriftReport } from "../plan/drift";
import { ChecksumMismatchError, UnsafePlanError } from "../plan/errors";
import { planFromEvents } from "../plan/events";
import { buildPreviewReport, type ChangedFile, type PreviewReport } from "../plan/report";
import { applyMessage, newObjectTarget, type Selection } from "../plan/selection";
import { ownRunWindows } from "../plan/runs";
import { publicAllowance } from "../plan/safety";
import { type ChangeOp, emptyCounts, type Plan, type PlannedChange } from "../plan/types";
import { createRunJournal, type RunJournal } from "../quay/api/journal";
import { connectionSource, resolveConnection } from "../quay/connection";
import { readOrganizationLogs, readSuperuserLogs } from "../quay/api/logs";
import { describeOutage } from "../quay/outage";
import type { LoadResult } from "../tenant";
import { toolVersion } from "../project";
import type { AppliedChange, EngineMessage, EngineTarget, PreviewOutcome } from "./engine";
import { GitError } from "./errors";
import { type PreflightMode, type PreflightResult, preflight } from "./preflight";
import { changedFiles, gitState, isAncestor, resolveCommit } from "./git";
import { knownSecrets } from "./secrets";
import { type RunSelection, selectRun } from "./selection";
import { readStackSettings, type StackSettings } from "./settings";
import { loadSource, openTenantSource, programEnv, type TenantSource } from "./sources";

export interface RunContext {
  stack: string;
  /** The Pulumi project folder: quay-gitops's, or one for the repository's stack config (src/engine/project-dir.ts). */
  projectDir: string;
  /** Where the tenant files and Git live (`--repo`). */
  repo: string;
  backendUrl?: string | undefined;
  /** The process environment (read only: settings overrides, CI branch names, secrets to redact). */
  env: Readonly<Record<string, string | undefined>>;
  log: (line: string) => void;
  now: Date;
}

/** Validation failed: nothing ran against Quay. */
export interface Invalid {
  kind: "invalid";
  load: LoadResult;
  source: TenantSource;
}

export interface Planned {
  kind: "planned";
  report: PreviewReport;
  state: DesiredState;
  preview: PreviewOutcome;
  /** The tenants the run looks at, with the program's limit and the engine's targets. */
  scope: RunSelection;
  /** Plaintext secrets of this run, to redact from everything written. */
  secrets: string[];
  /** What the run said about Quay being unreachable meanwhile (src/quay/outage.ts). */
  unreachable: string[];
  /** Who the credentials belong to and Quay's clock; undefined when the run had nothing to look at. */
  preflight: PreflightResult | undefined;
}

function settingsOf(ctx: RunContext): StackSettings {
  return readStackSettings({ projectDir: ctx.projectDir, stack: ctx.stack, env: ctx.env });
}

function target(ctx: RunContext, extra: Record<string, string>): EngineTarget {
  return { stack: ctx.stack, backendUrl: ctx.backendUrl, workDir: ctx.projectDir, env: extra, log: ctx.log };
}

const MESSAGE_NOTE = (d: LoadResult["diagnostics"][number]) =>
  `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message} [${d.code}]`;

/**
 * The engine part, loaded on first use: the Automation API costs a second of start-up, and a refused
 * apply (invalid files, a dirty tree) must answer at once without it.
 */
const engine = () => import("./engine.js");

/** The desired state limited to the tenants a run looks at. */
function inSelection(state: DesiredState, selection: Selection): DesiredState {
  if (selection.all) return state;
  const names = new Set(selection.tenants.map((t) => t.tenant));
  return { ...state, tenants: state.tenants.filter((t) => names.has(t.name)) };
}

/**
 * The preflight (preflight.ts) on the connection the run's providers will use: the stack config
 * (read as the engine operations on `t` read it), else the environment. Its reads of who-am-I and
 * the discovery document go to the run's journal, for the providers, and so does its session
 * sign-in: the run's other processes take it over instead of signing in again (journal.ts).
 */
async function checkAccess(
  ctx: RunContext,
  t: EngineTarget,
  state: DesiredState | undefined,
  mode: PreflightMode,
  journal: RunJournal,
): Promise<PreflightResult> {
  const e = await engine();
  const { config } = await e.engineConfig(t);
  const connection = resolveConnection(connectionSource((k) => config[k], ctx.env));
  const result = await preflight({
    connection,
    state,
    mode,
    recorder: journal.recorder(),
    sessionStore: journal.sessionStore(),
  });
  for (const n of result.notes) ctx.log(n);
  return result;
}

/**
 * The tenants the run looks at: the whole lab for `--all`, else those changed since the last
 * successful apply (src/plan/selection.ts). Outside Git (no commit to compare), the whole lab.
 */
async function scopeOf(
  ctx: RunContext,
  source: TenantSource,
  settings: StackSettings,
  state: DesiredState,
  opts: { all: boolean; base?: string | undefined },
): Promise<RunSelection> {
  const e = await engine();
  const scope = await selectRun(
    {
      repo: source.repo,
      settings,
      env: ctx.env,
      now: ctx.now,
      target: target(ctx, {}),
      facts: e.engineStackFacts,
    },
    source,
    state,
    { all: opts.all || !source.commit, base: opts.base },
  );
  if (!opts.all && !source.commit)
    scope.selection = { ...scope.selection, allReason: "the tenant files are not in a Git repository" };
  return scope;
}

/**
 * A limited run must not touch a tenant outside its selection: the targets and the program's limit
 * say so, and this checks the plan they produced before anything is applied.
 */
function assertWithinSelection(plan: Plan, selection: Selection): void {
  if (selection.all) return;
  const allowed = new Set(selection.tenants.map((t) => t.tenant));
  const outside = plan.changes.filter((c) => !allowed.has(c.tenant));
  if (outside.length > 0)
    throw new QuayGitopsError(
      "QG_ERR_ENGINE",
      `refused: the plan limited to ${[...allowed].join(", ")} would also change ${outside
        .slice(0, 5)
        .map((c) => `${c.kind} ${c.name} (${c.tenant})`)
        .join(", ")}; nothing was changed. Run with --all, and report this as a bug of quay-gitops`,
    );
}

const EMPTY_STRUCTURE: PreviewOutcome["structure"] = { stackUrn: undefined, tenants: [] };

/** Validates the source, then previews it; `source` stays open (the caller disposes of it). */
async function plan(
  ctx: RunContext,
  source: TenantSource,
  settings: StackSettings,
  opts: {
    refresh: boolean;
    base?: string | undefined;
    all: boolean;
    mode: PreflightMode;
    /** The run's reads: the preflight records into it, the preview reuses and extends them. */
    journal: RunJournal;
  },
): Promise<Invalid | Planned> {
  const load = loadSource(source, ctx.now);
  if (!load.state || load.diagnostics.some((d) => d.severity === "error"))
    return { kind: "invalid", load, source };
  const state = load.state;
  let files: ChangedFile[] | undefined;
  if (opts.base !== undefined) {
    if (!source.commit)
      throw new GitError("not-a-repository", `--base needs a Git repository; ${source.repo} is not in one`);
    // Compared in the repository, also for --ref: the files a branch changed, whatever tree is previewed.
    files = await changedFiles(source.repo, opts.base, [settings.tenantsDir, settings.registryFile]);
  }
  const scope = await scopeOf(ctx, source, settings, state, { all: opts.all, base: opts.base });
  const nothing = !scope.selection.all && scope.selection.tenants.length === 0;
  const e = await engine();
  const previewTarget = target(ctx, { ...programEnv(source), ...scope.env, ...opts.journal.continueEnv });
  // Nothing to look at, or a preview against the recorded state (--no-refresh): no Quay access at
  // all, so no preflight either.
  const access =
    nothing || !opts.refresh
      ? undefined
      : await checkAccess(ctx, previewTarget, inSelection(state, scope.selection), opts.mode, opts.journal);
  const preview: PreviewOutcome = nothing
    ? {
        plan: planFromEvents(ctx.stack, []),
        messages: [],
        secretConfig: [],
        config: {},
        structure: EMPTY_STRUCTURE,
      }
    : await e.enginePreview(previewTarget, {
        refresh: opts.refresh,
        targets: scope.targets,
      });
  assertWithinSelection(preview.plan, scope.selection);
  const report = buildPreviewReport({
    plan: preview.plan,
    budgets: state.registry.budgets,
    allowPublic: publicAllowance(state),
    source: {
      ...(source.commit ? { commit: source.commit } : {}),
      ...(source.branch ? { branch: source.branch } : {}),
      ...(source.ref ? { ref: source.ref } : {}),
      ...(opts.base !== undefined ? { base: opts.base } : {}),
      tenantsDir: source.tenantsDir,
      registryFile: source.registryFile,
      tenantFiles: Object.fromEntries(state.tenants.map((t) => [t.name, t.file])),
      refreshed: opts.refresh,
      selection: scope.selection,
    },
    changedFiles: files,
    notes: load.diagnostics.map(MESSAGE_NOTE),
  });
  return {
    kind: "planned",
    report,
    state,
    preview,
    scope,
    secrets: knownSecrets({ state, env: ctx.env, extra: preview.secretConfig }),
    unreachable: e.outageNotices(preview.messages),
    preflight: access,
  };
}

export interface PreviewOptions {
  ref?: string | undefined;
  base?: string | undefined;
  refresh: boolean;
  /** The whole lab, not only the tenants changed since the last apply. */
  all?: boolean | undefined;
}

export async function runPreview(ctx: RunContext, opts: PreviewOptions): Promise<Invalid | Planned> {
  const settings = settingsOf(ctx);
  const source = await openTenantSource({ repo: ctx.repo, settings, ref: opts.ref });
  const journal = createRunJournal();
  try {
    return await plan(ctx, source, settings, {
      refresh: opts.refresh,
      base: opts.base,
      all: opts.all === true,
      mode: "preview",
      journal,
    });
  } finally {
    journal.dispose();
    source.dispose();
  }
}

export interface ApplyOptions {
  ref?: string | undefined;
  expectChecksum?: string | undefined;
  /** The whole lab, not only the tenants changed since the last apply. */
  all?: boolean | undefined;
  force: boolean;
  noDeletes: boolean;
  allowDirty: boolean;
  /** Called with the fresh plan before the checksum and budget checks (to show it either way). */
  onPlan?: (report: PreviewReport, secrets: string[]) => void;
}

export interface Applied {
  kind: "applied";
  report: PreviewReport;
  commit: string;
  branch: string;
  applied: AppliedChange[];
  counts: Record<ChangeOp | "same", number>;
  /** Changes of the plan left for a later run (--no-deletes). */
  deferred: PlannedChange[];
  /** Steps the engine took that the checked plan did not have (the registry changed in between). */
  unplanned: AppliedChange[];
  messages: EngineMessage[];
  durationSeconds: number | undefined;
  secrets: string[];
  /** False when no tenant changed since the last apply: the engine did not run. */
  ran: boolean;
  /** What the run said about Quay being unreachable meanwhile (src/quay/outage.ts). */
  unreachable: string[];
}

/** The branch a CI checkout is on when HEAD is detached (GitHub Actions push, GitLab CI). */
function ciBranch(env: RunContext["env"]): string | undefined {
  if (env.GITHUB_ACTIONS === "true" && env.GITHUB_REF_TYPE === "branch" && env.GITHUB_REF_NAME)
    return env.GITHUB_REF_NAME;
  if (env.GITLAB_CI === "true" && env.CI_COMMIT_BRANCH) return env.CI_COMMIT_BRANCH;
  return undefined;
}

/** The commit and branch an apply runs from, after the Git checks (each a GitError, before any engine run). */
async function checkGit(
  ctx: RunContext,
  settings: StackSettings,
  opts: ApplyOptions,
): Promise<{ commit: string; branch: string }> {
  const state = await gitState(ctx.repo);
  if (!state) {
    throw new GitError(
      "not-a-repository",
      `${ctx.repo} is not a Git repository: apply records the commit it applies, so the tenant files must be committed (use --repo DIR)`,
    );
  }
  const wanted = settings.applyBranch;
  if (opts.ref !== undefined) {
    const commit = await resolveCommit(ctx.repo, opts.ref);
    if (!(await isAncestor(ctx.repo, commit, wanted))) {
      throw new GitError(
        "branch",
        `refused: ${opts.ref} (${commit.slice(0, 12)}) is not on branch ${wanted}, the only branch stack ${ctx.stack} is applied from (quay-gitops:applyBranch); nothing was changed`,
      );
    }
    return { commit, branch: wanted };
  }
  if (state.dirty.length > 0 && !opts.allowDirty) {
    const shown = state.dirty.slice(0, 10).map((l) => `  ${l}`);
    const more = state.dirty.length > 10 ? [`  ... and ${state.dirty.length - 10} more`] : [];
    throw new GitError(
      "dirty",
      [
        `refused: the working tree of ${state.top} has uncommitted changes; an apply must be exactly a commit. Nothing was changed:`,
        ...shown,
        ...more,
        "Commit or stash them (or run with --allow-dirty for a local experiment).",
      ].join("\n"),
    );
  }
  const branch = state.branch ?? ciBranch(ctx.env);
  if (branch === undefined) {
    throw new GitError(
      "branch",
      `refused: HEAD is detached at ${state.commit.slice(0, 12)}, and stack ${ctx.stack} is only applied from branch ${wanted}; check out ${wanted} (CI: check out the branch, not the commit). Nothing was changed`,
    );
  }
  if (branch !== wanted) {
    throw new GitError(
      "branch",
      `refused: HEAD is on branch ${branch}, but stack ${ctx.stack} is only applied from branch ${wanted} (quay-gitops:applyBranch in its stack config). Nothing was changed; merge the change into ${wanted} and apply there`,
    );
  }
  return { commit: state.commit, branch };
}

/**
 * The URNs `up --target` gets for an additive-only run: every create and update, and the Tenant
 * components being created (a new tenant's objects need their parent). Existing components and the
 * stack are not targeted: Pulumi counts the children of a targeted resource as its dependents, and
 * refuses to leave their deletes out ("will be destroyed but was not specified in --target list").
 */
export function additiveTargets(p: Planned): { targets: string[]; deferred: PlannedChange[] } {
  const keep = p.report.plan.changes.filter((c) => c.op === "create" || c.op === "update");
  const deferred = p.report.plan.changes.filter((c) => c.op === "delete" || c.op === "replace");
  // A create's URN is not in the state yet: named by a glob only it matches (selection.ts).
  const targets = new Set(keep.map((c) => (c.op === "create" ? newObjectTarget(c.urn) : c.urn)));
  for (const t of p.preview.structure.tenants) if (t.op === "create") targets.add(newObjectTarget(t.urn));
  return { targets: [...targets].sort(), deferred };
}

export async function runApply(ctx: RunContext, opts: ApplyOptions): Promise<Invalid | Applied> {
  const settings = settingsOf(ctx);
  // Before anything else: a refused apply must not even read Quay.
  const git = await checkGit(ctx, settings, opts);
  const expected = opts.expectChecksum === undefined ? undefined : normalizeChecksum(opts.expectChecksum);
  if (opts.expectChecksum !== undefined && expected === undefined)
    throw new ConfigError(
      `--expect-checksum '${opts.expectChecksum}' is not a plan checksum (sha256:<64 hex digits>)`,
    );

  const source = await openTenantSource({ repo: ctx.repo, settings, ref: opts.ref ?? undefined });
  // The preview's reads serve the up's refresh: one read pass per apply (src/quay/api/journal.ts).
  const journal = createRunJournal();
  try {
    const planned = await plan(ctx, source, settings, {
      refresh: true,
      all: opts.all === true,
      mode: "apply",
      journal,
    });
    if (planned.kind === "invalid") return planned;
    const { report } = planned;
    opts.onPlan?.(report, planned.secrets);

    if (expected !== undefined && expected !== report.checksum) {
      throw new ChecksumMismatchError(
        [
          `refused: the plan is not the one that was reviewed; nothing was changed in Quay.`,
          `  expected checksum ${expected} (--expect-checksum)`,
          `  fresh plan        ${report.checksum}`,
          "The tenant files or the live registry changed since that preview: run the preview again, review it, and apply its checksum.",
        ].join("\n"),
        expected,
        report.checksum,
      );
    }
    if (!report.budgets.ok && !opts.force) {
      const breaches = report.budgets.checks.filter((c) => !c.ok);
      throw new UnsafePlanError(
        [
          `refused: the plan breaks the change budgets of ${settings.registryFile}; nothing was changed in Quay:`,
          ...breaches.map((b) => `  - ${b.budget}: ${b.message}`),
          "Review the plan above. If it is intended, a lab admin runs the apply again with --force.",
        ].join("\n"),
        breaches,
      );
    }

    const scope = planned.scope;
    // Nothing to change: an `up` would only record the run, and costs the engine's start-up (seconds,
    // and more at lab scale). It still runs when recording moves the base of the next selection.
    const nothingToDo =
      (!scope.selection.all && scope.selection.tenants.length === 0) ||
      (report.plan.changes.length === 0 && (opts.all === true || scope.selection.base === git.commit));
    if (nothingToDo) {
      return {
        kind: "applied",
        report,
        commit: git.commit,
        branch: git.branch,
        applied: [],
        counts: { ...emptyCounts(), same: 0 },
        deferred: [],
        unplanned: [],
        messages: planned.preview.messages,
        durationSeconds: undefined,
        secrets: planned.secrets,
        ran: false,
        unreachable: planned.unreachable,
      };
    }
    const { targets, deferred } = opts.noDeletes
      ? additiveTargets(planned)
      : { targets: scope.targets, deferred: [] as PlannedChange[] };
    const env: Record<string, string> = {
      ...programEnv(source),
      ...scope.env,
      ...journal.replayEnv,
      QUAY_GITOPS_GIT_COMMIT: git.commit,
      QUAY_GITOPS_GIT_BRANCH: git.branch,
    };
    // Deleting organizations and repositories that still hold images needs the same --force.
    if (opts.force) env.QUAY_GITOPS_FORCE_DELETE = "1";
    const e = await engine();
    // Drift attribution tells this run's own audit log entries by Quay's clock (src/plan/runs.ts).
    const clock = planned.preflight
      ? { offsetMs: planned.preflight.offsetMs, auth: planned.preflight.auth }
      : undefined;
    const up = await e.engineUp(target(ctx, env), {
      targets,
      message: applyMessage({
        commit: git.commit,
        branch: git.branch,
        version: toolVersion(),
        checksum: report.checksum,
        // Deletes left for later: this commit is not fully applied, the next run compares with the last one that was.
        partial: deferred.length > 0,
        clock,
      }),
    });
    const planKey = (c: { kind: string; name: string; op: string }) =>
      `${c.kind}\u0000${c.name}\u0000${c.op}`;
    const plannedKeys = new Set(report.plan.changes.map(planKey));
    const unplanned = up.applied.filter((a) => !plannedKeys.has(planKey(a)));
    return {
      kind: "applied",
      report,
      commit: git.commit,
      branch: git.branch,
      applied: up.applied,
      counts: up.counts,
      deferred,
      unplanned,
      messages: [...planned.preview.messages, ...up.messages],
      durationSeconds: up.durationSeconds,
      secrets: planned.secrets,
      ran: true,
      unreachable: [...planned.unreachable, ...e.outageNotices(up.messages)],
    };
  } finally {
    journal.dispose();
    source.dispose();
  }
}

export interface DriftOptions {
  /** Read Quay's audit logs to say who changed what (default true). */
  attribution: boolean;
}

export interface Drifted {
  report: DriftReport;
  secrets: string[];
  /** What the run said about Quay being unreachable meanwhile (src/quay/outage.ts). */
  unreachable: string[];
}

/** How far back the audit logs are read when the stack has no recorded apply. */
const DEFAULT_LOOKBACK_MS = 7 * 86_400_000;

/**
 * The tenant files of the working tree, for what drift's preflight checks; undefined when they
 * cannot be read or are invalid (drift reads the stack's state, not the files: it runs anyway).
 */
async function workingTreeState(ctx: RunContext): Promise<DesiredState | undefined> {
  let source: TenantSource;
  try {
    source = await openTenantSource({ repo: ctx.repo, settings: settingsOf(ctx) });
  } catch (e) {
    if (isQuayGitopsError(e)) return undefined;
    throw e;
  }
  try {
    const load = loadSource(source, ctx.now);
    return load.state && !load.diagnostics.some((d) => d.severity === "error") ? load.state : undefined;
  } finally {
    source.dispose();
  }
}

export async function runDrift(ctx: RunContext, opts: DriftOptions): Promise<Drifted> {
  const e = await engine();
  // The preflight's who-am-I and discovery serve the refresh's providers (journal.ts).
  const journal = createRunJournal();
  try {
    const t: EngineTarget = { ...target(ctx, journal.replayEnv), create: false };
    const access = await checkAccess(ctx, t, await workingTreeState(ctx), "drift", journal);
    const outcome = await e.engineDrift(t);
    let report = outcome.report;
    const secrets = knownSecrets({ env: ctx.env, extra: outcome.secretConfig });
    const unreachable = e.outageNotices(outcome.messages);
    // Placed with this machine's clock for the report; on Quay's once it has been read (below).
    const local = ownRunWindows(outcome.history, 0);
    if (local.lastApply)
      report = { ...report, since: local.lastApply.start.toISOString().replace(/\.\d{3}Z$/, "Z") };
    if (report.objects.length === 0 || !opts.attribution) return { report, secrets, unreachable };

    // The connection the preflight checked, and the session it signed in.
    const connection = resolveConnection(connectionSource((k) => outcome.config[k], ctx.env));
    const client = connection.client({
      userAgent: "quay-gitops drift",
      sessionStore: journal.sessionStore(),
      onOutage: (o) => unreachable.push(describeOutage(o)),
    });
    try {
      ctx.log("reading Quay's audit logs to find who changed what ...");
      const notes: string[] = [];
      // Who quay-gitops is and Quay's clock: the preflight's who-am-I answered both.
      if (access.offsetMs === undefined) notes.push("could not read Quay's clock (no Date header)");
      const offsetMs = access.offsetMs ?? 0;
      const windows = ownRunWindows(outcome.history, offsetMs);
      const since = windows.since ?? new Date(ctx.now.getTime() + offsetMs - DEFAULT_LOOKBACK_MS);
      const window = { since, until: new Date(ctx.now.getTime() + offsetMs) };
      const logs = new Map<string, AuditEntry[]>();
      const unavailable = new Map<string, string>();
      for (const s of logSourcesFor(report)) {
        const key = sourceKey(s);
        const r =
          "org" in s
            ? await readOrganizationLogs(client, s.org, window)
            : await readSuperuserLogs(client, window);
        if (r.ok) {
          logs.set(key, r.entries);
          if (r.truncated) notes.push(`the ${key} audit log was read only in part (too many entries)`);
        } else unavailable.set(key, r.reason);
      }
      report = attribute(report, { logs, unavailable, me: access.username, since, ownRuns: windows.runs });
      if (notes.length > 0) report = { ...report, attributionNote: notes.join("; ") };
      return { report, secrets, unreachable };
    } finally {
      await client.close();
    }
  } finally {
    journal.dispose();
  }
}
