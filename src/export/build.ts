/**
 * The export, pure: what Quay holds (src/export/live.ts) → one tenant file per organization and a
 * registry file skeleton, in the format of docs/tenants.md, such that
 *
 * - the files validate against each other (names, references, restrictions, features), and
 * - the desired state they normalize to is what the providers read back from the same Quay, so the
 *   first apply adopts every object and sends no write.
 *
 * The second point means reading Quay the way the providers do: Quay's own grants to the account
 * (the creator's `admin` on a repository, its `owners` membership) and grants of deleted users are
 * left out as providers/repository.ts `permissionsOf` and providers/team.ts `membersOf` leave them
 * out; what the normalization adds by itself (a mirror robot's `write`, default permissions on
 * every repository, src/tenant/normalize.ts and src/program/desired.ts) is checked against what Quay
 * holds. Whatever the format cannot say, or whose declaration would make the first apply write, is
 * never dropped silently: it becomes a note, printed by the command and written as a comment into
 * the file it concerns.
 */
import { NOTIFICATION_EVENTS, NOTIFICATION_METHODS, SEVERITIES } from "../model/notifications";
import { NAMESPACE_RE, REPOSITORY_RE } from "../tenant/names";
import { pythonRegexError } from "../tenant/regex";
import { DEFAULT_FEATURES, DEFAULT_TAG_EXPIRATION_OPTIONS } from "../tenant/registry";
import { urlSecret } from "../tenant/rules";
import { parseDuration } from "../tenant/units";
import type {
  FeatureKey,
  LiveFederation,
  LiveGrant,
  LiveImmutabilityPolicy,
  LiveLab,
  LiveMirror,
  LiveNotification,
  LiveOrganization,
  LivePrunePolicy,
  LiveRepository,
  RepoRole,
} from "./live";
import { envName, formatDuration, formatSize } from "./units";
import { flowMap, map, seq, stringify, type YamlMap, type YamlSeq } from "./yaml";

export interface ExportOptions {
  /** The stack: the registry file's `metadata.name`. */
  stack: string;
  now: Date;
  /** The registry file's path as tenant files will know it, for their header (e.g. `stacks/lab.registry.yaml`). */
  registryFile: string;
  /**
   * The organizations that have (or will have) a tenant file; default: the exported ones. A user
   * who is a member of exactly one of them belongs to that tenant, not to `users.existing`.
   */
  tenantOrganizations?: readonly string[];
  /** The command that writes the files, for their header (default `export`). */
  command?: "export" | "init";
}

export interface ExportNote {
  /** The organization (= tenant) it concerns; undefined for the registry file. */
  organization?: string;
  message: string;
}

export interface ExportedTenant {
  tenant: string;
  /** `<tenant>.yaml`. */
  file: string;
  text: string;
  /** Quay objects the file declares (see `countObjects`). */
  objects: number;
}

export interface ExportResult {
  tenants: ExportedTenant[];
  /** The registry file skeleton. */
  registry: string;
  /** Users in the registry file's `users.existing`, with why. */
  existingUsers: { name: string; reason: string }[];
  /** Secrets the apply needs: environment variables the files reference. */
  secrets: { env: string; what: string }[];
  notes: ExportNote[];
  /** Quay objects in all tenant files. */
  objects: number;
}

/** Quay's `AUTHENTICATION_TYPE`s whose users quay-gitops creates (docs/tenants.md `users.mode`). */
const MANAGED_AUTH = new Set(["Database", "AppToken"]);
/** The registry file's `users.directory` by Quay's `AUTHENTICATION_TYPE`: the directories a team syncs from. */
const DIRECTORIES: Record<string, "ldap" | "oidc" | "keystone"> = {
  LDAP: "ldap",
  OIDC: "oidc",
  Keystone: "keystone",
};

