/**
 * `quay-gitops export` and `quay-gitops init`: one read pass over Quay (src/export/live.ts), then the
 * pure export (src/export), then a validation of what it wrote against the registry file. Reads only,
 * through the list endpoints refresh uses (docs/design.md "Few requests"):
 *
 *   once              GET /config (or the discovery document), GET /api/v1/user/,
 *                     GET /api/v1/superuser/users/, GET /api/v1/superuser/organizations/ (--all, or
 *                     to see memberships in organizations not exported)
 *   per organization  its view (teams, quota), robots (teams, no tokens), members, prototypes,
 *                     repositories (100 a page), prune policies, proxy cache, immutability
 *                     policies (FEATURE_IMMUTABLE_TAGS on); per team with grants its grant list
 *                     (when fewer than the repositories); per team whose size the two lists do not
 *                     explain, and per synced team (its group), its member list
 *   per robot         its federation list (unless --no-federation: Quay has no list of them,
 *                     docs/quay-api.md#robot-federation)
 *   per repository    its user grants, prune policies, immutability policies (FEATURE_IMMUTABLE_TAGS
 *                     on) and notifications (unless --no-notifications); per mirrored repository
 *                     its mirror
 *
 * Nothing here reads argv or writes files or stdout: the CLI (src/cli/commands/export.ts, init.ts) does.
 */
import { ConfigError } from "../errors";
import {
  type ExportResult,
  exportLab,
  type FeatureKey,
  type LiveLab,
  type LiveOrganization,
  type LiveRegistryConfig,
  type LiveRepository,
  type LiveTeam,
} from "../export";
import { isQuayApiError } from "../quay";
import { type Feature, mayHaveInvites, readWebConfig, registeredFeatures } from "../quay/api/capabilities";
import { listImmutabilityPolicies } from "../quay/api/immutability";
import { getMirror } from "../quay/api/mirrors";
import { listNotifications } from "../quay/api/notifications";
import {
  getOrganization,
  listOrgMembers,
  listSuperuserOrganizations,
  type TeamSummary,
} from "../quay/api/organizations";
import { listPrunePolicies } from "../quay/api/autoprune";
import { listPrototypes } from "../quay/api/prototypes";
import { getProxyCache } from "../quay/api/proxycache";
import { getQuota } from "../quay/api/quotas";
import {
  listRepositories,
  listTeamPermissions,
  listUserPermissions,
  orgTeamGrants,
} from "../quay/api/repositories";
import { getRobotFederation, listRobotsWithoutTokens } from "../quay/api/robots";
import { ME_SCOPE, type QuaySession } from "../quay/api/session";
import { getTeamMembers, membersByTeam, SYNC_KEY, type TeamMemberView } from "../quay/api/teams";
import { listUsers } from "../quay/api/users";
import { connectionSource, resolveConnection } from "../quay/connection";
import { describeOutage } from "../quay/outage";
import { loadDesiredStateFromFiles, type LoadResult } from "../tenant";
import { urlSecret } from "../tenant/rules";
import { type ReportContext, stackConfigOf } from "./report";

export type ExportContext = ReportContext;

export interface ExportRequest {
  /** Organizations to export; with `all`, every organization the account sees. */
  organizations: string[];
  all: boolean;
  /**
   * Read every repository's notifications (one request each: Quay lists them per repository only),
   * so that the notes name them; default true.
   */
  notifications?: boolean;
  /**
   * Read every robot's federation list (one request each: Quay has no list of them), so that the
   * files declare it; default true.
   */
  federation?: boolean;
  /** The registry file's `metadata.name`. */
  stackName: string;
  /** The registry file's path as the tenant files' header names it. */
  registryFile: string;
}

export interface ExportOutcome {
  live: LiveLab;
  result: ExportResult;
  /**
   * Requests sent, by route (GETs only: the export writes nothing). `total` leaves out `signIn`, the
   * session's own requests (CSRF token, sign-in), which do not read the lab.
   */
  requests: { total: number; signIn: number; byRoute: Record<string, number> };
  /** Credential values of the run, for the CLI's output filter. */
  secrets: string[];
  unreachable: string[];
}

