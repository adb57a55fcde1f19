/**
 * Stage 4: valid files → the desired-state model (src/model/types.ts). Runs only when no stage
 * reported an error, so it may trust shapes and references. Everything here is about producing the
 * exact values the providers compare with what Quay returns: full robot names, sorted lists,
 * bytes and seconds, defaults written out, and Quay's own side effects anticipated.
 */
import { SEVERITY_LEVELS } from "../model/notifications";
import type {
  AutoPrunePolicyModel,
  Credentials,
  DefaultPermissionModel,
  Delegate,
  ImmutabilityPolicyModel,
  Directory,
  Member,
  MirrorModel,
  NotificationModel,
  ProxyCacheModel,
  QuotaLimitModel,
  QuotaModel,
  RepoPermissionModel,
  RepoRole,
  RepositoryModel,
  TeamModel,
  TenantModel,
} from "../model/types";
import { sortFederation } from "../kinds/robot-federation";
import { cmp } from "./diagnostics";
import type {
  AutoPruneSpec,
  CredentialsSpec,
  DefaultPermissionSpec,
  ImmutabilitySpec,
  MirrorSpec,
  NotificationSpec,
  PermissionSpec,
  ProxyCacheSpec,
  QuotaSpec,
  RepositorySpec,
  TeamSpec,
  TenantFile,
} from "./files";
import { splitRobot, splitTeam } from "./names";
import type { RegistryConfig } from "./registry";
import { parseDuration, parseExpiry, parsePercent, parsePruneAge, parseSize } from "./units";

export const DEFAULT_MIRROR_INTERVAL_SECONDS = 86_400;
export const DEFAULT_SKOPEO_TIMEOUT_SECONDS = 300;
/** Quay's default proxy-cache expiration_s (docs/quay-api.md#proxy-cache). */
export const DEFAULT_PROXY_CACHE_EXPIRATION_SECONDS = 86_400;

const ROLE_RANK: Record<RepoRole, number> = { read: 0, write: 1, admin: 2 };

export function normalizeTenant(
  doc: TenantFile,
  file: string,
  registry: RegistryConfig,
  now: Date,
): TenantModel {
  const spec = doc.spec;
  const org = spec.organization?.name ?? doc.metadata.name;
  const orgDeletion = spec.organization?.deletionPolicy ?? "retain";
  const live = <T extends { expires?: string }>(items: readonly T[] | undefined): T[] =>
    (items ?? []).filter((i) => !isExpired(i.expires, now));
  const robotName = (ref: string) => `${org}+${splitRobot(ref).short}`;
  const tagExpiration = spec.organization?.tagExpiration ?? registry.defaultTagExpiration;
  const tagExpirationSeconds = tagExpiration === undefined ? undefined : seconds(tagExpiration);

  const teams: TeamModel[] = [
    ...(spec.teams ?? []).map((t) => normalizeTeam(t, live, robotName, registry.settings.directory)),
    ...registry.baseline.teams.map(
      (t): TeamModel => ({
        name: t.name,
        role: t.role ?? "member",
        description: t.description ?? "",
        members: sortMembers((t.members ?? []).map((m): Member => ({ kind: "user", name: m.user }))),
        origin: "registry",
      }),
    ),
  ].sort((a, b) => cmp(a.name, b.name));

  const tenantDefaults = (spec.defaultPermissions ?? []).map(
    (p): DefaultPermissionModel => ({
      delegate: delegateOf(p, robotName),
      role: p.role,
      ...(p.creator === undefined ? {} : { activatingUser: p.creator }),
      origin: "tenant",
    }),
  );
  const baselineDefaults = registry.baseline.defaultPermissions
    .map(
      (p): DefaultPermissionModel => ({
        delegate: p.team !== undefined ? { kind: "team", name: p.team } : { kind: "user", name: p.user! },
        role: p.role,
        origin: "registry",
      }),
    )
    // The tenant's own default for the same delegate (any creator) replaces the baseline's.
    .filter(
      (b) =>
        !tenantDefaults.some((t) => sameDelegate(t.delegate, b.delegate) && t.activatingUser === undefined),
    );
  const defaultPermissions = [...tenantDefaults, ...baselineDefaults].sort(
    (a, b) =>
      cmp(a.delegate.kind, b.delegate.kind) ||
      cmp(a.delegate.name, b.delegate.name) ||
      cmp(a.activatingUser ?? "", b.activatingUser ?? ""),
  );

  const tenantNotifications = (spec.notifications ?? []).map((n) => normalizeNotification(n, "tenant"));
  const quota = spec.quota ?? registry.defaultQuota;
  const model: TenantModel = {
    name: doc.metadata.name,
    file,
    contacts: doc.metadata.contacts ?? [],
    organization: {
      name: org,
      ...(spec.organization?.email === undefined ? {} : { email: spec.organization.email }),
      ...(tagExpirationSeconds === undefined ? {} : { tagExpirationSeconds }),
      deletionPolicy: orgDeletion,
    },
    ...(quota === undefined ? {} : { quota: normalizeQuota(quota) }),
    users:
      registry.settings.users === "external"
        ? []
        : (spec.users ?? [])
            .map((u) => ({ name: u.name, ...(u.email === undefined ? {} : { email: u.email }) }))
            .sort((a, b) => cmp(a.name, b.name)),
    robots: (spec.robots ?? [])
      .map((r) => ({
        shortName: r.name,
        fullName: `${org}+${r.name}`,
        description: r.description ?? "",
        ...(r.federation === undefined ? {} : { federation: sortFederation(r.federation) }),
      }))
      .sort((a, b) => cmp(a.shortName, b.shortName)),
    teams,
    defaultPermissions,
    repositories: (spec.repositories ?? [])
      .map((r) => normalizeRepository(r, orgDeletion, registry, live, robotName, tenantNotifications))
      .sort((a, b) => cmp(a.name, b.name)),
    autoPrune: normalizeAutoPrune(spec.autoPrune),
    immutability: normalizeImmutability(spec.immutability),
    ...(spec.proxyCache === undefined ? {} : { proxyCache: normalizeProxyCache(spec.proxyCache) }),
  };
  return model;
}

