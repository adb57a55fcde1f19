/**
 * Stage 3: rules across files that a JSON Schema cannot express: names unique across tenants,
 * references that resolve, tenant isolation (restrictions, nothing granted or mirrored across
 * organizations), values that must parse, expiry. Rules read files defensively (scope.ts), so they
 * also run on files with schema errors and one run reports everything.
 */
import { webhookUrlRefusal } from "../model/notifications";
import {
  maxQuotaBytes,
  NameOwners,
  type PatternMatch,
  type RegistryConfig,
  restrictionPatterns,
} from "./registry";
import { allKindInfos, type FeatureGate } from "../kinds";
import { isNamespaceName, splitRobot, splitTeam } from "./names";
import { arr, checkQuota, type FileScope, get, obj, type Path, str } from "./scope";
import { pythonRegexError } from "./regex";
import { didYouMean } from "./suggest";
import { formatBytes, parseDuration, parseExpiry, parsePruneAge } from "./units";

export interface TenantInput {
  scope: FileScope;
  /** File name without `.yaml`. */
  stem: string;
  value: unknown;
}

export interface RuleInput {
  tenants: readonly TenantInput[];
  registry: RegistryConfig;
  now: Date;
  /**
   * Some tenant file could not be parsed, so the users it declares are unknown: references to
   * users of other tenants are not reported (they would be false alarms).
   */
  incomplete: boolean;
}

/** Quay creates the team `owners` in every new organization (docs/quay-api.md#organizations). */
export const IMPLICIT_TEAMS: readonly string[] = ["owners"];

/** Quay's minimum skopeo_timeout_interval (docs/quay-api.md#mirrors). */
export const MIN_SKOPEO_TIMEOUT_SECONDS = 300;

interface Decl {
  name: string;
  path: Path;
  tenant: TenantState;
}

interface TenantState {
  scope: FileScope;
  spec: Record<string, unknown> | undefined;
  /**
   * The tenant's identity for restrictions and messages: its file name. Who may change which file is
   * what review (CODEOWNERS) controls; a file claiming `metadata.name: acme` must not borrow acme's
   * rights, so the file name decides (and a mismatch is an error anyway).
   */
  name: string;
  org: string | undefined;
  orgPath: Path;
  users: Decl[];
  robots: Map<string, Decl>;
  teams: Map<string, Decl>;
}

export function checkTenants(input: RuleInput): void {
  const states = input.tenants.map(declare);
  checkGlobalNames(input, states);
  const known: Known = {
    users: new Set([
      ...states.flatMap((s) => s.users.map((u) => u.name)),
      ...input.registry.settings.existingUsers,
    ]),
    baselineTeams: new Set(input.registry.baseline.teams.map((b) => b.name)),
  };
  for (const t of states) checkTenant(input, t, known);
}

/** Collects what a tenant declares; reports duplicates inside the tenant and the file name rule. */
function declare(input: TenantInput): TenantState {
  const { scope, value } = input;
  const metaName = str(get(value, "metadata", "name"));
  if (metaName !== undefined && metaName !== input.stem) {
    scope.error(
      "QG_TENANT_FILE_NAME",
      ["metadata", "name"],
      `metadata.name is "${metaName}" but the file is ${scope.file}; the file name must equal metadata.name (rename the file to ${metaName}.yaml or fix the name)`,
    );
  }
  const name = input.stem;
  const spec = obj(get(value, "spec"));
  const orgName = get(spec, "organization", "name");
  // The organization defaults to metadata.name, as normalization does.
  const org = orgName === undefined ? (metaName ?? name) : str(orgName);
  const t: TenantState = {
    scope,
    spec,
    name,
    org,
    orgPath: orgName === undefined ? ["metadata", "name"] : ["spec", "organization", "name"],
    users: [],
    robots: new Map(),
    teams: new Map(),
  };
  const unique = (kind: string, key: string, into: Map<string, Decl> | undefined, list?: Decl[]) => {
    const seen = new Map<string, Path>();
    arr(spec?.[key]).forEach((item, i) => {
      const n = str(get(item, "name"));
      if (n === undefined) return;
      const path: Path = ["spec", key, i, "name"];
      const first = seen.get(n);
      if (first) {
        scope.error(
          "QG_TENANT_DUPLICATE",
          path,
          `${kind} "${n}" is declared twice in this tenant (first at line ${scope.line(first)})`,
        );
        return;
      }
      seen.set(n, path);
      const decl = { name: n, path, tenant: t };
      into?.set(n, decl);
      list?.push(decl);
    });
  };
  unique("user", "users", undefined, t.users);
  unique("robot", "robots", t.robots);
  unique("team", "teams", t.teams);
  unique("repository", "repositories", undefined);
  return t;
}