const FEATURE_FLAGS: Record<FeatureKey, string> = {
  repoMirror: "REPO_MIRROR",
  proxyCache: "PROXY_CACHE",
  autoPrune: "AUTO_PRUNE",
  quotaManagement: "QUOTA_MANAGEMENT",
  sparseIndex: "SPARSE_INDEX",
  extendedRepositoryNames: "EXTENDED_REPOSITORY_NAMES",
  immutableTags: "IMMUTABLE_TAGS",
  teamSyncing: "TEAM_SYNCING",
};
const PROBED: Partial<Record<FeatureKey, Feature>> = {
  repoMirror: "FEATURE_REPO_MIRROR",
  proxyCache: "FEATURE_PROXY_CACHE",
  autoPrune: "FEATURE_AUTO_PRUNE",
  quotaManagement: "FEATURE_QUOTA_MANAGEMENT",
  immutableTags: "FEATURE_IMMUTABLE_TAGS",
  teamSyncing: "FEATURE_TEAM_SYNCING",
};

/** The registry's configuration as far as Quay tells it: `/config`, else the discovery document. */
export async function readRegistryConfig(s: QuaySession): Promise<LiveRegistryConfig> {
  const web = await readWebConfig(s);
  if (web) {
    const features: LiveRegistryConfig["features"] = {};
    for (const [key, flag] of Object.entries(FEATURE_FLAGS) as [FeatureKey, string][])
      if (flag in web.features) features[key] = web.features[flag]!;
    return {
      features,
      featureSource: "config",
      ...(web.tagExpirationOptions ? { tagExpirationOptions: web.tagExpirationOptions } : {}),
      ...(web.authenticationType ? { authenticationType: web.authenticationType } : {}),
      ...(web.serverHostname ? { serverHostname: web.serverHostname } : {}),
    };
  }
  const registered = await registeredFeatures(s);
  if (!registered) return { features: {}, featureSource: "none" };
  const features: LiveRegistryConfig["features"] = {};
  for (const [key, flag] of Object.entries(PROBED) as [FeatureKey, Feature][])
    features[key] = registered.get(flag) === true;
  return { features, featureSource: "discovery" };
}

/** The run's requests, the session's sign-in apart. */
function requestsOf(snap: {
  total: number;
  byRoute: Readonly<Record<string, number>>;
}): ExportOutcome["requests"] {
  const signIn = Object.entries(snap.byRoute)
    .filter(([route]) => /\/csrf_token$|\/api\/v1\/signin(\/verify)?$/.test(route))
    .reduce((n, [, count]) => n + count, 0);
  return { total: snap.total - signIn, signIn, byRoute: { ...snap.byRoute } };
}

const denied = (e: unknown): boolean => isQuayApiError(e) && (e.status === 401 || e.status === 403);

/** A read the registry may not offer: undefined when a feature is off (Quay answers an unrouted page). */
async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isQuayApiError(e) && e.unrouted) return undefined;
    throw e;
  }
}

/** Reads everything the export needs, in as few requests as Quay allows. */
export async function readLab(
  s: QuaySession,
  request: Pick<ExportRequest, "organizations" | "all" | "notifications" | "federation"> & {
    /** Read the members of every organization (init: to tell which users tenants will own). */
    everyMembership?: boolean;
  },
  log: (line: string) => void,
): Promise<LiveLab> {
  const [me, registry, user] = await Promise.all([
    s.me(),
    readRegistryConfig(s),
    // The same cached answer as me(): the account's own organizations, for --all without a superuser.
    s.get<{ organizations?: { name: string }[] }>("/api/v1/user/", { scope: ME_SCOPE }),
  ]);
  const on = (k: FeatureKey) => registry.features[k] !== false;
  let everyOrg: string[] | undefined;
  if (me.superUser && (request.all || request.organizations.length > 0 || request.everyMembership)) {
    try {
      everyOrg = (await listSuperuserOrganizations(s)).map((o) => o.name).sort();
    } catch (e) {
      if (!denied(e)) throw e;
    }
  }
  let names: string[];
  if (request.all) {
    names = everyOrg ?? (user?.organizations ?? []).map((o) => o.name).sort();
  } else {
    names = [...new Set(request.organizations)].sort();
  }
  const users = me.superUser
    ? await listUsers(s).then(
        (m) => [...m.values()],
        (e: unknown) => {
          if (denied(e)) return undefined;
          throw e;
        },
      )
    : undefined;
  const invites = await mayHaveInvites(s);
  if (names.length > 0)
    log(`reading ${names.length} organization${names.length === 1 ? "" : "s"} from ${s.client.url} ...`);
  const organizations = await Promise.all(
    names.map((name) =>
      readOrganization(s, name, {
        on,
        known: (k) => registry.features[k] === true,
        invites,
        account: me.username,
        notifications: request.notifications !== false,
        federation: request.federation !== false,
      }),
    ),
  );

  // A member of an exported organization who is also a member of one not exported is nobody's.
  const otherMemberships = new Map<string, string[]>();
  const exported = new Set(names);
  const others = (everyOrg ?? []).filter((o) => !exported.has(o));
  await Promise.all(
    others.map(async (org) => {
      const members = await listOrgMembers(s, org).catch((e: unknown) => {
        if (denied(e)) return undefined;
        throw e;
      });
      for (const m of members ?? [])
        otherMemberships.set(m.name, [...(otherMemberships.get(m.name) ?? []), org]);
    }),
  );

  return {
    url: s.client.url,
    account: me.username,
    superUser: me.superUser,
    registry,
    users: users?.map((u) => ({
      name: u.username,
      email: u.email ?? null,
      enabled: u.enabled !== false,
      superUser: u.super_user === true,
    })),
    organizations,
    otherMemberships,
  };
}