/** The schema's patterns (schemas/tenant.schema.json), for values the export must not write if they fail. */
const EMAIL_RE = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;
const MIRROR_FROM_RE = /^[^\s/?#\\%@]+(\/[^\s/?#\\%:@]+)+$/;
const MIRROR_TAG_RE = /^[A-Za-z0-9_.*?[\]!-]{1,128}$/;
const UPSTREAM_RE = /^[^\s/?#\\%@:]+(:[0-9]+)?(\/[^\s/?#\\%:@]+)*$/;
const PRUNE_AGE_RE = /^[1-9][0-9]*[smhdwy]$/;
/** The schema's issuer (schemas/tenant.schema.json `federation`): Quay's token exchange takes https only. */
const ISSUER_RE = /^https:\/\/[^/?#\s]+(\/[^?#\s]*)?$/;
/** The schema's notification title: one line without `::`. */
const TITLE_RE = /^(?![\s\S]*::)[^\n\r]*$/;
const WEBHOOK_URL_RE = /^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s/?#]+[^\s]*$/;
const DELETED_USER_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARCHITECTURES = new Set(["amd64", "arm64", "ppc64le", "s390x"]);
/** Quay's minimum skopeo timeout, which the tenant rules enforce (src/tenant/rules.ts). */
const MIN_SKOPEO_TIMEOUT_SECONDS = 300;
const ROLE_RANK: Record<RepoRole, number> = { read: 0, write: 1, admin: 2 };
const KIND_ORDER = { team: 0, robot: 1, user: 2 } as const;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const isName = (s: string): boolean => s.length >= 2 && s.length <= 255 && NAMESPACE_RE.test(s);

/** Who owns each user: one tenant, or the registry's `users.existing` with a reason. */
interface UserPlan {
  mode: "managed" | "external";
  /** With `external`: the directory a synced team's group names, when Quay's auth has one. */
  directory?: "ldap" | "oidc" | "keystone";
  owner: Map<string, string>;
  existing: Map<string, string>;
  /** Members of one organization that has no tenant file yet: existing only if a file names them. */
  elsewhere: Map<string, string>;
  emails: Map<string, string>;
}

export function exportLab(live: LiveLab, options: ExportOptions): ExportResult {
  const notes: ExportNote[] = [];
  const exported = new Set(options.tenantOrganizations ?? live.organizations.map((o) => o.name));
  const users = planUsers(live, exported);
  const tagOptions = tagExpirationOptions(live);
  const features = detectFeatures(live);
  const hostnames = registryHostnames(live);
  const secrets: ExportResult["secrets"] = [];
  const usedEnv = new Set<string>();

  const tenants: ExportedTenant[] = [];
  const referenced = new Map<string, string>();
  for (const org of live.organizations) {
    const t = exportOrganization(org, {
      live,
      users,
      tagOptions,
      hostnames,
      usedEnv,
      options,
      reference: (user) => {
        if (!referenced.has(user)) referenced.set(user, org.name);
      },
    });
    tenants.push(t.tenant);
    for (const n of t.notes) notes.push({ organization: org.name, message: n });
    secrets.push(...t.secrets);
    if (t.sparseIndex) features.sparseIndex = true;
    if (t.immutableTags) features.immutableTags = true;
    if (t.teamSyncing) features.teamSyncing = true;
  }

  // Users the files name without any tenant owning them must be known to the registry file.
  if (users.mode === "managed") {
    for (const [user, org] of referenced) {
      if (users.owner.has(user) || users.existing.has(user)) continue;
      users.existing.set(
        user,
        users.elsewhere.get(user) ??
          (live.users === undefined
            ? `named in ${org}; the superuser user list could not be read, so no tenant owns users`
            : `named in ${org}, but not in Quay's user list`),
      );
    }
  }
  const existingUsers = [...users.existing]
    .map(([name, reason]) => ({ name, reason }))
    .sort((a, b) => cmp(a.name, b.name));
  if (live.users === undefined && users.mode === "managed") {
    notes.push({
      message: `the account ${live.account} is not a superuser, so Quay's user list could not be read: no tenant owns a user; every user the files name is in the registry file's users.existing`,
    });
  }

  const registry = registryText(live, options, {
    users,
    existingUsers,
    tagOptions,
    features,
    hostnames,
    restrictions: userRestrictions(users, exported),
  });
  return {
    tenants,
    registry,
    existingUsers,
    secrets,
    notes,
    objects: tenants.reduce((n, t) => n + t.objects, 0),
  };
}

function planUsers(live: LiveLab, exported: ReadonlySet<string>): UserPlan {
  const mode =
    live.registry.authenticationType !== undefined && !MANAGED_AUTH.has(live.registry.authenticationType)
      ? "external"
      : "managed";
  const directory = mode === "external" ? DIRECTORIES[live.registry.authenticationType ?? ""] : undefined;
  const plan: UserPlan = {
    mode,
    ...(directory ? { directory } : {}),
    owner: new Map(),
    existing: new Map(),
    elsewhere: new Map(),
    emails: new Map(),
  };
  if (mode === "external" || live.users === undefined) return plan;
  const memberOf = new Map<string, Set<string>>();
  const add = (user: string, org: string) => {
    let s = memberOf.get(user);
    if (!s) {
      s = new Set();
      memberOf.set(user, s);
    }
    s.add(org);
  };
  for (const org of live.organizations)
    for (const team of org.teams)
      for (const m of team.members) if (m.kind === "user" && m.name !== live.account) add(m.name, org.name);
  for (const [user, orgs] of live.otherMemberships) for (const o of orgs) add(user, o);
  for (const u of live.users) {
    if (u.email) plan.emails.set(u.name, u.email);
    const orgs = [...(memberOf.get(u.name) ?? [])].sort();
    if (u.name === live.account) plan.existing.set(u.name, "the account quay-gitops reads and applies as");
    else if (u.superUser) plan.existing.set(u.name, "a superuser");
    else if (orgs.length === 0) plan.existing.set(u.name, "a member of no organization");
    else if (orgs.length > 1) plan.existing.set(u.name, `a member of ${orgs.join(", ")}`);
    else if (!exported.has(orgs[0]!))
      plan.elsewhere.set(
        u.name,
        `a member of ${orgs[0]}, which was not exported (its tenant may own the user once it is)`,
      );
    else if (!isName(u.name))
      plan.existing.set(u.name, "a name the tenant format does not accept for a user it creates");
    else plan.owner.set(u.name, orgs[0]!);
  }
  return plan;
}

/** Quay's options when it told them, else its defaults plus every value seen. */
function tagExpirationOptions(live: LiveLab): string[] {
  if (live.registry.tagExpirationOptions?.length) return [...live.registry.tagExpirationOptions];
  const seconds = new Map<number, string>();
  for (const o of DEFAULT_TAG_EXPIRATION_OPTIONS) {
    const d = parseDuration(o);
    if (d.ok) seconds.set(d.value, o);
  }
  for (const org of live.organizations)
    if (org.tagExpirationSeconds !== undefined && !seconds.has(org.tagExpirationSeconds))
      seconds.set(org.tagExpirationSeconds, formatDuration(org.tagExpirationSeconds));
  return [...seconds].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
}

function detectFeatures(live: LiveLab): Record<FeatureKey, boolean> {
  const f: Record<FeatureKey, boolean> = { ...DEFAULT_FEATURES, ...live.registry.features };
  // What the exported objects use is on, whatever the probe could tell.
  for (const org of live.organizations) {
    if (org.repositories.some((r) => r.name.includes("/"))) f.extendedRepositoryNames = true;
  }
  return f;
}

function registryHostnames(live: LiveLab): string[] {
  const out = new Set<string>();
  try {
    out.add(new URL(live.url).host.toLowerCase());
  } catch {
    // A URL the client accepted parses; nothing to add otherwise.
  }
  if (live.registry.serverHostname) out.add(live.registry.serverHostname.toLowerCase());
  return [...out].sort();
}

/**
 * Restriction entries for the users each tenant owns: the default pattern `{tenant}-*` where it
 * fits, plus the exact names it does not cover or that a longer tenant prefix would win
 * (docs/tenants.md "Isolation rules": the more specific pattern owns a name).
 */
function userRestrictions(users: UserPlan, exported: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [user, tenant] of [...users.owner].sort((a, b) => cmp(a[0], b[0]))) {
    const byDefault = user.startsWith(`${tenant}-`);
    const beaten = [...exported].some(
      (other) => other !== tenant && other.length > tenant.length && user.startsWith(`${other}-`),
    );
    if (byDefault && !beaten) continue;
    const list = out.get(tenant) ?? ["{tenant}-*"];
    list.push(user);
    out.set(tenant, list);
  }
  return out;
}

interface OrgContext {
  live: LiveLab;
  users: UserPlan;
  tagOptions: readonly string[];
  hostnames: readonly string[];
  usedEnv: Set<string>;
  options: ExportOptions;
  reference: (user: string) => void;
}

interface OrgResult {
  tenant: ExportedTenant;
  notes: string[];
  secrets: { env: string; what: string }[];
  sparseIndex: boolean;
  immutableTags: boolean;
  teamSyncing: boolean;
}

function exportOrganization(o: LiveOrganization, ctx: OrgContext): OrgResult {
  const org = o.name;
  const me = ctx.live.account;
  const notes: string[] = [...o.unread];
  const secrets: OrgResult["secrets"] = [];
  let objects = 1;
  let sparseIndex = false;
  let immutableTags = false;
  let teamSyncing = false;
  const robotsOfOrg = new Set(o.robots.map((r) => r.name));
  const short = (full: string) => full.slice(org.length + 1);
  const ownRobot = (full: string) => full.startsWith(`${org}+`) && robotsOfOrg.has(full);
  const userRef = (name: string) => {
    if (ctx.users.mode === "managed") ctx.reference(name);
    return name;
  };

  const spec = map();

  // --- organization
  const ownedUsers = [...ctx.users.owner].filter(([, t]) => t === org).map(([u]) => u);
  const ownedEmails = new Set(ownedUsers.map((u) => ctx.users.emails.get(u)).filter((e) => e));
  const organization = map().add("name", org);
  if (o.email) {
    if (!EMAIL_RE.test(o.email))
      notes.push(
        `organization e-mail ${JSON.stringify(o.email)} is not an address the tenant format accepts; left out (Quay's value is left alone)`,
      );
    else if (ownedEmails.has(o.email))
      notes.push(
        `organization e-mail ${o.email} is also the e-mail of one of its users, which the tenant rules refuse; left out (Quay's value is left alone)`,
      );
    else organization.add("email", o.email);
  }
  if (o.tagExpirationSeconds !== undefined) {
    const allowed = ctx.tagOptions.some((t) => {
      const d = parseDuration(t);
      return d.ok && d.value === o.tagExpirationSeconds;
    });
    if (allowed) organization.add("tagExpiration", formatDuration(o.tagExpirationSeconds));
    else
      notes.push(
        `tag expiration ${formatDuration(o.tagExpirationSeconds)} is not one of Quay's TAG_EXPIRATION_OPTIONS (${ctx.tagOptions.join(", ")}); left out (Quay's value is left alone)`,
      );
  }
  organization.add("deletionPolicy", "retain", {
    trailing: "retain: removing this file stops managing the organization; delete: deletes it",
  });
  spec.add("organization", organization);

  // --- quota
  if (o.quota) {
    const warnings = o.quota.limits.filter((l) => l.type === "Warning");
    const rejects = o.quota.limits.filter((l) => l.type === "Reject");
    const w = warnings[0]?.percent;
    const r = rejects[0]?.percent;
    if (warnings.length > 1 || rejects.length > 1)
      notes.push(
        `the quota has ${warnings.length} warning and ${rejects.length} reject limits; the tenant format has one of each, so the quota is left out (not managed)`,
      );
    else if (w !== undefined && r !== undefined && w >= r)
      notes.push(
        `the quota warns at ${w}% and rejects at ${r}%; the tenant format needs the warning below the reject line, so the quota is left out (not managed)`,
      );
    else {
      const quota = map().add("limit", formatSize(o.quota.limitBytes));
      if (w !== undefined) quota.add("warningAt", `${w}%`);
      if (r !== undefined) quota.add("rejectAt", `${r}%`);
      spec.add("quota", quota);
      objects += 1;
    }
  }

  // --- users
  if (ownedUsers.length > 0) {
    const list = seq();
    for (const u of ownedUsers.sort(cmp)) {
      const entry = map().add("name", u);
      const email = ctx.users.emails.get(u);
      if (email && EMAIL_RE.test(email)) entry.add("email", email);
      else if (email)
        notes.push(
          `user ${u}'s e-mail ${JSON.stringify(email)} is not an address the tenant format accepts; left out (Quay's value is left alone)`,
        );
      const live = ctx.live.users?.find((x) => x.name === u);
      list.push(
        entry,
        live && !live.enabled ? ["disabled in Quay; the tenant format does not manage that"] : undefined,
      );
      if (live && !live.enabled)
        notes.push(`user ${u} is disabled in Quay; the tenant format does not say so (it stays disabled)`);
      objects += 1;
    }
    spec.add("users", list, {
      comments: [
        "Members of this organization only: this tenant owns them (removing one from the file deletes the user).",
      ],
    });
  }

  // --- robots
  const robots = seq();
  for (const r of [...o.robots].sort((a, b) => cmp(a.name, b.name))) {
    if (!r.name.startsWith(`${org}+`) || !isName(short(r.name))) {
      notes.push(`robot ${r.name} has a name the tenant format does not accept; left out (not managed)`);
      continue;
    }
    const entry = map().add("name", short(r.name));
    if (r.description) entry.add("description", r.description);
    const federation = r.federation && r.federation.length > 0 ? federationList(r.federation) : undefined;
    if (typeof federation === "string")
      notes.push(
        `robot ${short(r.name)}: its OIDC federation trusts ${federation}, which the tenant format does not accept (an https:// issuer without query or fragment); the list is left alone`,
      );
    else if (federation) {
      entry.add("federation", federation);
      objects += 1;
    }
    robots.push(entry);
    objects += 1;
  }
  if (robots.length > 0)
    spec.add("robots", robots, {
      comments: ["Never re-created by an apply while name and description stay: their tokens keep working."],
    });

  // --- teams
  const teams = seq();
  const declaredTeams = new Set<string>();
  for (const team of [...o.teams].sort((a, b) => cmp(a.name, b.name))) {
    const members = team.members
      // Quay put the account into `owners` when it created the organization (providers/team.ts).
      .filter((m) => !(team.name === "owners" && m.kind === "user" && m.name === me))
      .sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name));
    if (team.name === "owners" && members.length === 0 && !team.description) continue;
    if (!isName(team.name)) {
      notes.push(`team ${team.name} has a name the tenant format does not accept; left out (not managed)`);
      continue;
    }
    const comments: string[] = [];
    if (team.name === "owners") comments.push("Quay's team of organization administrators.");
    let syncFrom: string | undefined;
    if (team.synced) {
      // Declared without its sync, the first apply would turn the sync off (providers/team.ts).
      const sync = team.sync;
      const why =
        sync === undefined
          ? "Quay did not say from where"
          : sync.group === undefined
            ? `only a superuser sees the ${sync.directory} group it syncs from (docs/quay-api.md#team-sync)`
            : ctx.users.directory !== sync.directory
              ? `it syncs from ${sync.directory} while the registry's users come from ${ctx.live.registry.authenticationType ?? "an unknown AUTHENTICATION_TYPE"}`
              : undefined;
      if (why !== undefined) {
        notes.push(
          `team ${team.name} is synchronized from the directory, but ${why}; the team is left out (not managed)`,
        );
        continue;
      }
      syncFrom = sync!.group!;
      comments.push(
        `Synchronized from the ${sync!.directory} directory: Quay keeps its users, the file its robots.`,
      );
    }
    if (team.emailInvites > 0)
      notes.push(
        `team ${team.name} has ${team.emailInvites} pending e-mail invitation(s) of people without an account; the tenant format cannot express them (they are left alone)`,
      );
    const list = seq();
    for (const m of members) {
      if (syncFrom !== undefined && m.kind === "user") continue; // the directory's
      if (m.kind === "robot") {
        if (!ownRobot(m.name)) {
          notes.push(
            `team ${team.name} has robot ${m.name} of another organization as a member; the tenant format only names robots of its own organization, so the first apply removes it from the team`,
          );
          continue;
        }
        list.push(map().add("robot", short(m.name)));
      } else {
        list.push(
          map().add("user", userRef(m.name)),
          m.invited ? ["invited; counts as a member until accepted"] : undefined,
        );
      }
      objects += 1;
    }
    const entry = map().add("name", team.name).add("role", team.role);
    if (team.description) entry.add("description", team.description);
    if (syncFrom !== undefined) {
      entry.add("syncFrom", flowMap().add("group", syncFrom));
      teamSyncing = true;
    }
    entry.add("members", list);
    teams.push(entry, comments);
    declaredTeams.add(team.name);
    objects += 1;
  }
  if (teams.length > 0) spec.add("teams", teams);

  // --- default permissions
  const defaults = seq();
  const seenDefaults = new Set<string>();
  const anyCreatorDefaults: { kind: string; name: string; role: RepoRole }[] = [];
  const sortedDefaults = [...o.defaultPermissions].sort(
    (a, b) =>
      KIND_ORDER[a.delegate.kind] - KIND_ORDER[b.delegate.kind] ||
      cmp(a.delegate.name, b.delegate.name) ||
      cmp(a.activatingUser ?? "", b.activatingUser ?? ""),
  );
  for (const p of sortedDefaults) {
    const who = `${p.delegate.kind} ${p.delegate.name}${p.activatingUser ? ` for repositories created by ${p.activatingUser}` : ""}`;
    const key = `${p.delegate.kind}:${p.delegate.name}@${p.activatingUser ?? ""}`;
    if (seenDefaults.has(key)) {
      notes.push(
        `default permission of ${who} exists twice in Quay (it keeps duplicates); the file declares one, the other is left alone`,
      );
      continue;
    }
    let entry: YamlMap;
    if (p.delegate.kind === "robot") {
      if (!ownRobot(p.delegate.name)) {
        notes.push(
          `default permission of ${who}: a robot of another organization; the tenant format cannot express it (left alone)`,
        );
        continue;
      }
      entry = map().add("robot", short(p.delegate.name));
    } else if (p.delegate.kind === "team") {
      if (!declaredTeams.has(p.delegate.name) && p.delegate.name !== "owners") {
        notes.push(`default permission of ${who}: the team is not exported; left alone`);
        continue;
      }
      entry = map().add("team", p.delegate.name);
    } else entry = map().add("user", userRef(p.delegate.name));
    entry.add("role", p.role);
    if (p.activatingUser) entry.add("creator", userRef(p.activatingUser));
    else anyCreatorDefaults.push({ kind: p.delegate.kind, name: p.delegate.name, role: p.role });
    seenDefaults.add(key);
    defaults.push(entry);
    objects += 1;
  }
  if (defaults.length > 0) spec.add("defaultPermissions", defaults);

  // --- repositories
  const repos = seq();
  for (const repo of [...o.repositories].sort((a, b) => cmp(a.name, b.name))) {
    const r = exportRepository(repo, {
      org,
      me,
      ctx,
      ownRobot,
      short,
      userRef,
      declaredTeams,
      anyCreatorDefaults,
      proxyCache: o.proxyCache !== undefined,
      secrets,
      notes,
    });
    if (!r) continue;
    repos.push(r.node, r.comments);
    objects += r.objects;
    if (r.sparseIndex) sparseIndex = true;
    if (r.immutableTags) immutableTags = true;
  }
  if (repos.length > 0) spec.add("repositories", repos);

  // --- organization prune policies
  if (o.autoPrune && o.autoPrune.length > 0) {
    const policies = prunePolicies(o.autoPrune, "the organization", notes);
    if (policies.length > 0) spec.add("autoPrune", policies);
    objects += policies.length;
  }

  // --- organization immutability policies
  if (o.immutability && o.immutability.length > 0) {
    const policies = immutabilityPolicies(
      o.immutability,
      "the organization",
      o.proxyCache !== undefined,
      notes,
    );
    if (policies.length > 0) {
      spec.add("immutability", policies);
      immutableTags = true;
    }
    objects += policies.length;
  }

  // --- proxy cache
  if (o.proxyCache) {
    const pc = o.proxyCache;
    if (!UPSTREAM_RE.test(pc.upstream) || pc.upstream.length > 270)
      notes.push(
        `proxy cache upstream ${JSON.stringify(pc.upstream)} is not one the tenant format accepts; left out (not managed)`,
      );
    else if (foreignUpstream(pc.upstream, org, ctx.hostnames))
      notes.push(
        `the proxy cache reads another organization of this registry (${pc.upstream}), which the tenant rules refuse; left out (not managed)`,
      );
    else {
      const proxy = map()
        .add("upstream", pc.upstream)
        .add("expiration", formatDuration(pc.expirationSeconds));
      if (pc.insecure) proxy.add("insecure", true);
      spec.add("proxyCache", proxy, {
        comments: [
          "Quay never returns the proxy cache's credentials. If it uses some, add",
          "  credentials: { username: NAME, passwordFrom: { env: VARIABLE } }",
          "(the next apply re-creates the configuration with them: Quay cannot update it).",
        ],
      });
      notes.push(
        "the proxy cache's credentials (if any) are not returned by Quay; the file declares none, see its comment",
      );
      objects += 1;
    }
  }

  const doc = map()
    .add("apiVersion", "quay-gitops/v1")
    .add("kind", "Tenant")
    .add("metadata", map().add("name", org))
    .add("spec", spec);
  const header = [
    "yaml-language-server: $schema=../schemas/tenant.schema.json",
    "",
    `Exported by \`quay-gitops export\` from ${ctx.live.url} on ${ctx.options.now.toISOString().slice(0, 10)}`,
    `(read as ${me}), to be validated against ${ctx.options.registryFile}. Review it, then commit it.`,
  ];
  if (notes.length > 0) {
    header.push("", "Not expressed in this file (also printed by the export):");
    for (const n of notes) header.push(`- ${n}`);
  }
  return {
    tenant: { tenant: org, file: `${org}.yaml`, text: stringify(doc, header), objects },
    notes,
    secrets,
    sparseIndex,
    immutableTags,
    teamSyncing,
  };
}

