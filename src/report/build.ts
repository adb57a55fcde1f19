/**
 * Judges what was read from Quay against the tenant files: a quota status as Quay itself would decide
 * the next push, mirrors that fail or fell behind, robots nobody used for long. Pure: `LiveLab` and the
 * desired state in, `LabReport` out.
 */
import type { DesiredState, TenantModel } from "../model/types";
import { formatBytes } from "../tenant/units";
import type { DriftSummary } from "./drift";
import type {
  Finding,
  LabReport,
  LiveLab,
  LiveMirror,
  LiveOrganization,
  LiveQuotaLimit,
  LiveRobot,
  LiveTenant,
  MirrorReport,
  QuotaReport,
  QuotaStatus,
  RobotReport,
  Severity,
  TenantReport,
} from "./types";

export interface BuildOptions {
  stack: string | null;
  /** A robot unused for more days than this is stale. */
  staleRobotDays: number;
  drift?: DriftSummary | undefined;
}

const DAY_MS = 86_400_000;
/** The mirror worker gives up on a run after 12 hours (MAX_SYNC_DURATION, data/model/repo_mirror.py at v3.18.0). */
const MAX_SYNC_DURATION_MS = 12 * 3600 * 1000;
const LARGEST = 5;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const pct = (n: number): string => `${n < 10 && !Number.isInteger(n) ? n.toFixed(1) : Math.round(n)}%`;

/**
 * check_limits (data/model/namespacequota.py at v3.18.0): among the limits whose byte threshold the
 * namespace has reached, the one with the highest threshold decides, so a Warning limit above a
 * Reject limit hides the rejection; without a quota, the system default rejects at its size.
 */
export function quotaSeverity(
  usedBytes: number,
  quota: { limitBytes: number; limits: readonly LiveQuotaLimit[] } | undefined,
  systemDefaultBytes: number | null,
): "Warning" | "Reject" | null {
  if (!quota)
    return systemDefaultBytes !== null && systemDefaultBytes > 0 && usedBytes >= systemDefaultBytes
      ? "Reject"
      : null;
  let highest = 0;
  let severity: "Warning" | "Reject" | null = null;
  for (const l of quota.limits) {
    const allowed = Math.trunc((quota.limitBytes * l.percent) / 100);
    if (usedBytes >= allowed && highest < allowed) {
      highest = allowed;
      severity = l.type;
    }
  }
  return severity;
}

const sortLimits = (limits: readonly LiveQuotaLimit[]): LiveQuotaLimit[] =>
  [...limits].sort((a, b) => a.percent - b.percent || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));

const lowest = (limits: readonly LiveQuotaLimit[], type: LiveQuotaLimit["type"]): number | null => {
  const ps = limits.filter((l) => l.type === type).map((l) => l.percent);
  return ps.length ? Math.min(...ps) : null;
};

function declaredQuota(t: TenantModel | undefined): QuotaReport["declared"] {
  if (!t?.quota) return undefined;
  return {
    limitBytes: t.quota.limitBytes,
    limits: sortLimits(t.quota.limits.map((l) => ({ type: l.type, percent: l.thresholdPercent }))),
  };
}

export function quotaReport(org: LiveOrganization | undefined, tenant?: TenantModel): QuotaReport {
  const declared = declaredQuota(tenant);
  if (!org) {
    return {
      status: "missing",
      usedBytes: null,
      limitBytes: null,
      percent: null,
      warningPercent: null,
      rejectPercent: null,
      limits: [],
      source: "none",
      backfill: "",
      ...(declared ? { declared } : {}),
      declaredDiffers: declared !== undefined,
    };
  }
  const used = org.usage?.bytes ?? 0;
  const configured = org.usage?.configuredBytes ?? org.quota?.limitBytes ?? null;
  const source: QuotaReport["source"] = org.quota ? "quota" : configured !== null ? "system-default" : "none";
  const limitBytes = org.quota?.limitBytes ?? configured;
  // The system default has no limit rows: it rejects at 100% (check_limits).
  const limits = org.quota
    ? sortLimits(org.quota.limits)
    : source === "system-default"
      ? [{ type: "Reject" as const, percent: 100 }]
      : [];
  const severity = quotaSeverity(used, org.quota, org.quota ? null : configured);
  const status: QuotaStatus =
    severity === "Reject"
      ? "rejecting"
      : severity === "Warning"
        ? "warning"
        : limitBytes === null
          ? "no-quota"
          : "ok";
  const live = org.quota
    ? { limitBytes: org.quota.limitBytes, limits: sortLimits(org.quota.limits) }
    : undefined;
  const differs =
    declared !== undefined &&
    (live === undefined ||
      live.limitBytes !== declared.limitBytes ||
      JSON.stringify(live.limits) !== JSON.stringify(declared.limits));
  return {
    status,
    usedBytes: used,
    limitBytes,
    percent: limitBytes ? (used / limitBytes) * 100 : null,
    warningPercent: lowest(limits, "Warning"),
    rejectPercent: lowest(limits, "Reject"),
    limits,
    source,
    backfill: org.usage?.backfill ?? "",
    ...(declared ? { declared } : {}),
    declaredDiffers: differs,
  };
}