async function readOrganization(
  s: QuaySession,
  name: string,
  opts: {
    on: (k: FeatureKey) => boolean;
    /** Known to be on: immutability policies are off by default, and their routes absent then. */
    known: (k: FeatureKey) => boolean;
    invites: boolean;
    account: string;
    notifications: boolean;
    federation: boolean;
  },
): Promise<LiveOrganization> {
  const view = await getOrganization(s, name);
  if (!view)
    throw new ConfigError(`organization ${name} does not exist in Quay (or the account cannot see it)`);
  if (!view.is_admin || !view.teams)
    throw new ConfigError(
      `the account ${opts.account} cannot administer organization ${name}, so its teams, robots and grants cannot be read: export with a superuser (FEATURE_SUPERUSERS_FULL_ACCESS) or an administrator of every organization`,
    );
  const immutable = opts.known("immutableTags");
  const [robots, members, prototypes, repos, autoPrune, proxyCache, quota, immutability] = await Promise.all([
    listRobotsWithoutTokens(s, name),
    listOrgMembers(s, name),
    listPrototypes(s, name),
    listRepositories(s, name),
    opts.on("autoPrune") ? optional(() => listPrunePolicies(s, { namespace: name })) : undefined,
    opts.on("proxyCache") ? optional(() => getProxyCache(s, name)) : undefined,
    opts.on("quotaManagement") ? getQuota(s, name) : undefined,
    immutable ? optional(() => listImmutabilityPolicies(s, { namespace: name })) : undefined,
  ]);
  // Quay has no list of federations: one GET per robot (docs/quay-api.md#robot-federation).
  const federations = opts.federation
    ? await Promise.all(
        (robots ?? []).map((r) =>
          r.name.startsWith(`${name}+`)
            ? optional(() => getRobotFederation(s, name, r.name.slice(name.length + 1)))
            : undefined,
        ),
      )
    : undefined;

  const teams = await readTeams(s, name, view.teams, { members, robots, invites: opts.invites });
  const images = [...repos.values()];
  const teamGrants = await orgTeamGrants(s, name);
  const repositories = await Promise.all(
    images.map(async (r): Promise<LiveRepository> => {
      const readable = r.kind === "image" && r.state !== "MARKED_FOR_DELETION";
      const [users, teamsOf, policies, mirror, notifications, repoImmutability] = readable
        ? await Promise.all([
            listUserPermissions(s, name, r.name),
            teamGrants ? (teamGrants.get(r.name) ?? {}) : listTeamPermissions(s, name, r.name),
            opts.on("autoPrune")
              ? optional(() => listPrunePolicies(s, { namespace: name, repository: r.name }))
              : undefined,
            // Quay has no list of mirrors: one GET for each repository in state MIRROR.
            opts.on("repoMirror") && r.state === "MIRROR" ? getMirror(s, name, r.name) : undefined,
            opts.notifications ? listNotifications(s, name, r.name) : undefined,
            immutable
              ? optional(() => listImmutabilityPolicies(s, { namespace: name, repository: r.name }))
              : undefined,
          ])
        : [{}, {}, undefined, undefined, undefined, undefined];
      return {
        name: r.name,
        isPublic: r.is_public,
        description: r.description,
        state: r.state,
        kind: r.kind,
        grants: [
          ...Object.values(users).map((p) => ({
            kind: p.is_robot ? ("robot" as const) : ("user" as const),
            name: p.name,
            role: p.role,
            ...(p.is_org_member !== undefined ? { orgMember: p.is_org_member } : {}),
          })),
          ...Object.values(teamsOf).map((p) => ({ kind: "team" as const, name: p.name, role: p.role })),
        ],
        autoPrune: policies ?? undefined,
        ...(notifications
          ? {
              notifications: notifications.map((n) => ({
                title: n.title,
                event: n.event,
                method: n.method,
                config: { ...(n.config ?? {}) },
                eventConfig: { ...(n.event_config ?? {}) },
              })),
            }
          : {}),
        ...(repoImmutability ? { immutability: repoImmutability.map(policyOf) } : {}),
        ...(mirror
          ? {
              mirror: {
                externalReference: mirror.external_reference,
                ruleKind: mirror.root_rule?.rule_kind ?? "",
                tags: [...(mirror.root_rule?.rule_value ?? [])],
                syncIntervalSeconds: mirror.sync_interval,
                robot: mirror.robot_username,
                username: mirror.external_registry_username,
                verifyTls: mirror.external_registry_config?.verify_tls ?? true,
                unsignedImages: mirror.external_registry_config?.unsigned_images ?? false,
                proxy: mirror.external_registry_config?.proxy
                  ? {
                      http: mirror.external_registry_config.proxy.http_proxy ?? null,
                      https: mirror.external_registry_config.proxy.https_proxy ?? null,
                      noProxy: mirror.external_registry_config.proxy.no_proxy ?? null,
                    }
                  : undefined,
                isEnabled: mirror.is_enabled,
                skopeoTimeoutSeconds: mirror.skopeo_timeout_interval,
                architectureFilter: [...(mirror.architecture_filter ?? [])],
              },
            }
          : {}),
      };
    }),
  );
  return {
    name,
    email: view.email ?? "",
    ...(view.tag_expiration_s !== undefined ? { tagExpirationSeconds: view.tag_expiration_s } : {}),
    ...(quota
      ? {
          quota: {
            limitBytes: quota.limit_bytes,
            limits: quota.limits.map((l) => ({ type: l.type, percent: l.limit_percent })),
          },
        }
      : {}),
    robots: (robots ?? []).map((r, i) => {
      const federation = federations?.[i];
      return {
        name: r.name,
        description: r.description ?? "",
        ...(federation
          ? { federation: federation.map((f) => ({ issuer: f.issuer, subject: f.subject })) }
          : {}),
      };
    }),
    teams,
    defaultPermissions: prototypes.map((p) => ({
      delegate: {
        kind: p.delegate.kind === "team" ? "team" : p.delegate.is_robot ? "robot" : "user",
        name: p.delegate.name,
      },
      role: p.role,
      ...(p.activating_user ? { activatingUser: p.activating_user.name } : {}),
    })),
    repositories,
    autoPrune: autoPrune ?? undefined,
    ...(immutability ? { immutability: immutability.map(policyOf) } : {}),
    ...(proxyCache
      ? {
          proxyCache: {
            upstream: proxyCache.upstream_registry,
            expirationSeconds: proxyCache.expiration_s,
            insecure: proxyCache.insecure,
          },
        }
      : {}),
    unread: [],
  };
}