/** Organizations and users across all tenants: unique, allowed by the registry, and not each other. */
function checkGlobalNames(input: RuleInput, states: readonly TenantState[]): void {
  const reg = input.registry;
  const knownTenants = new Set([...states.map((s) => s.name), ...Object.keys(reg.restrictions.tenants)]);

  const orgClaims = new Map<string, Decl[]>();
  for (const t of states) {
    if (t.org === undefined) continue;
    const list = orgClaims.get(t.org) ?? [];
    list.push({ name: t.org, path: t.orgPath, tenant: t });
    orgClaims.set(t.org, list);
  }
  const userClaims = new Map<string, Decl[]>();
  for (const t of states) {
    for (const u of t.users) {
      const list = userClaims.get(u.name) ?? [];
      list.push(u);
      userClaims.set(u.name, list);
    }
  }

  const owners = {
    organizations: new NameOwners(reg, knownTenants, "organizations"),
    users: new NameOwners(reg, knownTenants, "users"),
  };

  /** Reports a claim the registry does not allow; true when the claim is allowed. */
  const allowed = (d: Decl, kind: "organizations" | "users", report: boolean): boolean => {
    if (!reg.trusted) return true;
    const word = kind === "organizations" ? "organization" : "user";
    const matches = owners[kind].matches(d.name);
    const mine = matches.get(d.tenant.name);
    if (!mine) {
      if (report) {
        const patterns = restrictionPatterns(reg, d.tenant.name, kind).map((p) =>
          p.replaceAll("{tenant}", d.tenant.name),
        );
        d.tenant.scope.error(
          "QG_TENANT_RESTRICTED",
          d.path,
          `${word} "${d.name}" is not allowed for tenant ${d.tenant.name}: its ${word} names must match ${patterns.join(" or ") || "(none)"} (restrictions in ${reg.settings.file})`,
        );
      }
      return false;
    }
    let owner: PatternMatch | undefined;
    for (const m of matches.values()) {
      if (m.specificity <= mine.specificity) continue;
      if (
        !owner ||
        m.specificity > owner.specificity ||
        (m.specificity === owner.specificity && m.tenant < owner.tenant)
      ) {
        owner = m;
      }
    }
    if (!owner) return true;
    if (report) {
      d.tenant.scope.error(
        "QG_TENANT_RESTRICTED",
        d.path,
        `${word} "${d.name}" belongs to tenant ${owner.tenant}: its pattern "${owner.pattern.replaceAll("{tenant}", owner.tenant)}" is more specific than "${mine.pattern.replaceAll("{tenant}", d.tenant.name)}" of tenant ${d.tenant.name}`,
      );
    }
    return false;
  };

  const duplicates = (claims: Map<string, Decl[]>, kind: "organizations" | "users") => {
    const word = kind === "organizations" ? "organization" : "user";
    for (const [, list] of claims) {
      for (const d of list) allowed(d, kind, true);
      if (list.length < 2) continue;
      // Blame only the claimants the registry does not allow, when exactly one claim is legitimate:
      // then a pull request that grabs another tenant's name is flagged, the victim's file is not.
      const legit = list.filter((d) => allowed(d, kind, false));
      const blamed = legit.length === 1 ? list.filter((d) => d !== legit[0]) : list;
      for (const d of blamed) {
        const others = list
          .filter((o) => o !== d)
          .map((o) => `${o.tenant.scope.file}:${o.tenant.scope.line(o.path)}`)
          .join(", ");
        d.tenant.scope.error(
          "QG_TENANT_DUPLICATE",
          d.path,
          `${word} "${d.name}" is also declared by ${others}; a${word === "organization" ? "n" : ""} ${word} belongs to exactly one tenant`,
        );
      }
    }
  };
  duplicates(orgClaims, "organizations");
  duplicates(userClaims, "users");

  const existing = new Set(reg.settings.existingUsers);
  for (const [name, list] of userClaims) {
    if (!existing.has(name)) continue;
    for (const d of list) {
      d.tenant.scope.error(
        "QG_TENANT_DUPLICATE",
        d.path,
        `user "${name}" exists outside tenant files (users.existing in ${reg.settings.file}); a tenant cannot own it`,
      );
    }
  }
  checkEmails(states);

  // Users and organizations share one namespace in Quay (docs/quay-api.md#names): an organization named
  // like a user cannot be created.
  for (const [name, list] of orgClaims) {
    const user = userClaims.get(name)?.[0];
    if (!user && !existing.has(name)) continue;
    const where = user ? `${user.tenant.scope.file}:${user.tenant.scope.line(user.path)}` : reg.settings.file;
    for (const d of list) {
      d.tenant.scope.error(
        "QG_TENANT_DUPLICATE",
        d.path,
        `organization "${name}" has the same name as the user declared at ${where}; Quay users and organizations share one namespace`,
      );
    }
  }
}

/** What every tenant's references are resolved against. */
interface Known {
  /** Users declared by any tenant, and the registry's existing users. */
  users: Set<string>;
  baselineTeams: Set<string>;
}

/**
 * Quay refuses a user whose e-mail another user has (docs/quay-api.md#users), and an organization e-mail that a user
 * already has unless FEATURE_ORG_SHARED_EMAIL (docs/quay-api.md#organizations): both would fail in the middle of an apply.
 */
function checkEmails(states: readonly TenantState[]): void {
  // Where each e-mail was first seen; lines are looked up only when an error needs them.
  const userEmails = new Map<string, { user: string; scope: FileScope; path: Path }>();
  for (const t of states) {
    arr(t.spec?.users).forEach((u, i) => {
      const email = str(get(u, "email"));
      if (email === undefined) return;
      const path: Path = ["spec", "users", i, "email"];
      const key = email.toLowerCase();
      const first = userEmails.get(key);
      if (first) {
        t.scope.error(
          "QG_TENANT_DUPLICATE",
          path,
          `${email} is already the e-mail of user ${first.user} (${first.scope.file}:${first.scope.line(first.path)}); Quay refuses two users with one e-mail`,
        );
      } else userEmails.set(key, { user: str(get(u, "name")) ?? "?", scope: t.scope, path });
    });
  }
  for (const t of states) {
    const email = str(get(t.spec, "organization", "email"));
    const user = email === undefined ? undefined : userEmails.get(email.toLowerCase());
    if (!user) continue;
    t.scope.error(
      "QG_TENANT_DUPLICATE",
      ["spec", "organization", "email"],
      `${email} is the e-mail of user ${user.user} (${user.scope.file}:${user.scope.line(user.path)}); Quay refuses an organization e-mail that a user already has (docs/quay-api.md#organizations), use another address`,
    );
  }
}