function quotaFindings(q: QuotaReport, org: string): Finding[] {
  const out: Finding[] = [];
  const of = q.limitBytes !== null ? ` of ${formatBytes(q.limitBytes)}` : "";
  const used = q.usedBytes !== null ? formatBytes(q.usedBytes) : "";
  const share = q.percent !== null ? `${pct(q.percent)}${of}` : used;
  if (q.status === "missing")
    out.push({ severity: "problem", area: "organization", text: `organization ${org} is not in Quay` });
  if (q.status === "rejecting")
    out.push({
      severity: "problem",
      area: "quota",
      text: `rejecting pushes: ${used} used, ${share}${q.rejectPercent !== null ? ` (rejects at ${q.rejectPercent}%)` : ""}`,
    });
  if (q.status === "warning")
    out.push({
      severity: "attention",
      area: "quota",
      text: `past its warning line: ${used} used, ${share}${q.warningPercent !== null ? ` (warns at ${q.warningPercent}%)` : ""}`,
    });
  if (q.status === "no-quota") out.push({ severity: "info", area: "quota", text: `no quota: ${used} used` });
  if (q.status !== "missing" && q.backfill !== "complete")
    out.push({
      severity: "info",
      area: "quota",
      text: `Quay has not counted this organization's storage yet (backfill ${q.backfill || "not started"}): it counts ${used} for now`,
    });
  if (q.declaredDiffers && q.declared && q.status !== "missing") {
    const d = q.declared;
    out.push({
      severity: "attention",
      area: "quota",
      text: `Quay's quota (${q.source === "quota" ? `${formatBytes(q.limitBytes ?? 0)} ${limitText(q.limits)}` : "none"}) is not the tenant file's (${formatBytes(d.limitBytes)} ${limitText(d.limits)}): not applied yet, or changed in Quay`,
    });
  }
  return out;
}

const limitText = (limits: readonly LiveQuotaLimit[]): string =>
  limits.length === 0
    ? "without limits"
    : limits.map((l) => `${l.type.toLowerCase()} ${l.percent}%`).join(", ");

/** Quay writes `2026-01-01T06:00:00.123000Z`; Date.parse takes milliseconds only. */
function parseIso(s: string | null): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isFinite(ms) ? ms : undefined;
}

function parseRfc2822(s: string | null): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

const duration = (seconds: number): string =>
  seconds % 86400 === 0
    ? `${seconds / 86400}d`
    : seconds % 3600 === 0
      ? `${seconds / 3600}h`
      : seconds % 60 === 0
        ? `${seconds / 60}m`
        : `${seconds}s`;

const day = (ms: number): string =>
  iso(ms)
    .replace("T", " ")
    .replace(/:\d\dZ$/, " UTC");

/**
 * A mirror as the worker sees it (get_eligible_mirrors, claim_mirror, release_mirror in
 * data/model/repo_mirror.py at v3.18.0): a failed run keeps its start date and retries; a successful
 * one moves `sync_start_date` to the next interval boundary, so a start date more than one interval
 * in the past means the worker has not synced it for more than twice its interval.
 */