const policyOf = (p: { tagPattern: string; tagPatternMatches: boolean }) => ({
  tagPattern: p.tagPattern,
  tagPatternMatches: p.tagPatternMatches,
});

/**
 * Every team with its members. The organization's member list and robot list (each robot's
 * `teams`) answer for all teams at once (src/quay/api/teams.ts `orgTeamMembers`), unless the
 * registry may hold invitations (which only a team's own list shows) or a team's `member_count`
 * says the lists miss someone (a robot of another organization): then the team's own list.
 */
async function readTeams(
  s: QuaySession,
  org: string,
  summaries: Record<string, TeamSummary>,
  lists: {
    members: Awaited<ReturnType<typeof listOrgMembers>>;
    robots: Awaited<ReturnType<typeof listRobotsWithoutTokens>>;
    invites: boolean;
  },
): Promise<LiveTeam[]> {
  const byTeam =
    !lists.invites && lists.members && lists.robots ? membersByTeam(lists.members, lists.robots) : undefined;
  return Promise.all(
    Object.values(summaries).map(async (t): Promise<LiveTeam> => {
      const fromOrg = byTeam?.get(t.name) ?? [];
      // A synced team's group is only in its own member list (to superusers): read it for them.
      const fromLists = byTeam !== undefined && fromOrg.length === t.member_count && t.is_synced !== true;
      const own = fromLists ? undefined : await getTeamMembers(s, org, t.name);
      const view: TeamMemberView[] = fromLists ? fromOrg : (own?.members ?? []);
      const synced = own?.synced;
      const key = synced ? SYNC_KEY[synced.service as keyof typeof SYNC_KEY] : undefined;
      const group = key === undefined ? undefined : synced?.config?.[key];
      return {
        name: t.name,
        role: t.role,
        description: t.description ?? "",
        synced: t.is_synced === true,
        ...(synced
          ? { sync: { directory: synced.service, ...(typeof group === "string" ? { group } : {}) } }
          : {}),
        members: view
          .filter((m) => m.kind !== "invite" && m.name)
          .map((m) => ({
            kind: m.is_robot ? ("robot" as const) : ("user" as const),
            name: m.name,
            ...(m.invited ? { invited: true } : {}),
          })),
        emailInvites: view.filter((m) => m.kind === "invite").length,
      };
    }),
  );
}