/**
 * Uses of Quay features the registry file says are off: their endpoints do not exist
 * (docs/quay-api.md#features). Which tenant-file sections need which feature is each kind's
 * descriptor's (src/kinds/: `feature`, `schema`); the rules below are not about a kind.
 */
function checkFeatures(reg: RegistryConfig, scope: FileScope, spec: Record<string, unknown>): void {
  if (!reg.trusted) return;
  const f = reg.features;
  const off = (gate: FeatureGate, at: string) => {
    if (f[gate.registry]) return;
    for (const path of declaredAt(spec, at))
      scope.error(
        "QG_TENANT_FEATURE",
        path,
        `${gate.what} needs ${gate.flag} in Quay, which is off in this registry (features.${gate.registry} in ${reg.settings.file}); remove it or ask the lab admins to turn the feature on`,
        "key",
      );
  };
  for (const k of allKindInfos()) {
    if (k.feature) for (const at of k.schema) off(k.feature, at);
    // Features only some objects of the kind use (a synced team): where the tenant asks for them.
    for (const p of k.parts ?? []) off(p.gate, p.schema);
  }
  arr(spec.repositories).forEach((repo, i) => {
    const path: Path = ["spec", "repositories", i];
    const name = str(get(repo, "name"));
    if (!f.extendedRepositoryNames && name?.includes("/")) {
      scope.error(
        "QG_TENANT_FEATURE",
        [...path, "name"],
        `"${name}" has a / which needs FEATURE_EXTENDED_REPOSITORY_NAMES in Quay, off in this registry (features.extendedRepositoryNames in ${reg.settings.file})`,
      );
    }
    if (f.repoMirror && !f.sparseIndex && arr(get(repo, "mirror", "architectureFilter")).length > 0) {
      scope.error(
        "QG_TENANT_FEATURE",
        [...path, "mirror", "architectureFilter"],
        `an architecture filter needs FEATURE_SPARSE_INDEX in Quay, which is off in this registry (features.sparseIndex in ${reg.settings.file}); remove it or ask the lab admins to turn the feature on`,
        "key",
      );
    }
  });
}

/**
 * Where a file declares something at a descriptor's schema path (`spec.repositories[].mirror`,
 * `spec.autoPrune[]`): the paths of the values that are set; a list counts when it is not empty.
 */
function declaredAt(spec: Record<string, unknown>, at: string): Path[] {
  const steps = at.split(".");
  if (steps[0] !== "spec") return [];
  let found: { path: Path; value: unknown }[] = [{ path: ["spec"], value: spec }];
  steps.slice(1).forEach((step, i) => {
    const list = step.endsWith("[]");
    const key = list ? step.slice(0, -2) : step;
    const last = i === steps.length - 2;
    found = found.flatMap(({ path, value }): { path: Path; value: unknown }[] => {
      const v = get(value, key);
      if (v === undefined) return [];
      const here: Path = [...path, key];
      if (!list) return [{ path: here, value: v }];
      const items = arr(v);
      if (last) return items.length > 0 ? [{ path: here, value: v }] : [];
      return items.map((item, n) => ({ path: [...here, n], value: item }));
    });
  });
  return found.map((x) => x.path);
}