export function mirrorReport(
  repository: string,
  live: LiveMirror | undefined,
  repoState: string | undefined,
  declared: boolean,
  now: number,
): MirrorReport {
  const base = {
    repository,
    declared,
    syncStatus: live?.found ? live.syncStatus : null,
    intervalSeconds: live?.found ? live.syncIntervalSeconds : null,
    nextSync: null as string | null,
    lastSuccessAfter: null as string | null,
    externalReference: live?.found ? live.externalReference : null,
  };
  if (!live?.found) {
    return {
      ...base,
      status: "missing",
      text:
        repoState === undefined
          ? "declared, but the repository is not in Quay"
          : "declared, but Quay has no mirror configuration",
    };
  }
  const intervalMs = live.syncIntervalSeconds * 1000;
  const start = parseIso(live.syncStartDate);
  const expiry = parseIso(live.syncExpirationDate);
  base.nextSync = start !== undefined ? iso(start) : null;
  const every = `every ${duration(live.syncIntervalSeconds)}`;
  const r = (status: MirrorReport["status"], text: string): MirrorReport => ({ ...base, status, text });
  if (!live.isEnabled) return r("disabled", `disabled in Quay (${every})`);
  if (repoState !== undefined && repoState !== "MIRROR")
    return r("disabled", `the repository is ${repoState}, not MIRROR: the worker skips it`);
  switch (live.syncStatus) {
    case "FAIL": {
      // A failed run keeps its start date, so the worker tries again on its next pass until the
      // retries are used up; then the start moves to the next interval (release_mirror).
      const next = start !== undefined && start > now ? `, next try ${day(start)}` : "";
      return r(
        "failing",
        `last sync failed; ${live.retriesRemaining} ${live.retriesRemaining === 1 ? "retry" : "retries"} left${next}`,
      );
    }
    case "CANCEL":
      return r("cancelled", "sync cancelled: not scheduled again until someone starts a sync");
    case "SYNCING": {
      const began = expiry !== undefined ? expiry - MAX_SYNC_DURATION_MS : undefined;
      if (expiry !== undefined && now > expiry)
        return r("overdue", `a sync started ${day(began ?? expiry)} ran past Quay's 12-hour limit`);
      return r("syncing", `syncing${began !== undefined ? ` since ${day(began)}` : ""}`);
    }
    case "SYNC_NOW":
      return r("sync-requested", "a sync was requested and waits for the worker");
  }
  if (start === undefined) return r("overdue", `not scheduled (no start date; ${every})`);
  const late = now - start > intervalMs;
  if (live.syncStatus === "SUCCESS") {
    const after = start - intervalMs;
    base.lastSuccessAfter = iso(after);
    if (late)
      return r(
        "overdue",
        `not synced for more than twice its interval (${every}): last success before ${day(start)}, due since then`,
      );
    return r("ok", `last synced after ${day(after)}, next ${day(start)} (${every})`);
  }
  // NEVER_RUN: the first sync is due at the start date.
  if (late) return r("overdue", `never synced; due since ${day(start)} (${every})`);
  return r("pending", `not synced yet; first sync due ${day(start)} (${every})`);
}

export function robotReport(
  robot: LiveRobot,
  declared: boolean,
  staleDays: number,
  now: number,
): RobotReport {
  const last = parseRfc2822(robot.lastAccessed);
  const created = parseRfc2822(robot.created);
  const since = last ?? created;
  const idleDays = since === undefined ? null : Math.max(0, Math.floor((now - since) / DAY_MS));
  return {
    name: robot.name,
    declared,
    lastUsed: last === undefined ? null : iso(last),
    created: created === undefined ? null : iso(created),
    idleDays,
    status: last === undefined ? "never" : idleDays !== null && idleDays > staleDays ? "stale" : "recent",
    stale: idleDays !== null && idleDays > staleDays,
  };
}

const names = (xs: string[], max = 3): string =>
  xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;

function robotFindings(robots: RobotReport[], staleDays: number): Finding[] {
  const out: Finding[] = [];
  const neverOld = robots.filter((r) => r.status === "never" && r.stale).map((r) => r.name);
  const neverNew = robots.filter((r) => r.status === "never" && !r.stale).map((r) => r.name);
  const stale = robots.filter((r) => r.status === "stale");
  if (neverOld.length)
    out.push({
      severity: "attention",
      area: "robot",
      text: `${neverOld.length} ${neverOld.length === 1 ? "robot" : "robots"} never used in over ${staleDays} days: ${names(neverOld)}`,
    });
  if (stale.length)
    out.push({
      severity: "attention",
      area: "robot",
      text: `${stale.length} ${stale.length === 1 ? "robot" : "robots"} unused for over ${staleDays} days: ${names(
        stale.map((r) => `${r.name} (${r.idleDays} days)`),
      )}`,
    });
  if (neverNew.length)
    out.push({
      severity: "info",
      area: "robot",
      text: `${neverNew.length} ${neverNew.length === 1 ? "robot" : "robots"} not used yet: ${names(neverNew)}`,
    });
  return out;
}