interface RepoContext {
  org: string;
  me: string;
  ctx: OrgContext;
  ownRobot: (full: string) => boolean;
  short: (full: string) => string;
  userRef: (name: string) => string;
  declaredTeams: ReadonlySet<string>;
  anyCreatorDefaults: readonly { kind: string; name: string; role: RepoRole }[];
  /** The organization is a proxy cache: the tenant rules refuse immutability policies then. */
  proxyCache: boolean;
  secrets: { env: string; what: string }[];
  notes: string[];
}

function exportRepository(
  repo: LiveRepository,
  rc: RepoContext,
):
  | { node: YamlMap; comments: string[]; objects: number; sparseIndex: boolean; immutableTags: boolean }
  | undefined {
  const { notes } = rc;
  const what = `repository ${repo.name}`;
  if (repo.kind !== "image") {
    notes.push(`${what} is of kind ${repo.kind}; quay-gitops manages image repositories only (left alone)`);
    return undefined;
  }
  if (repo.state === "MARKED_FOR_DELETION") {
    notes.push(`${what} is being deleted by Quay; left out`);
    return undefined;
  }
  if (repo.name.length > 255 || !REPOSITORY_RE.test(repo.name)) {
    notes.push(`${what} has a name the tenant format does not accept; left out (not managed)`);
    return undefined;
  }
  if (repo.state === "READ_ONLY")
    notes.push(`${what} is read-only in Quay; the tenant format does not manage that (it stays read-only)`);
  if (repo.state === "ORG_MIRROR")
    notes.push(`${what} is filled by an organization mirror, which the tenant format cannot express`);

  let objects = 1;
  const node = map()
    .add("name", repo.name)
    .add("visibility", repo.isPublic ? "public" : "private");
  if (repo.isPublic) node.add("allowPublic", true, { trailing: "public in Quay when exported" });
  if (repo.description) node.add("description", repo.description);

  // The mirror first: it decides which robot grant Quay made by itself.
  const mirror = repo.mirror ? exportMirror(repo.mirror, repo, rc) : undefined;
  const mirrorRobot = mirror ? repo.mirror!.robot : undefined;

  const grants = [...repo.grants].sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmp(a.name, b.name),
  );
  const permissions = seq();
  const granted = new Map<string, RepoRole>();
  for (const g of grants) {
    if (g.kind === "user" && g.name === rc.me && g.role === "admin") continue; // Quay's creator grant
    if (g.kind === "user" && DELETED_USER_RE.test(g.name) && g.orgMember !== true) {
      notes.push(`${what}: a grant of a deleted user (${g.name}) is left out; Quay removes it itself`);
      continue;
    }
    const entry = grantEntry(g, rc, what);
    if (!entry) continue;
    permissions.push(entry.add("role", g.role));
    granted.set(`${g.kind}:${g.name}`, g.role);
    objects += 1;
  }
  // What the normalization adds on its own must already be there, or the first apply writes it.
  if (mirrorRobot) {
    const role = granted.get(`robot:${mirrorRobot}`);
    if (role === undefined || ROLE_RANK[role] < ROLE_RANK.write)
      notes.push(
        `${what}: its mirror robot ${mirrorRobot} has ${role ?? "no"} grant, and Quay gives a mirror's robot write, so the first apply grants it write`,
      );
  }
  for (const d of rc.anyCreatorDefaults) {
    if (!granted.has(`${d.kind}:${d.name}`))
      notes.push(
        `${what} has no grant for ${d.kind} ${d.name}, although a default permission gives every new repository ${d.role}; the tenant format cannot say that a repository lacks it, so the first apply grants ${d.role}`,
      );
  }
  if (permissions.length > 0) node.add("permissions", permissions);

  if (repo.autoPrune && repo.autoPrune.length > 0) {
    const policies = prunePolicies(repo.autoPrune, what, notes);
    if (policies.length > 0) node.add("autoPrune", policies);
    objects += policies.length;
  }
  if (mirror) {
    node.add("mirror", mirror.node);
    objects += 1;
  }
  let immutableTags = false;
  if (repo.immutability && repo.immutability.length > 0) {
    const policies = immutabilityPolicies(repo.immutability, what, rc.proxyCache, notes);
    if (policies.length > 0) {
      node.add("immutability", policies);
      immutableTags = true;
    }
    objects += policies.length;
  }
  if (repo.notifications && repo.notifications.length > 0) {
    const list = notificationList(repo, rc);
    if (list.length > 0) node.add("notifications", list);
    objects += list.length;
  }
  return { node, comments: [], objects, sparseIndex: mirror?.sparseIndex ?? false, immutableTags };
}