function checkTenant(input: RuleInput, t: TenantState, known: Known): void {
  const reg = input.registry;
  const { scope, spec } = t;
  if (!spec) return;
  const external = reg.settings.users === "external";
  const { baselineTeams } = known;

  if (external && arr(spec.users).length > 0) {
    scope.error(
      "QG_TENANT_EXTERNAL_USERS",
      ["spec", "users"],
      `the registry's users come from LDAP/OIDC (users.mode: external in ${reg.settings.file}); tenant files only reference users, remove this list`,
      "key",
    );
  }
  for (const [name, d] of t.teams) {
    if (baselineTeams.has(name)) {
      scope.error(
        "QG_TENANT_BASELINE_CONFLICT",
        d.path,
        `team "${name}" is added to every organization by the registry baseline (${reg.settings.file}); choose another name (you may still grant it permissions)`,
      );
    }
  }

  checkFeatures(reg, scope, spec);

  // ---- organization and quota
  const orgSpec = obj(spec.organization);
  const tagExpiration = orgSpec?.tagExpiration;
  if (typeof tagExpiration === "string" && reg.trusted) {
    const d = parseDuration(tagExpiration);
    if (d.ok && !reg.tagExpirations.has(d.value)) {
      const options = reg.settings.tagExpirationOptions;
      scope.error(
        "QG_TENANT_TAG_EXPIRATION",
        ["spec", "organization", "tagExpiration"],
        `${tagExpiration} is not allowed by the registry; Quay only accepts its TAG_EXPIRATION_OPTIONS: ${options.join(", ")}${didYouMean(tagExpiration, options)}`,
      );
    }
  }
  const limit = checkQuota(scope, spec.quota, ["spec", "quota"]);
  const max = reg.trusted ? maxQuotaBytes(reg, t.name) : undefined;
  if (limit !== undefined && max !== undefined && limit > max) {
    scope.error(
      "QG_TENANT_RESTRICTED",
      ["spec", "quota", "limit"],
      `${formatBytes(limit)} is above the largest quota the registry allows tenant ${t.name} (${formatBytes(max)}, restrictions in ${reg.settings.file})`,
    );
  }

  // ---- references
  const ref = new References(input, t, known.users, baselineTeams, external);
  const proxyCachePath: Path | undefined = spec.proxyCache !== undefined ? ["spec", "proxyCache"] : undefined;
  checkImmutability(scope, spec.immutability, ["spec", "immutability"], proxyCachePath);
  const tenantNotifications = checkNotifications(scope, ref, spec.notifications, ["spec", "notifications"]);

  arr(spec.teams).forEach((team, i) => {
    const teamName = str(get(team, "name")) ?? `#${i + 1}`;
    const synced = checkTeamSync(reg, scope, team, ["spec", "teams", i]);
    const seen = new Map<string, Path>();
    arr(get(team, "members")).forEach((m, j) => {
      const path: Path = ["spec", "teams", i, "members", j];
      const user = str(get(m, "user"));
      if (synced && user !== undefined) {
        // Quay refuses user member changes on a synced team and its sync replaces them anyway.
        scope.error(
          "QG_TENANT_TEAM_SYNC",
          [...path, "user"],
          `team ${teamName} is synced from ${synced}: its users come from the directory, so members may list robots only; remove user ${user} (add it to the group instead) or remove syncFrom`,
        );
        return;
      }
      if (ref.expired(m, path, `member of team ${teamName}`)) return;
      const key = ref.member(m, path);
      ref.once(seen, key, path, `team ${teamName}`);
    });
  });

  arr(spec.robots).forEach((robot, i) => {
    checkFederation(scope, get(robot, "federation"), ["spec", "robots", i]);
  });

  const seenDefaults = new Map<string, Path>();
  arr(spec.defaultPermissions).forEach((p, i) => {
    const path: Path = ["spec", "defaultPermissions", i];
    const key = ref.delegate(p, path);
    const creator = str(get(p, "creator"));
    if (creator !== undefined) ref.user(creator, [...path, "creator"], "creator");
    ref.once(seenDefaults, key && `${key} created by ${creator ?? "anyone"}`, path, "defaultPermissions");
  });

  arr(spec.repositories).forEach((repo, i) => {
    const repoPath: Path = ["spec", "repositories", i];
    const repoName = str(get(repo, "name")) ?? `#${i + 1}`;
    const seen = new Map<string, Path>();
    arr(get(repo, "permissions")).forEach((p, j) => {
      const path: Path = [...repoPath, "permissions", j];
      if (ref.expired(p, path, `permission on ${repoName}`)) return;
      const key = ref.delegate(p, path);
      ref.once(seen, key, path, `repository ${repoName}`);
    });
    checkAutoPrune(scope, get(repo, "autoPrune"), [...repoPath, "autoPrune"]);
    checkImmutability(scope, get(repo, "immutability"), [...repoPath, "immutability"], proxyCachePath);
    checkNotifications(scope, ref, get(repo, "notifications"), [...repoPath, "notifications"], {
      repository: repoName,
      mirrored: get(repo, "mirror") !== undefined,
      tenantWide: tenantNotifications,
    });
    const mirror = obj(get(repo, "mirror"));
    if (mirror) {
      const robot = str(mirror.robot);
      if (robot !== undefined) ref.robot(robot, [...repoPath, "mirror", "robot"], "mirror robot");
      checkDuration(scope, mirror.every, [...repoPath, "mirror", "every"], 1);
      checkDuration(
        scope,
        mirror.skopeoTimeout,
        [...repoPath, "mirror", "skopeoTimeout"],
        MIN_SKOPEO_TIMEOUT_SECONDS,
      );
      ref.upstream(str(mirror.from), [...repoPath, "mirror", "from"], "mirror");
    }
    if (
      get(repo, "visibility") === "public" &&
      get(repo, "allowPublic") !== true &&
      reg.settings.budgets.requireAllowPublic
    ) {
      scope.warning(
        "QG_TENANT_PUBLIC",
        [...repoPath, "visibility"],
        `repository ${repoName} is public (anyone can pull it, also anonymously) but has no allowPublic: true; apply will refuse to make it public until you add it`,
      );
    }
  });
  checkAutoPrune(scope, spec.autoPrune, ["spec", "autoPrune"]);

  const proxy = obj(spec.proxyCache);
  if (proxy) {
    checkDuration(scope, proxy.expiration, ["spec", "proxyCache", "expiration"], 0);
    ref.upstream(str(proxy.upstream), ["spec", "proxyCache", "upstream"], "proxy cache");
  }
}

/** Reference checks of one tenant: who may be named where, and what Quay would refuse. */
class References {
  private readonly scope: FileScope;
  constructor(
    private readonly input: RuleInput,
    private readonly t: TenantState,
    private readonly allUsers: Set<string>,
    private readonly baselineTeams: Set<string>,
    private readonly external: boolean,
  ) {
    this.scope = t.scope;
  }

