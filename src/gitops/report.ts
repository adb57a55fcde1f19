/**
 * `quay-gitops report`: the tenant files, then one read pass over Quay, then the pure report
 * (src/report). Reads only; the requests it sends (docs/report.md "What it costs"):
 *
 *   1                       GET /api/v1/superuser/organizations/  every organization's quota and usage
 *   per organization        GET /api/v1/repository?namespace=…    sizes and states, 100 a page
 *                           GET /api/v1/organization/…/robots     last use, token=false
 *   per mirrored repository GET /api/v1/repository/…/mirror       only state MIRROR or declared
 *
 * Nothing here reads argv or writes stdout: the CLI (src/cli/commands/report.ts) does.
 */
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { stackConfigPath } from "../engine/backend";
import { ConfigError } from "../errors";
import type { DesiredState } from "../model/types";
import { isQuayApiError, type QuayApiError } from "../quay";
import { getMirror, type MirrorView } from "../quay/api/mirrors";
import {
  listSuperuserOrganizations,
  type QuotaReportView,
  type SuperuserOrgView,
} from "../quay/api/organizations";
import { listRepositories } from "../quay/api/repositories";
import { listRobotActivity } from "../quay/api/robots";
import { QuaySession } from "../quay/api/session";
import { connectionSource, resolveConnection } from "../quay/connection";
import { describeOutage } from "../quay/outage";
import {
  buildLabReport,
  type DriftSummary,
  type LabReport,
  type LiveLab,
  type LiveMirror,
  type LiveOrganization,
  type LiveTenant,
  parseDriftJson,
} from "../report";
import { DEFAULT_REGISTRY_FILE, DEFAULT_TENANTS_DIR, type LoadResult } from "../tenant";
import { readStackSettings } from "./settings";
import { loadSource, openTenantSource } from "./sources";

export interface ReportContext {
  /** Without a stack: the connection from the environment alone, the tenant files at their defaults. */
  stack: string | undefined;
  projectDir: string;
  repo: string;
  backendUrl?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  log: (line: string) => void;
  now: Date;
}

export interface ReportOptions {
  /** A `quay-gitops drift --json` file to summarize per tenant. */
  driftFile?: string | undefined;
  staleRobotDays: number;
}

export type ReportOutcome =
  | { kind: "invalid"; load: LoadResult }
  | { kind: "report"; report: LabReport; secrets: string[]; unreachable: string[] };

/** The stack config keys of the Quay connection (src/quay/connection.ts). */
const CONNECTION_KEYS = [
  "url",
  "token",
  "username",
  "password",
  "caFile",
  "insecureSkipTlsVerify",
  "maxConcurrency",
  "unreachableTimeoutSeconds",
];

/**
 * The stack's connection settings. The plain values come from the stack's config file (as
 * settings.ts reads it, sparing an engine start); only when a connection setting there is a secret
 * does the engine decrypt the config (it needs the secrets passphrase then, like the other commands).
 */
export async function stackConfigOf(ctx: ReportContext & { stack: string }): Promise<{
  config: Record<string, string>;
  secrets: string[];
}> {
  const file = stackConfigPath(ctx.projectDir, ctx.stack);
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: unknown } | null;
      if (doc?.config && typeof doc.config === "object") raw = doc.config as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot read the stack config ${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  const keyed = CONNECTION_KEYS.map((k) => [k, raw[`quay-gitops:${k}`]] as const);
  const secret = keyed.some(([, v]) => typeof v === "object" && v !== null && "secure" in v);
  if (secret) {
    ctx.log(`reading stack ${ctx.stack}'s config (its Quay credentials are secrets) ...`);
    const { engineStackConfig } = await import("./engine.js");
    const { config, secretConfig } = await engineStackConfig({
      stack: ctx.stack,
      backendUrl: ctx.backendUrl,
      workDir: ctx.projectDir,
      env: {},
      log: ctx.log,
    });
    return { config, secrets: secretConfig };
  }
  const config: Record<string, string> = {};
  for (const [k, v] of keyed) {
    if (v === undefined || v === null || v === "") continue;
    if (k === "token" || k === "password")
      throw new ConfigError(
        `quay-gitops:${k} is in stack ${ctx.stack}'s config in clear text: set it with \`pulumi config set --secret quay-gitops:${k}\` (or use the environment variable instead)`,
      );
    config[`quay-gitops:${k}`] = String(v);
  }
  return { config, secrets: [] };
}

function liveOrg(
  name: string,
  view: { quotas?: SuperuserOrgView["quotas"]; quota_report?: QuotaReportView },
): LiveOrganization {
  const q = view.quotas?.[0];
  const r = view.quota_report;
  return {
    name,
    quota: q
      ? {
          limitBytes: q.limit_bytes,
          limits: q.limits.map((l) => ({
            type: l.type.toLowerCase() === "reject" ? "Reject" : "Warning",
            percent: l.limit_percent,
          })),
        }
      : undefined,
    usage: r
      ? {
          bytes: r.quota_bytes,
          configuredBytes: r.configured_quota,
          backfill: r.backfill_status ?? r.running_backfill ?? "",
        }
      : undefined,
  };
}

const denied = (e: unknown): boolean => isQuayApiError(e) && (e.status === 401 || e.status === 403);

function liveMirror(repository: string, m: MirrorView | undefined): LiveMirror {
  if (!m)
    return {
      repository,
      found: false,
      isEnabled: false,
      syncStatus: "",
      syncIntervalSeconds: 0,
      syncStartDate: null,
      syncExpirationDate: null,
      retriesRemaining: 0,
      externalReference: "",
    };
  return {
    repository,
    found: true,
    isEnabled: m.is_enabled,
    syncStatus: m.sync_status,
    syncIntervalSeconds: m.sync_interval,
    syncStartDate: m.sync_start_date,
    syncExpirationDate: m.sync_expiration_date,
    retriesRemaining: m.sync_retries_remaining,
    externalReference: m.external_reference,
  };
}