function normalizeTeam(
  t: TeamSpec,
  live: <T extends { expires?: string }>(items: readonly T[] | undefined) => T[],
  robotName: (ref: string) => string,
  directory: Directory | undefined,
): TeamModel {
  return {
    name: t.name,
    role: t.role ?? "member",
    description: t.description ?? "",
    // Validation refuses syncFrom without a directory: normalization runs only on valid files.
    ...(t.syncFrom !== undefined && directory !== undefined
      ? { syncFrom: { directory, group: t.syncFrom.group } }
      : {}),
    members: sortMembers(
      live(t.members).map(
        (m): Member =>
          m.robot !== undefined
            ? { kind: "robot", name: robotName(m.robot) }
            : { kind: "user", name: m.user! },
      ),
    ),
    origin: "tenant",
  };
}

function sortMembers(members: Member[]): Member[] {
  return members.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name));
}

function delegateOf(p: DefaultPermissionSpec | PermissionSpec, robotName: (ref: string) => string): Delegate {
  if (p.robot !== undefined) return { kind: "robot", name: robotName(p.robot) };
  if (p.team !== undefined) return { kind: "team", name: splitTeam(p.team).name };
  return { kind: "user", name: p.user! };
}

function sameDelegate(a: Delegate, b: Delegate): boolean {
  return a.kind === b.kind && a.name === b.name;
}