  /** True (and a notice) when the entry's `expires` has passed: the entry is dropped, not checked. */
  expired(entry: unknown, path: Path, what: string): boolean {
    const expires = get(entry, "expires");
    if (typeof expires !== "string" || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}(T.+)?$/.test(expires)) return false;
    const end = parseExpiry(expires);
    if (!end.ok) {
      this.scope.error("QG_TENANT_DATE", [...path, "expires"], end.reason);
      return false;
    }
    if (end.value.getTime() > this.input.now.getTime()) return false;
    const who = str(get(entry, "user")) ?? str(get(entry, "robot")) ?? str(get(entry, "team")) ?? "entry";
    this.scope.notice(
      "QG_TENANT_EXPIRED",
      [...path, "expires"],
      `${who} (${what}) expired on ${expires} and is dropped; remove the entry from the file`,
    );
    return true;
  }

  /** A team member (user or robot); returns a key identifying it, for duplicate checks. */
  member(m: unknown, path: Path): string | undefined {
    const user = str(get(m, "user"));
    const robot = str(get(m, "robot"));
    if (user !== undefined && robot === undefined)
      return this.user(user, [...path, "user"], "member") && `user ${user}`;
    if (robot !== undefined && user === undefined) {
      const full = this.robot(robot, [...path, "robot"], "member");
      return full && `robot ${full}`;
    }
    return undefined;
  }

  /** The delegate of a permission (user, robot or team); returns its key when it resolves. */
  delegate(p: unknown, path: Path): string | undefined {
    const user = str(get(p, "user"));
    const robot = str(get(p, "robot"));
    const team = str(get(p, "team"));
    if ([user, robot, team].filter((x) => x !== undefined).length !== 1) return undefined;
    if (user !== undefined) return this.user(user, [...path, "user"], "user") && `user ${user}`;
    if (robot !== undefined) {
      const full = this.robot(robot, [...path, "robot"], "robot");
      return full && `robot ${full}`;
    }
    const name = this.team(team!, [...path, "team"]);
    return name && `team ${name}`;
  }

  /** Reports a second identical entry in one list (Quay keeps one role per delegate). */
  once(seen: Map<string, Path>, key: string | undefined, path: Path, where: string): void {
    if (key === undefined) return;
    const first = seen.get(key);
    if (first) {
      this.scope.error(
        "QG_TENANT_DUPLICATE",
        path,
        `${key} is listed twice in ${where} (first at line ${this.scope.line(first)}); Quay keeps one entry per ${where.startsWith("team") ? "member" : "user, robot or team"}`,
      );
    } else seen.set(key, path);
  }

  user(name: string, path: Path, what: string): string | undefined {
    if (!isNamespaceName(name)) return undefined; // the schema reported the name
    if (this.external || this.allUsers.has(name)) return name;
    // Unknown users of unreadable files, or the registry's existing users when the registry file is
    // broken: a reference cannot be judged, and a false alarm would hide the real problem.
    if (this.input.incomplete || !this.input.registry.trusted) return name;
    this.scope.error(
      "QG_TENANT_REFERENCE",
      path,
      `${what} "${name}" is not a user declared by any tenant${this.input.registry.trusted ? ` nor in users.existing of ${this.input.registry.settings.file}` : ""}${didYouMean(name, this.allUsers)}`,
    );
    return undefined;
  }

  /** A robot reference → its full name when it is a robot of this tenant's organization. */
  robot(ref: string, path: Path, what: string): string | undefined {
    const { org, short } = splitRobot(ref);
    const own = this.t.org;
    if (org !== undefined && org !== own) {
      this.scope.error(
        "QG_TENANT_CROSS_ORG",
        path,
        `robot "${ref}" belongs to organization ${org}; Quay only lets a robot be granted inside its own organization (${own ?? this.t.name}), so use a robot declared in this tenant`,
      );
      return undefined;
    }
    if (this.t.robots.has(short)) return `${own}+${short}`;
    if (!isNamespaceName(short)) return undefined; // the schema reported the name
    const declared = [...this.t.robots.keys()];
    this.scope.error(
      "QG_TENANT_REFERENCE",
      path,
      `${what} "${ref}" is not a robot of this tenant${hint(short, declared, "spec.robots", "robots")}`,
    );
    return undefined;
  }

  team(ref: string, path: Path): string | undefined {
    const { org, name } = splitTeam(ref);
    const own = this.t.org;
    if (org !== undefined && org !== own) {
      this.scope.error(
        "QG_TENANT_CROSS_ORG",
        path,
        `team "${ref}" belongs to organization ${org}; Quay only lets a team be granted inside its own organization (${own ?? this.t.name})`,
      );
      return undefined;
    }
    if (this.t.teams.has(name) || this.baselineTeams.has(name) || IMPLICIT_TEAMS.includes(name)) return name;
    if (!isNamespaceName(name)) return undefined; // the schema reported the name
    const candidates = [...this.t.teams.keys(), ...this.baselineTeams, ...IMPLICIT_TEAMS];
    this.scope.error(
      "QG_TENANT_REFERENCE",
      path,
      `team "${ref}" is not a team of this tenant${hint(name, candidates, "spec.teams", "teams")}`,
    );
    return undefined;
  }

  /**
   * A mirror or proxy cache reading from this registry itself could copy another tenant's private
   * images into this tenant's organization: only the tenant's own organization may be read that way.
   */
  upstream(ref: string | undefined, path: Path, what: string): void {
    if (ref === undefined) return;
    const [host, namespace] = ref.toLowerCase().split("/");
    if (!host || !this.input.registry.hostnames.includes(host)) return;
    if (namespace !== undefined && namespace === this.t.org) return;
    this.scope.error(
      "QG_TENANT_CROSS_ORG",
      path,
      `this ${what} reads from this registry (${host})${namespace ? ` organization ${namespace}` : ""}, which is not this tenant's organization; a ${what} may not copy another tenant's images (grant access in Quay instead)`,
    );
  }
}