/** One tenant's organization: repositories, robots, and the mirrors that exist or are declared. */
async function readTenant(
  s: QuaySession,
  org: LiveOrganization,
  declaredMirrors: ReadonlySet<string>,
  notes: string[],
): Promise<LiveTenant> {
  const [repos, robots] = await Promise.all([
    listRepositories(s, org.name),
    listRobotActivity(s, org.name).catch((e: unknown) => {
      if (!denied(e)) throw e;
      notes.push(`the robots of ${org.name} could not be read (${(e as Error).message})`);
      return [];
    }),
  ]);
  const repositories = [...repos.values()].map((r) => ({
    name: r.name,
    state: r.state,
    sizeBytes: r.quota_report ? r.quota_report.quota_bytes : null,
  }));
  // A mirror's status has no list endpoint: one GET for each repository that is, or should be, one.
  const mirrored = repositories
    .filter((r) => r.state === "MIRROR" || declaredMirrors.has(r.name))
    .map((r) => r.name)
    .sort();
  const mirrors = await Promise.all(
    mirrored.map(async (name) => liveMirror(name, await getMirror(s, org.name, name))),
  );
  return {
    organization: org,
    repositories,
    robots: (robots ?? []).map((r) => ({ name: r.name, created: r.created, lastAccessed: r.last_accessed })),
    mirrors,
  };
}

/** Everything the report needs from Quay, in as few requests as Quay allows. */
export async function readLab(s: QuaySession, state: DesiredState, readAt: Date): Promise<LiveLab> {
  const notes: string[] = [];
  const managed = new Set(state.tenants.map((t) => t.organization.name));
  let all: SuperuserOrgView[];
  try {
    all = await listSuperuserOrganizations(s);
  } catch (e) {
    if (!denied(e)) throw e;
    throw new ConfigError(
      `quay-gitops report reads every organization's quota and usage with one superuser request (GET /api/v1/superuser/organizations/), and Quay refused it (${(e as QuayApiError).status}): the account must be a superuser (SUPER_USERS), as for managing quotas`,
      { cause: e },
    );
  }
  const orgs = new Map(all.filter((o) => managed.has(o.name)).map((o) => [o.name, liveOrg(o.name, o)]));
  const others = all.filter((o) => !managed.has(o.name)).map((o) => liveOrg(o.name, o));
  const tenants = new Map<string, LiveTenant>();
  await Promise.all(
    state.tenants.map(async (t) => {
      const org = orgs.get(t.organization.name);
      const declared = new Set(t.repositories.filter((r) => r.mirror).map((r) => r.name));
      tenants.set(
        t.organization.name,
        org
          ? await readTenant(s, org, declared, notes)
          : { organization: undefined, repositories: [], robots: [], mirrors: [] },
      );
    }),
  );
  const snap = s.client.stats.snapshot();
  return {
    quayUrl: s.client.url,
    readAt,
    tenants,
    otherOrganizations: others,
    requests: { total: snap.total, byRoute: { ...snap.byRoute } },
    notes: notes.sort(),
  };
}

function settingsFor(ctx: ReportContext): { tenantsDir: string; registryFile: string } {
  if (ctx.stack) return readStackSettings({ projectDir: ctx.projectDir, stack: ctx.stack, env: ctx.env });
  const env = (k: string) => (ctx.env[k] === "" ? undefined : ctx.env[k]);
  return {
    tenantsDir: env("QUAY_GITOPS_TENANTS_DIR") ?? DEFAULT_TENANTS_DIR,
    registryFile: env("QUAY_GITOPS_REGISTRY_FILE") ?? DEFAULT_REGISTRY_FILE,
  };
}

export async function runReport(ctx: ReportContext, opts: ReportOptions): Promise<ReportOutcome> {
  const settings = settingsFor(ctx);
  const source = await openTenantSource({ repo: ctx.repo, settings });
  let load: LoadResult;
  try {
    load = loadSource(source, ctx.now);
  } finally {
    source.dispose();
  }
  if (!load.state || load.diagnostics.some((d) => d.severity === "error")) return { kind: "invalid", load };
  const state = load.state;
  let drift: DriftSummary | undefined;
  if (opts.driftFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(opts.driftFile, "utf8");
    } catch (e) {
      throw new ConfigError(`cannot read the drift report ${opts.driftFile}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    drift = parseDriftJson(text, opts.driftFile, ctx.stack ?? null);
  }
  const stackConfig = ctx.stack
    ? await stackConfigOf({ ...ctx, stack: ctx.stack })
    : { config: {}, secrets: [] };
  const connection = resolveConnection(connectionSource((k) => stackConfig.config[k], ctx.env));
  const unreachable: string[] = [];
  const client = connection.client({
    userAgent: "quay-gitops report",
    onOutage: (o) => unreachable.push(describeOutage(o)),
  });
  try {
    ctx.log(
      `reading ${state.tenants.length} ${state.tenants.length === 1 ? "tenant's" : "tenants'"} usage, mirrors and robots from ${connection.url} ...`,
    );
    const live = await readLab(new QuaySession(client), state, ctx.now);
    const report = buildLabReport(state, live, {
      stack: ctx.stack ?? null,
      staleRobotDays: opts.staleRobotDays,
      drift,
    });
    return { kind: "report", report, secrets: stackConfig.secrets, unreachable };
  } finally {
    await client.close();
  }
}