/** A robot's federation list, sorted as the provider reads it; or the issuer the schema refuses. */
function federationList(list: readonly LiveFederation[]): YamlSeq | string {
  const bad = list.find((f) => !ISSUER_RE.test(f.issuer) || f.issuer.length > 2048);
  if (bad) return JSON.stringify(bad.issuer);
  const out = seq();
  const sorted = [...list].sort((a, b) => cmp(a.issuer, b.issuer) || cmp(a.subject, b.subject));
  for (const f of sorted) out.push(map().add("issuer", f.issuer).add("subject", f.subject));
  return out;
}

/**
 * Immutability policies as the tenant format writes them: Quay keeps one per pattern and scope, so
 * the pattern names a policy (src/kinds/immutability-policy.ts); a pattern the tenant rules would
 * not compile, or any policy of a proxy-cache organization (which the rules refuse), is a note.
 */
function immutabilityPolicies(
  list: readonly LiveImmutabilityPolicy[],
  where: string,
  proxyCache: boolean,
  notes: string[],
): YamlSeq {
  const out = seq();
  const seen = new Set<string>();
  for (const p of [...list].sort((a, b) => cmp(a.tagPattern, b.tagPattern))) {
    const describe = `immutability policy ${JSON.stringify(p.tagPattern)}`;
    const error = pythonRegexError(p.tagPattern);
    if (proxyCache)
      notes.push(
        `${where}: ${describe} in an organization that is a proxy cache, which the tenant rules refuse; left alone`,
      );
    else if (p.tagPattern.trim() !== p.tagPattern || p.tagPattern === "" || p.tagPattern.length > 256)
      notes.push(`${where}: ${describe} has a pattern the tenant format does not accept; left alone`);
    else if (error !== undefined)
      notes.push(`${where}: ${describe} is not a pattern the tenant rules can check (${error}); left alone`);
    else if (seen.has(p.tagPattern))
      notes.push(
        `${where}: ${describe} exists twice in Quay; the file declares one, the other is left alone`,
      );
    else {
      seen.add(p.tagPattern);
      const entry = map().add("tagPattern", p.tagPattern);
      if (!p.tagPatternMatches) entry.add("tagPatternMatches", false);
      out.push(entry);
    }
  }
  return out;
}