/**
 * A team's `syncFrom` (docs/quay-api.md#team-sync): Quay syncs only from a directory (LDAP, OIDC,
 * Keystone v3), and what names a group depends on which. Returns the group in words when the team
 * syncs (for the member rule), even when the registry cannot be judged.
 */
function checkTeamSync(reg: RegistryConfig, scope: FileScope, team: unknown, path: Path): string | undefined {
  const sync = get(team, "syncFrom");
  if (sync === undefined) return undefined;
  const group = str(get(sync, "group"));
  const words = group === undefined ? "a directory group" : `group ${group}`;
  if (!reg.trusted) return words;
  const { users, directory, file } = reg.settings;
  if (users !== "external" || directory === undefined) {
    scope.error(
      "QG_TENANT_TEAM_SYNC",
      [...path, "syncFrom"],
      users !== "external"
        ? `team sync needs users from a directory, but this registry manages its users (users.mode: managed in ${file}); Quay refuses to sync with Database auth`
        : `team sync needs to know the directory (users.directory: ldap, oidc or keystone in ${file}): it decides what the group names`,
      "key",
    );
    return words;
  }
  // Quay searches `memberOf=<group_dn>,<LDAP_BASE_DN>` (data/users/externalldap.py at v3.18.0).
  if (directory === "ldap" && group !== undefined && !/^[A-Za-z][A-Za-z0-9-]*=[^,]+/.test(group)) {
    scope.error(
      "QG_TENANT_TEAM_SYNC",
      [...path, "syncFrom", "group"],
      `"${group}" is not an LDAP DN; with LDAP the group is its DN relative to the base DN, e.g. cn=${group.replace(/[^A-Za-z0-9_.-]/g, "") || "developers"},ou=groups (Quay appends LDAP_BASE_DN)`,
    );
  }
  return words;
}

/** Quay refuses the same issuer and subject twice in one robot's list (docs/quay-api.md#robot-federation). */
function checkFederation(scope: FileScope, list: unknown, path: Path): void {
  const seen = new Map<string, Path>();
  arr(list).forEach((entry, i) => {
    const issuer = str(get(entry, "issuer"));
    const subject = str(get(entry, "subject"));
    if (issuer === undefined || subject === undefined) return;
    const itemPath: Path = [...path, "federation", i];
    const key = `${issuer}\u0000${subject}`;
    const first = seen.get(key);
    if (first) {
      scope.error(
        "QG_TENANT_DUPLICATE",
        itemPath,
        `issuer ${issuer} with subject ${subject} is listed twice (first at line ${scope.line(first)}); Quay refuses a federation list with duplicates`,
      );
    } else seen.set(key, itemPath);
  });
}

/** `; did you mean "x"? (robots: a, b)` or `; declare it under spec.robots (robots: a, b)`. */
function hint(name: string, candidates: readonly string[], where: string, word: string): string {
  const list = candidates.length ? ` (${word}: ${candidates.join(", ")})` : "";
  const mean = didYouMean(name, candidates);
  return mean ? `${mean}${list}` : `; declare it under ${where}${list}`;
}

function checkDuration(scope: FileScope, value: unknown, path: Path, minSeconds: number): void {
  if (value === undefined) return;
  // Types and formats were checked by the schema; here only what it cannot: overflow and minimums.
  if (
    !(typeof value === "string" && /^[0-9]+[smhdw]$/.test(value)) &&
    !(Number.isInteger(value) && Number(value) >= 0)
  )
    return;
  const d = parseDuration(value);
  if (!d.ok) scope.error("QG_TENANT_DURATION", path, d.reason);
  else if (d.value < minSeconds) {
    scope.error(
      "QG_TENANT_DURATION",
      path,
      minSeconds === MIN_SKOPEO_TIMEOUT_SECONDS
        ? `${String(value)} is below Quay's minimum skopeo timeout of ${MIN_SKOPEO_TIMEOUT_SECONDS}s (docs/quay-api.md#mirrors)`
        : `${String(value)} is too short; use at least ${minSeconds}s`,
    );
  }
}

/**
 * Quay refuses two identical policies on one namespace or repository (docs/quay-api.md#auto-prune).
 * Two with the same method and tag pattern but other values Quay keeps, but quay-gitops names a
 * policy by its method and tag pattern (src/kinds/auto-prune.ts `resourceName`): the program would
 * fail on the second name, so one scope holds one policy of each.
 */