function normalizeRepository(
  r: RepositorySpec,
  orgDeletion: "retain" | "delete",
  registry: RegistryConfig,
  live: <T extends { expires?: string }>(items: readonly T[] | undefined) => T[],
  robotName: (ref: string) => string,
  tenantNotifications: readonly NotificationModel[],
): RepositoryModel {
  const permissions: RepoPermissionModel[] = live(r.permissions).map((p) => {
    const d = delegateOf(p, robotName);
    return { kind: d.kind, name: d.name, role: p.role };
  });
  const has = (kind: RepoPermissionModel["kind"], name: string) =>
    permissions.find((p) => p.kind === kind && p.name === name);
  for (const b of registry.baseline.repositoryPermissions) {
    const kind = b.team !== undefined ? "team" : "user";
    const name = b.team ?? b.user!;
    // The tenant's own entry for the same delegate wins on this repository.
    if (!has(kind, name)) permissions.push({ kind, name, role: b.role });
  }
  const mirror = r.mirror === undefined ? undefined : normalizeMirror(r.mirror, robotName);
  if (mirror) {
    // Creating a mirror makes Quay grant its robot write (docs/quay-api.md#mirrors); listing it here keeps
    // the authoritative permission set equal to what Quay will hold, instead of a perpetual diff.
    const existing = has("robot", mirror.robot);
    if (!existing) permissions.push({ kind: "robot", name: mirror.robot, role: "write" });
    else if (ROLE_RANK[existing.role] < ROLE_RANK.write) existing.role = "write";
  }
  return {
    name: r.name,
    visibility: r.visibility ?? "private",
    description: r.description ?? "",
    permissions: permissions.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name)),
    autoPrune: normalizeAutoPrune(r.autoPrune),
    immutability: normalizeImmutability(r.immutability),
    notifications: sortNotifications([
      ...tenantNotifications,
      ...(r.notifications ?? []).map((n) => normalizeNotification(n, "repository")),
    ]),
    ...(mirror === undefined ? {} : { mirror }),
    deletionPolicy: r.deletionPolicy ?? orgDeletion,
    allowPublic: r.allowPublic ?? false,
  };
}

export function normalizeQuota(q: QuotaSpec): QuotaModel {
  const limits: QuotaLimitModel[] = [];
  if (q.warningAt !== undefined) limits.push({ type: "Warning", thresholdPercent: percent(q.warningAt) });
  if (q.rejectAt !== undefined) limits.push({ type: "Reject", thresholdPercent: percent(q.rejectAt) });
  limits.sort((a, b) => cmp(a.type, b.type) || a.thresholdPercent - b.thresholdPercent);
  return { limitBytes: bytes(q.limit), limits };
}

export function normalizeAutoPrune(list: readonly AutoPruneSpec[] | undefined): AutoPrunePolicyModel[] {
  return (list ?? [])
    .map((p): AutoPrunePolicyModel => {
      const base =
        p.keepTags !== undefined
          ? { method: "number_of_tags" as const, value: p.keepTags }
          : { method: "creation_date" as const, value: pruneAge(p.olderThan!) };
      return {
        ...base,
        ...(p.tagPattern === undefined ? {} : { tagPattern: p.tagPattern }),
        tagPatternMatches: p.tagPatternMatches ?? true,
      };
    })
    .sort(
      (a, b) =>
        cmp(a.method, b.method) ||
        (typeof a.value === "number" && typeof b.value === "number"
          ? a.value - b.value
          : cmp(String(a.value), String(b.value))) ||
        cmp(a.tagPattern ?? "", b.tagPattern ?? "") ||
        Number(b.tagPatternMatches) - Number(a.tagPatternMatches),
    );
}

export function normalizeImmutability(
  list: readonly ImmutabilitySpec[] | undefined,
): ImmutabilityPolicyModel[] {
  return (list ?? [])
    .map((p) => ({ tagPattern: p.tagPattern, tagPatternMatches: p.tagPatternMatches ?? true }))
    .sort((a, b) => cmp(a.tagPattern, b.tagPattern));
}

/**
 * A notification in Quay's words: the method's config as Quay stores it (a quay_notification's
 * `target`), the event's config as Quay reads it (the severity's index as `level`), and where a secret
 * URL comes from.
 */