/** A whole number Quay reads with int() (the old UI sent text). */
const wholeNumber = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v)
    ? v
    : typeof v === "string" && /^\s*\d+\s*$/.test(v)
      ? Number(v)
      : undefined;

/**
 * A repository's notifications as the tenant format writes them, such that the provider's
 * comparison (providers/notification.ts `sameNotification`) finds each one equal. A URL that holds a
 * token (every Slack URL, a webhook URL the tenant rules call secret) becomes `urlFrom` an
 * environment variable: the export never writes, prints or notes it.
 */
function notificationList(repo: LiveRepository, rc: RepoContext): YamlSeq {
  const out = seq();
  const what = `repository ${repo.name}`;
  const seen = new Set<string>();
  const sorted = [...(repo.notifications ?? [])].sort(
    (a, b) => cmp(a.event, b.event) || cmp(a.method, b.method) || cmp(a.title ?? "", b.title ?? ""),
  );
  for (const n of sorted) {
    const describe = `notification ${n.title ? `${JSON.stringify(n.title)} ` : ""}(${n.event} → ${n.method})`;
    const leftAlone = (why: string) => rc.notes.push(`${what}: ${describe} ${why}; left alone`);
    if (!(NOTIFICATION_EVENTS as readonly string[]).includes(n.event)) {
      leftAlone("is on an event the tenant format does not offer");
      continue;
    }
    if (!(NOTIFICATION_METHODS as readonly string[]).includes(n.method)) {
      leftAlone("uses a method the tenant format does not offer");
      continue;
    }
    if (n.title !== null && (n.title === "" || n.title.length > 255 || !TITLE_RE.test(n.title))) {
      leftAlone("has a title the tenant format does not accept");
      continue;
    }
    const eventConfig = notificationEventConfig(n);
    if (typeof eventConfig === "string") {
      leftAlone(eventConfig);
      continue;
    }
    const config = notificationConfig(n, repo, rc);
    if (typeof config === "string") {
      leftAlone(config);
      continue;
    }
    const key = `${n.event} ${n.method} ${n.title ?? ""}`;
    if (seen.has(key)) {
      leftAlone(
        "has the event, method and title of another notification of the repository, which name it in quay-gitops",
      );
      continue;
    }
    seen.add(key);
    const entry = map().add("event", n.event).add("method", n.method);
    if (n.title !== null) entry.add("title", n.title);
    if (eventConfig) entry.add("eventConfig", eventConfig);
    entry.add("config", config.node, config.comments ? { comments: config.comments } : {});
    out.push(entry);
  }
  return out;
}