function checkAutoPrune(scope: FileScope, list: unknown, path: Path): void {
  const seen = new Map<string, Path>();
  const named = new Map<string, Path>();
  arr(list).forEach((p, i) => {
    const itemPath: Path = [...path, i];
    const olderThan = get(p, "olderThan");
    if (typeof olderThan === "string" && /^[0-9]+[smhdwy]$/.test(olderThan)) {
      const age = parsePruneAge(olderThan);
      if (!age.ok) scope.error("QG_TENANT_DURATION", [...itemPath, "olderThan"], age.reason);
    }
    const keep = get(p, "keepTags");
    const key = JSON.stringify([
      keep ?? null,
      typeof olderThan === "string" ? olderThan.replace(/^0+(?=\d)/, "") : null,
      get(p, "tagPattern") ?? null,
      get(p, "tagPatternMatches") ?? true,
    ]);
    const method = keep !== undefined ? "keepTags" : olderThan !== undefined ? "olderThan" : undefined;
    const pattern = get(p, "tagPattern");
    const name = JSON.stringify([method ?? null, pattern ?? null, get(p, "tagPatternMatches") ?? true]);
    const first = seen.get(key);
    const sameName = method === undefined ? undefined : named.get(name);
    if (first) {
      scope.error(
        "QG_TENANT_DUPLICATE",
        itemPath,
        `the same auto-prune policy as at line ${scope.line(first)}; Quay refuses duplicate policies`,
      );
    } else if (sameName) {
      scope.error(
        "QG_TENANT_DUPLICATE",
        itemPath,
        `a second ${method} policy on ${typeof pattern === "string" ? `the tags ${get(p, "tagPatternMatches") === false ? "not " : ""}matching ${JSON.stringify(pattern)}` : "every tag"} (first at line ${scope.line(sameName)}): quay-gitops names a policy by its method and tag pattern, so one organization or repository holds one of each; keep one`,
      );
    } else {
      seen.set(key, itemPath);
      if (method !== undefined) named.set(name, itemPath);
    }
  });
}

/**
 * Immutability policies (docs/quay-api.md#immutability): patterns Quay compiles, one per pattern and
 * scope (Quay refuses a second whatever tagPatternMatches says), and none in a proxy-cache
 * organization: Quay refuses to create a proxy cache while the organization holds an immutable tag,
 * and the proxy never refreshes an immutable cached tag from upstream.
 */
function checkImmutability(scope: FileScope, list: unknown, path: Path, proxyCache: Path | undefined): void {
  const seen = new Map<string, Path>();
  arr(list).forEach((p, i) => {
    const itemPath: Path = [...path, i];
    const pattern = str(get(p, "tagPattern"));
    if (proxyCache)
      scope.error(
        "QG_TENANT_IMMUTABILITY",
        itemPath,
        `an immutability policy in an organization that is a proxy cache (line ${scope.line(proxyCache)}): Quay refuses a proxy cache while immutable tags exist ("Cannot convert organization to proxy cache: immutable tags exist") and never refreshes an immutable cached tag from upstream; remove one of the two`,
      );
    if (pattern === undefined || pattern.trim() === "") return;
    const error = pythonRegexError(pattern.trim());
    if (error !== undefined)
      scope.error(
        "QG_TENANT_IMMUTABILITY",
        [...itemPath, "tagPattern"],
        `${JSON.stringify(pattern)} is not a regular expression Quay compiles: ${error}`,
      );
    const key = pattern.trim();
    const first = seen.get(key);
    if (first)
      scope.error(
        "QG_TENANT_DUPLICATE",
        [...itemPath, "tagPattern"],
        `the pattern ${JSON.stringify(key)} is already used at line ${scope.line(first)}; Quay keeps one immutability policy per pattern, whatever tagPatternMatches says`,
      );
    else seen.set(key, [...itemPath, "tagPattern"]);
  });
}

/** Which settings of `config` each notification method takes (docs/quay-api.md#notifications). */
const METHOD_SETTINGS: Record<string, readonly string[]> = {
  webhook: ["url", "urlFrom", "template"],
  slack: ["urlFrom"],
  email: ["email"],
  quay_notification: ["user", "team"],
};

/** What the schema allows in a notification's config; other keys are the schema's to report. */
const CONFIG_KEYS = new Set([...Object.values(METHOD_SETTINGS).flat(), "robot"]);

/** A webhook template's placeholder without a path (util/jsontemplate.py refuses it). */
const EMPTY_PLACEHOLDER = "$" + "{}";

/** Query parameters and user info that make a URL a secret. */
const SECRET_QUERY = /^(?:.*[_-])?(?:token|key|apikey|secret|sig|signature|password|passwd|pass|auth|code)$/i;

/** Why a webhook URL is a secret (then only `urlFrom` may name it), or undefined. */
export function urlSecret(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.username || u.password) return "a user name or password before the host";
  for (const k of u.searchParams.keys()) if (SECRET_QUERY.test(k)) return `the query parameter ${k}`;
  return undefined;
}

interface NotificationKey {
  key: string;
  path: Path;
}

/**
 * Notifications: each method's settings, secrets referenced and never written, event settings on their
 * events, the user or team notified declared, and no two of one repository with the same event,
 * method and title (which name them). Returns the keys of the list, for a repository's own check.
 */