export function normalizeNotification(
  n: NotificationSpec,
  scope: NotificationModel["scope"],
): NotificationModel {
  const c = n.config ?? {};
  const config: NotificationModel["config"] = {};
  if (n.method === "webhook" && c.url !== undefined) config.url = c.url;
  if (n.method === "webhook" && c.template !== undefined) config.template = c.template;
  if (n.method === "email" && c.email !== undefined) config.email = c.email;
  if (n.method === "quay_notification")
    config.target =
      c.team !== undefined ? { kind: "team", name: splitTeam(c.team).name } : { kind: "user", name: c.user! };
  const eventConfig: NotificationModel["eventConfig"] = {};
  if (n.event === "vulnerability_found" && n.eventConfig?.level !== undefined)
    eventConfig.level = SEVERITY_LEVELS[n.eventConfig.level];
  if (n.event === "repo_image_expiry" && n.eventConfig?.days !== undefined)
    eventConfig.days = n.eventConfig.days;
  const from = c.urlFrom;
  return {
    event: n.event,
    method: n.method,
    ...(n.title === undefined ? {} : { title: n.title }),
    config,
    eventConfig,
    ...(from === undefined || (n.method !== "webhook" && n.method !== "slack")
      ? {}
      : { urlFrom: "env" in from ? { env: from.env } : { config: from.config } }),
    scope,
  };
}

/** By what names a notification: event, method, title (unique per repository). */
function sortNotifications(list: NotificationModel[]): NotificationModel[] {
  return list.sort(
    (a, b) => cmp(a.event, b.event) || cmp(a.method, b.method) || cmp(a.title ?? "", b.title ?? ""),
  );
}

export function normalizeMirror(m: MirrorSpec, robotName: (ref: string) => string): MirrorModel {
  const proxy = m.proxy;
  return {
    externalReference: m.from,
    tags: [...m.tags],
    syncIntervalSeconds: m.every === undefined ? DEFAULT_MIRROR_INTERVAL_SECONDS : seconds(m.every),
    robot: robotName(m.robot),
    ...(m.credentials === undefined ? {} : { credentials: credentials(m.credentials) }),
    verifyTls: m.verifyTls ?? true,
    unsignedImages: m.unsignedImages ?? false,
    ...(proxy === undefined
      ? {}
      : {
          proxy: {
            ...(proxy.http === undefined ? {} : { http: proxy.http }),
            ...(proxy.https === undefined ? {} : { https: proxy.https }),
            ...(proxy.noProxy === undefined ? {} : { noProxy: proxy.noProxy }),
          },
        }),
    enabled: m.enabled ?? true,
    skopeoTimeoutSeconds:
      m.skopeoTimeout === undefined ? DEFAULT_SKOPEO_TIMEOUT_SECONDS : seconds(m.skopeoTimeout),
    architectureFilter: [...(m.architectureFilter ?? [])].sort(),
  };
}

export function normalizeProxyCache(p: ProxyCacheSpec): ProxyCacheModel {
  return {
    upstream: p.upstream,
    expirationSeconds:
      p.expiration === undefined ? DEFAULT_PROXY_CACHE_EXPIRATION_SECONDS : seconds(p.expiration),
    insecure: p.insecure ?? false,
    ...(p.credentials === undefined ? {} : { credentials: credentials(p.credentials) }),
  };
}

function credentials(c: CredentialsSpec): Credentials {
  const from = c.passwordFrom;
  return {
    username: c.username,
    passwordFrom: "env" in from ? { env: from.env } : { config: from.config },
  };
}

export function isExpired(expires: string | undefined, now: Date): boolean {
  if (expires === undefined) return false;
  const end = parseExpiry(expires);
  return end.ok && end.value.getTime() <= now.getTime();
}

/*
 * The validation stages guarantee these parse; a failure here is a bug in them, so it throws (the
 * loader turns it into a QG_TENANT_INTERNAL diagnostic instead of a crash).
 */
function seconds(v: string | number): number {
  const d = parseDuration(v);
  if (!d.ok) throw new Error(`unvalidated duration reached normalization: ${d.reason}`);
  return d.value;
}
function bytes(v: string | number): number {
  const s = parseSize(v);
  if (!s.ok) throw new Error(`unvalidated size reached normalization: ${s.reason}`);
  return s.value;
}
function percent(v: string | number): number {
  const p = parsePercent(v);
  if (!p.ok) throw new Error(`unvalidated percentage reached normalization: ${p.reason}`);
  return p.value;
}
function pruneAge(v: string): string {
  const a = parsePruneAge(v);
  if (!a.ok) throw new Error(`unvalidated prune age reached normalization: ${a.reason}`);
  return a.value;
}