/** The event's settings, undefined for none, or why the format cannot say them. */
function notificationEventConfig(n: LiveNotification): YamlMap | undefined | string {
  const c = n.eventConfig;
  const keys = Object.keys(c);
  const allowed = n.event === "vulnerability_found" ? "level" : n.event === "repo_image_expiry" ? "days" : "";
  const other = keys.find((k) => k !== allowed);
  if (other !== undefined) return `has the event setting ${other}, which the tenant format does not offer`;
  if (n.event === "vulnerability_found" && c.level !== undefined) {
    const level = wholeNumber(c.level);
    const severity = level === undefined ? undefined : SEVERITIES[level];
    if (severity === undefined) return "has a severity level the tenant format does not know";
    return flowMap().add("level", severity);
  }
  if (n.event === "repo_image_expiry") {
    const days = wholeNumber(c.days);
    if (days === undefined || days < 1) return "has no whole number of days before expiry";
    return flowMap().add("days", days);
  }
  return undefined;
}

/** The method's settings, or why the format cannot say them. */
function notificationConfig(
  n: LiveNotification,
  repo: LiveRepository,
  rc: RepoContext,
): { node: YamlMap; comments?: string[] } | string {
  const c = n.config;
  const keys = Object.keys(c);
  const only = (allowed: string[]) => keys.find((k) => !allowed.includes(k));
  switch (n.method) {
    case "webhook":
    case "slack": {
      const other = only(n.method === "webhook" ? ["url", "template"] : ["url"]);
      if (other !== undefined) return `has the setting ${other}, which the tenant format does not offer`;
      const url = c.url;
      if (typeof url !== "string" || !WEBHOOK_URL_RE.test(url) || url.length > 2048)
        return "has a URL the tenant format does not accept";
      const node = map();
      let comments: string[] | undefined;
      if (n.method === "slack" || urlSecret(url) !== undefined) {
        const suffix = n.method === "slack" ? "SLACK_URL" : "WEBHOOK_URL";
        let env = envName(rc.org, repo.name, suffix);
        for (let i = 2; rc.ctx.usedEnv.has(env); i++) env = envName(rc.org, repo.name, suffix, String(i));
        rc.ctx.usedEnv.add(env);
        const secretWhat = `the ${n.method === "slack" ? "Slack webhook" : "webhook"} URL of the ${n.event} notification${n.title ? ` ${JSON.stringify(n.title)}` : ""} of ${rc.org}/${repo.name}`;
        rc.secrets.push({ env, what: secretWhat });
        node.add("urlFrom", flowMap().add("env", env));
        comments = [
          `Provide ${secretWhat} (as Quay shows it to the repository's admins)`,
          `in the environment variable ${env} of every preview and apply (or use a Pulumi secret:`,
          "urlFrom: { config: KEY }). It holds a token, so it is never written into this file.",
        ];
      } else node.add("url", url);
      if (c.template !== undefined) {
        if (typeof c.template !== "string") return "has a template that is not text";
        try {
          JSON.parse(c.template);
        } catch {
          return "has a template that is not JSON text, which the tenant rules require";
        }
        node.add("template", c.template);
      }
      return comments ? { node, comments } : { node };
    }
    case "email": {
      if (only(["email"]) !== undefined || typeof c.email !== "string" || !EMAIL_RE.test(c.email))
        return "has an e-mail setting the tenant format does not accept";
      return { node: flowMap().add("email", c.email) };
    }
    case "quay_notification": {
      const t = c.target as { kind?: unknown; name?: unknown } | undefined;
      if (typeof t?.name !== "string") return "names no user or team to notify";
      if (t.kind === "team") {
        if (!rc.declaredTeams.has(t.name) && t.name !== "owners")
          return `notifies team ${t.name}, which is not exported`;
        return { node: flowMap().add("team", t.name) };
      }
      if (t.kind === "user" && isName(t.name) && !t.name.includes("+"))
        return { node: flowMap().add("user", rc.userRef(t.name)) };
      return `notifies ${String(t.kind)} ${t.name}, which the tenant format cannot name (a user or a team of the organization)`;
    }
    default:
      return "uses a method the tenant format does not offer";
  }
}