const MIRROR_SEVERITY: Record<MirrorReport["status"], Severity | undefined> = {
  ok: undefined,
  syncing: undefined,
  "sync-requested": undefined,
  pending: "info",
  failing: "problem",
  overdue: "problem",
  cancelled: "attention",
  disabled: "info",
  missing: "attention",
};

const SEVERITY_ORDER: Record<Severity, number> = { problem: 0, attention: 1, info: 2 };

function tenantReport(
  t: TenantModel,
  live: LiveTenant | undefined,
  opts: BuildOptions,
  now: number,
): TenantReport {
  const org = t.organization.name;
  const quota = quotaReport(live?.organization, t);
  const repos = live?.repositories ?? [];
  const repoState = new Map(repos.map((r) => [r.name, r.state]));
  const declaredMirrors = new Set(t.repositories.filter((r) => r.mirror).map((r) => r.name));
  const liveMirrors = new Map((live?.mirrors ?? []).map((m) => [m.repository, m]));
  const mirrorNames = [...new Set([...declaredMirrors, ...liveMirrors.keys()])].sort();
  const mirrors = live?.organization
    ? mirrorNames.map((name) =>
        mirrorReport(name, liveMirrors.get(name), repoState.get(name), declaredMirrors.has(name), now),
      )
    : [];
  const declaredRobots = new Set(t.robots.map((r) => r.fullName));
  const robots = (live?.robots ?? [])
    .map((r) => robotReport(r, declaredRobots.has(r.name), opts.staleRobotDays, now))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const findings: Finding[] = [...quotaFindings(quota, org)];
  for (const m of mirrors) {
    const severity = MIRROR_SEVERITY[m.status];
    if (severity) findings.push({ severity, area: "mirror", text: `mirror ${m.repository}: ${m.text}` });
  }
  findings.push(...robotFindings(robots, opts.staleRobotDays));
  const drift = opts.drift?.tenants.get(t.name);
  if (drift) findings.push({ severity: "attention", area: "drift", text: `drift: ${drift}` });
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const largestRepositories = repos
    .filter((r) => (r.sizeBytes ?? 0) > 0)
    .map((r) => ({ name: r.name, bytes: r.sizeBytes ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1))
    .slice(0, LARGEST);
  return {
    tenant: t.name,
    file: t.file,
    contacts: [...t.contacts],
    organization: org,
    inQuay: live?.organization !== undefined,
    quota,
    repositoryCount: repos.length,
    largestRepositories,
    mirrors,
    robots,
    ...(drift ? { drift } : {}),
    findings,
  };
}

export function buildLabReport(state: DesiredState, live: LiveLab, opts: BuildOptions): LabReport {
  const now = live.readAt.getTime();
  const tenants = state.tenants.map((t) => tenantReport(t, live.tenants.get(t.organization.name), opts, now));
  const quotaTotals: Record<QuotaStatus, number> = {
    ok: 0,
    warning: 0,
    rejecting: 0,
    "no-quota": 0,
    missing: 0,
  };
  for (const t of tenants) quotaTotals[t.quota.status]++;
  return {
    kind: "quay-gitops/report",
    version: 1,
    generatedAt: iso(now),
    quayUrl: live.quayUrl,
    stack: opts.stack,
    staleRobotDays: opts.staleRobotDays,
    tenants,
    otherOrganizations: live.otherOrganizations
      .map((o) => ({ organization: o.name, quota: quotaReport(o) }))
      .sort((a, b) => (a.organization < b.organization ? -1 : 1)),
    totals: {
      tenants: tenants.length,
      quota: quotaTotals,
      mirrorsFailing: tenants.reduce(
        (n, t) => n + t.mirrors.filter((m) => MIRROR_SEVERITY[m.status] === "problem").length,
        0,
      ),
      robotsStale: tenants.reduce((n, t) => n + t.robots.filter((r) => r.stale).length, 0),
    },
    drift: opts.drift?.summary ?? null,
    requests: live.requests,
    notes: [...live.notes, ...(opts.drift?.notes ?? [])],
  };
}