/** The tenant files and the registry file, checked together as `validate` would. */
export function validateExport(
  result: ExportResult,
  registry: { path: string; text: string } | undefined,
  tenantsDir: string,
  now: Date,
): LoadResult {
  const files: Record<string, string> = {};
  for (const t of result.tenants) files[`${tenantsDir}/${t.file}`] = t.text;
  if (registry) files[registry.path] = registry.text;
  return loadDesiredStateFromFiles({
    files,
    tenantsDir,
    registryFile: registry?.path ?? "stacks/registry.yaml",
    now,
  });
}

/** The connection of a stack (its config, then the environment) or of the environment alone. */
async function connect(ctx: ExportContext, userAgent: string) {
  const stackConfig = ctx.stack
    ? await stackConfigOf({ ...ctx, stack: ctx.stack })
    : { config: {} as Record<string, string>, secrets: [] as string[] };
  const connection = resolveConnection(connectionSource((k) => stackConfig.config[k], ctx.env));
  const unreachable: string[] = [];
  const client = connection.client({ userAgent, onOutage: (o) => unreachable.push(describeOutage(o)) });
  return { connection, client, unreachable, secrets: [...stackConfig.secrets, ...connection.secrets()] };
}

export async function runExport(ctx: ExportContext, request: ExportRequest): Promise<ExportOutcome> {
  const { client, unreachable, secrets } = await connect(ctx, "quay-gitops export");
  try {
    const { QuaySession } = await import("../quay/api/session.js");
    const s = new QuaySession(client);
    const live = await readLab(s, request, ctx.log);
    // A notification's URL may hold a token: the output filter hides it, should anything print it.
    for (const o of live.organizations)
      for (const r of o.repositories)
        for (const n of r.notifications ?? [])
          if (typeof n.config.url === "string" && (n.method === "slack" || urlSecret(n.config.url)))
            secrets.push(n.config.url);
    const result = exportLab(live, {
      stack: request.stackName,
      now: ctx.now,
      registryFile: request.registryFile,
    });
    const snap = client.stats.snapshot();
    return {
      live,
      result,
      requests: requestsOf(snap),
      secrets,
      unreachable,
    };
  } finally {
    await client.close();
  }
}

/** What `init` needs: the registry's configuration and users, without reading any organization. */
export async function runInit(
  ctx: ExportContext,
  request: Pick<ExportRequest, "stackName" | "registryFile">,
): Promise<ExportOutcome & { url: string; auth: "token" | "session"; username: string | undefined }> {
  const { connection, client, unreachable, secrets } = await connect(ctx, "quay-gitops init");
  try {
    const { QuaySession } = await import("../quay/api/session.js");
    const s = new QuaySession(client);
    const live = await readLab(s, { organizations: [], all: false, everyMembership: true }, ctx.log);
    // Users in one organization belong to the tenant its export will write, not to users.existing.
    const organizations = [...new Set([...live.otherMemberships.values()].flat())];
    const result = exportLab(live, {
      stack: request.stackName,
      now: ctx.now,
      registryFile: request.registryFile,
      tenantOrganizations: organizations,
      command: "init",
    });
    const snap = client.stats.snapshot();
    return {
      live,
      result,
      requests: requestsOf(snap),
      secrets,
      unreachable,
      url: connection.url,
      auth: connection.auth,
      username: connection.username,
    };
  } finally {
    await client.close();
  }
}