function grantEntry(g: LiveGrant, rc: RepoContext, what: string): YamlMap | undefined {
  if (g.kind === "robot") {
    if (!rc.ownRobot(g.name)) {
      rc.notes.push(
        `${what}: a grant of robot ${g.name} of another organization cannot be expressed; the first apply removes it`,
      );
      return undefined;
    }
    return map().add("robot", rc.short(g.name));
  }
  if (g.kind === "team") {
    if (!rc.declaredTeams.has(g.name) && g.name !== "owners") {
      rc.notes.push(`${what}: a grant of team ${g.name}, which is not exported; the first apply removes it`);
      return undefined;
    }
    return map().add("team", g.name);
  }
  if (!isName(g.name)) {
    rc.notes.push(`${what}: a grant of user ${g.name} cannot be expressed; the first apply removes it`);
    return undefined;
  }
  return map().add("user", rc.userRef(g.name));
}

function exportMirror(
  m: LiveMirror,
  repo: LiveRepository,
  rc: RepoContext,
): { node: YamlMap; sparseIndex: boolean } | undefined {
  const what = `the mirror of repository ${repo.name}`;
  const leftOut = (why: string) => {
    rc.notes.push(`${what} ${why}; the mirror is left out (not managed)`);
    return undefined;
  };
  if (m.ruleKind !== "tag_glob_csv") return leftOut(`uses a ${m.ruleKind} rule`);
  if (!rc.ownRobot(m.robot)) return leftOut(`pushes with robot ${m.robot}, not one of this organization's`);
  if (!MIRROR_FROM_RE.test(m.externalReference) || m.externalReference.length > 2048)
    return leftOut(`reads ${JSON.stringify(m.externalReference)}, which the tenant format does not accept`);
  if (foreignUpstream(m.externalReference, rc.org, rc.ctx.hostnames))
    return leftOut(
      `reads another organization of this registry (${m.externalReference}), which the tenant rules refuse`,
    );
  // Sorted as the provider reads them (providers/mirror.ts mirrorOf).
  const tags = [...m.tags].sort();
  if (tags.length === 0 || new Set(tags).size !== tags.length || !tags.every((t) => MIRROR_TAG_RE.test(t)))
    return leftOut(`has tag patterns ${JSON.stringify(tags)}, which the tenant format does not accept`);
  if (m.skopeoTimeoutSeconds < MIN_SKOPEO_TIMEOUT_SECONDS)
    return leftOut(
      `has a skopeo timeout of ${m.skopeoTimeoutSeconds}s, below the ${MIN_SKOPEO_TIMEOUT_SECONDS}s the tenant rules require`,
    );
  if (!m.architectureFilter.every((a) => ARCHITECTURES.has(a)))
    return leftOut(`filters architectures ${m.architectureFilter.join(", ")}`);

  const node = map()
    .add("from", m.externalReference)
    .add("tags", seq(tags))
    .add("every", formatDuration(m.syncIntervalSeconds))
    .add("robot", rc.short(m.robot));
  if (m.username) {
    let env = envName(rc.org, repo.name, "MIRROR_PASSWORD");
    for (let i = 2; rc.ctx.usedEnv.has(env); i++)
      env = envName(rc.org, repo.name, "MIRROR_PASSWORD", String(i));
    rc.ctx.usedEnv.add(env);
    const registry = m.externalReference.split("/")[0]!;
    const secretWhat = `the password of ${m.username} at ${registry} (mirror of ${rc.org}/${repo.name})`;
    rc.secrets.push({ env, what: secretWhat });
    node.add(
      "credentials",
      map()
        .add("username", m.username)
        .add("passwordFrom", flowMap().add("env", env), {
          comments: [
            `Provide ${secretWhat}`,
            `in the environment variable ${env} of every preview and apply (or use a Pulumi secret:`,
            "passwordFrom: { config: KEY }). Quay never returns it: the first apply takes the value as",
            "what Quay holds; a later change of the value is sent.",
          ],
        }),
    );
  }
  node.add("verifyTls", m.verifyTls).add("unsignedImages", m.unsignedImages);
  const proxy = flowMap();
  if (m.proxy?.http) proxy.add("http", m.proxy.http);
  if (m.proxy?.https) proxy.add("https", m.proxy.https);
  if (m.proxy?.noProxy) proxy.add("noProxy", m.proxy.noProxy);
  if (proxy.entries.length > 0) node.add("proxy", proxy);
  node.add("enabled", m.isEnabled && repo.state === "MIRROR");
  node.add("skopeoTimeout", formatDuration(m.skopeoTimeoutSeconds));
  const arch = [...m.architectureFilter].sort();
  if (arch.length > 0) node.add("architectureFilter", seq(arch));
  return { node, sparseIndex: arch.length > 0 };
}