function checkNotifications(
  scope: FileScope,
  ref: References,
  list: unknown,
  path: Path,
  repo?: { repository: string; mirrored: boolean; tenantWide: readonly NotificationKey[] },
): NotificationKey[] {
  const keys: NotificationKey[] = [];
  const seen = new Map<string, Path>(repo ? repo.tenantWide.map((k) => [k.key, k.path]) : []);
  arr(list).forEach((n, i) => {
    const itemPath: Path = [...path, i];
    const event = str(get(n, "event"));
    const method = str(get(n, "method"));
    const config = obj(get(n, "config")) ?? {};
    const configPath: Path = [...itemPath, "config"];
    const settings = method === undefined ? undefined : METHOD_SETTINGS[method];
    const bad = (at: Path, message: string) => scope.error("QG_TENANT_NOTIFICATION", at, message);
    if (settings) {
      for (const k of Object.keys(config)) {
        if (k === "url" && method === "slack") {
          scope.error(
            "QG_TENANT_INLINE_SECRET",
            [...configPath, k],
            "a Slack webhook URL is its own secret (the token is its path): never write it here; reference it with urlFrom: {env: NAME} or urlFrom: {config: key}",
          );
        } else if (k === "robot" && method === "quay_notification") {
          bad(
            [...configPath, k],
            'Quay notifies users and teams, not robots (it refuses a robot as "Unknown user": a robot cannot sign in to read it); name a user or a team',
          );
        } else if (!settings.includes(k) && CONFIG_KEYS.has(k)) {
          bad(
            [...configPath, k],
            `${k} is not a setting of the ${method} method, which takes ${settings.join(", ")}`,
          );
        }
      }
      const has = (k: string) => config[k] !== undefined;
      if (method === "webhook" && has("url") === has("urlFrom"))
        bad(
          has("url") ? configPath : [...itemPath, "method"],
          "a webhook needs exactly one of config.url or config.urlFrom (urlFrom when the URL holds a token)",
        );
      if (method === "slack" && !has("urlFrom") && !has("url"))
        bad(
          [...itemPath, "method"],
          "a Slack notification needs config.urlFrom: {env: NAME} or {config: key}",
        );
      if (method === "email" && !has("email"))
        bad([...itemPath, "method"], "an e-mail notification needs config.email");
      if (method === "quay_notification" && !has("robot") && has("user") === has("team"))
        bad(
          has("user") ? configPath : [...itemPath, "method"],
          "a quay_notification needs exactly one of config.user or config.team",
        );
      const url = str(config.url);
      const refused = method === "webhook" && url !== undefined ? webhookUrlRefusal(url) : undefined;
      // The schema already wants http(s) and a host: here only the hosts Quay refuses.
      if (refused?.host)
        bad(
          [...configPath, "url"],
          `${refused.message} ("Invalid webhook URL"): its notification worker would call itself`,
        );
      const secret = method === "webhook" && url !== undefined ? urlSecret(url) : undefined;
      if (secret)
        scope.error(
          "QG_TENANT_INLINE_SECRET",
          [...configPath, "url"],
          `this URL carries a secret (${secret}): never write it here; reference the whole URL with urlFrom: {env: NAME} or urlFrom: {config: key}`,
        );
      const template = config.template;
      if (method === "webhook" && typeof template === "string") {
        try {
          const body = JSON.parse(template) as unknown;
          if (JSON.stringify(body).includes(EMPTY_PLACEHOLDER))
            bad(
              [...configPath, "template"],
              `an empty ${EMPTY_PLACEHOLDER} placeholder: Quay refuses it ("Empty expression found")`,
            );
        } catch (e) {
          bad(
            [...configPath, "template"],
            `not JSON text, which Quay requires of a template: ${(e as Error).message}`,
          );
        }
      }
      const user = str(config.user);
      if (method === "quay_notification" && user !== undefined)
        ref.user(user, [...configPath, "user"], "notified user");
      const team = str(config.team);
      if (method === "quay_notification" && team !== undefined) ref.team(team, [...configPath, "team"]);
    }
    const eventConfig = obj(get(n, "eventConfig")) ?? {};
    if (eventConfig.level !== undefined && event !== "vulnerability_found")
      bad(
        [...itemPath, "eventConfig", "level"],
        `level is a setting of vulnerability_found, not of ${event}`,
      );
    if (eventConfig.days !== undefined && event !== "repo_image_expiry")
      bad([...itemPath, "eventConfig", "days"], `days is a setting of repo_image_expiry, not of ${event}`);
    if (event === "repo_image_expiry" && eventConfig.days === undefined)
      bad(
        [...itemPath, "event"],
        "repo_image_expiry needs eventConfig.days: how many days before a tag expires",
      );
    if (repo && !repo.mirrored && event?.startsWith("repo_mirror_sync_"))
      scope.warning(
        "QG_TENANT_NOTIFICATION",
        [...itemPath, "event"],
        `${event} never fires: repository ${repo.repository} has no mirror`,
      );
    if (event === undefined || method === undefined) return;
    const title = str(get(n, "title"));
    const key = `${event} ${method}${title === undefined ? "" : ` "${title}"`}`;
    const first = seen.get(key);
    if (first)
      scope.error(
        "QG_TENANT_DUPLICATE",
        itemPath,
        `a second ${key} notification${repo ? ` of repository ${repo.repository}` : ""} (first at line ${scope.line(first)}${repo?.tenantWide.some((k) => k.path === first) ? ", in spec.notifications, which every repository gets" : ""}); give one a title of its own`,
      );
    else {
      seen.set(key, itemPath);
      keys.push({ key, path: itemPath });
    }
  });
  return keys;
}