/** Is `ref` (`host[:port]/namespace/...`) on this registry, in another organization than `org`? */
function foreignUpstream(ref: string, org: string, hostnames: readonly string[]): boolean {
  const [host, namespace] = ref.toLowerCase().split("/");
  return !!host && hostnames.includes(host) && namespace !== org;
}

/**
 * Prune policies as the tenant format writes them. Two policies with the same method and tag
 * pattern have one name in quay-gitops (src/kinds/auto-prune.ts `resourceName`), which the tenant
 * rules refuse (QG_TENANT_DUPLICATE), so only the first is declared and the other is a note.
 */
function prunePolicies(list: readonly LivePrunePolicy[], where: string, notes: string[]): YamlSeq {
  const out = seq();
  const seen = new Set<string>();
  const sorted = [...list].sort(
    (a, b) =>
      cmp(a.method, b.method) ||
      cmp(String(a.value).padStart(12, "0"), String(b.value).padStart(12, "0")) ||
      cmp(a.tagPattern ?? "", b.tagPattern ?? ""),
  );
  for (const p of sorted) {
    const pattern = p.tagPattern ? p.tagPattern : undefined;
    const describe = `${p.method} ${String(p.value)}${pattern ? ` on tags ${p.tagPatternMatches ? "matching" : "not matching"} ${pattern}` : ""}`;
    const key = `${p.method}|${pattern ?? ""}|${p.tagPatternMatches}`;
    let entry: YamlMap;
    if (p.method === "number_of_tags" && Number.isInteger(p.value) && Number(p.value) > 0)
      entry = map().add("keepTags", Number(p.value));
    else if (p.method === "creation_date" && typeof p.value === "string" && PRUNE_AGE_RE.test(p.value))
      entry = map().add("olderThan", p.value);
    else {
      notes.push(`${where}: prune policy ${describe} cannot be expressed; left alone`);
      continue;
    }
    if (seen.has(key)) {
      notes.push(
        `${where}: prune policy ${describe} has the method and tag pattern of another policy, which quay-gitops manages as one object; left alone`,
      );
      continue;
    }
    seen.add(key);
    if (pattern !== undefined) entry.add("tagPattern", pattern);
    if (pattern !== undefined && !p.tagPatternMatches) entry.add("tagPatternMatches", false);
    out.push(entry);
  }
  return out;
}

function registryText(
  live: LiveLab,
  options: ExportOptions,
  r: {
    users: UserPlan;
    existingUsers: { name: string; reason: string }[];
    tagOptions: readonly string[];
    features: Record<FeatureKey, boolean>;
    hostnames: readonly string[];
    restrictions: Map<string, string[]>;
  },
): string {
  const spec = map();
  spec.add("hostnames", seq(r.hostnames), {
    comments: [
      "This registry's own addresses: a mirror or proxy cache may not read another tenant's organization through them.",
    ],
  });
  const users = map().add("mode", r.users.mode, {
    trailing:
      r.users.mode === "managed"
        ? "tenant files declare their users; apply creates them"
        : `users come from ${live.registry.authenticationType}; tenant files only name them`,
  });
  if (r.users.directory)
    users.add("directory", r.users.directory, {
      trailing: "what a synced team's group names (Quay's AUTHENTICATION_TYPE)",
    });
  if (r.users.mode === "managed") {
    const existing = seq();
    for (const u of r.existingUsers) {
      existing.push(u.name, undefined, u.reason);
    }
    users.add("existing", existing, {
      comments: ["Users no tenant owns: named in files, never created or deleted."],
    });
  }
  spec.add("users", users);
  spec.add("tagExpirationOptions", seq([...r.tagOptions]), {
    trailing: live.registry.tagExpirationOptions
      ? "Quay's TAG_EXPIRATION_OPTIONS"
      : "Quay's defaults and the values seen; keep it equal to TAG_EXPIRATION_OPTIONS",
  });
  const features = map();
  const source =
    live.registry.featureSource === "config"
      ? "from Quay's /config"
      : live.registry.featureSource === "discovery"
        ? "probed through the API's discovery document"
        : "not detected: defaults";
  for (const key of Object.keys(r.features).sort() as FeatureKey[]) {
    const detected = live.registry.features[key] !== undefined;
    features.add(
      key,
      r.features[key],
      detected ? {} : { trailing: "not detected; check Quay's config.yaml" },
    );
  }
  spec.add("features", features, { comments: [`Quay's feature flags (${source}).`] });
  if (r.restrictions.size > 0) {
    const tenants = map();
    for (const [tenant, list] of [...r.restrictions].sort((a, b) => cmp(a[0], b[0]))) {
      tenants.add(tenant, flowMap().add("users", seq(list)));
    }
    spec.add("restrictions", map().add("tenants", tenants), {
      comments: [
        "By default tenant T may own organizations T and T-* and users T-*; these tenants own users",
        "with other names as well (the exported names, so that the files validate).",
      ],
    });
  }
  const doc = map()
    .add("apiVersion", "quay-gitops/v1")
    .add("kind", "Registry")
    .add("metadata", map().add("name", options.stack))
    .add("spec", spec);
  const header = [
    "yaml-language-server: $schema=../schemas/registry.schema.json",
    "",
    `The registry file of stack ${options.stack}, written by \`quay-gitops ${options.command ?? "export"}\` from ${live.url}`,
    `on ${options.now.toISOString().slice(0, 10)}. Review it: the baseline (teams and grants in every`,
    "organization), defaults for new tenants, restrictions and change budgets are yours to add",
    '(docs/tenants.md "The registry file").',
  ];
  return stringify(doc, header);
}
