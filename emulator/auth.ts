import { randomBytes, randomUUID } from "node:crypto";
import type { ResolvedConfig } from "./config";
import type { Account, OAuthToken, Store, TeamRole } from "./state";

/**
 * Authentication and authorization as Quay does it (docs/quay-api.md#authentication, auth/permissions.py):
 * bearer tokens carry scopes, and scopes do not grant anything by themselves: they cap the roles the
 * token's user really has. Superusers need the `super:user` scope; with FEATURE_SUPERUSERS_FULL_ACCESS
 * every namespace- or repository-scoped check passes for them, even for names that do not exist.
 */

export const ALL_SCOPES = [
  "org:admin",
  "repo:admin",
  "repo:create",
  "repo:read",
  "repo:write",
  "super:user",
  "user:admin",
  "user:read",
] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (ALL_SCOPES as readonly string[]).includes(value);
}

const REPO_ROLES = [null, "read", "write", "admin"] as const;
const TEAM_ROLES = [null, "member", "creator", "admin"] as const;

const SCOPE_MAX_REPO: Partial<Record<Scope, number>> = { "repo:read": 1, "repo:write": 2, "repo:admin": 3 };
const SCOPE_MAX_TEAM: Partial<Record<Scope, number>> = { "repo:create": 2, "org:admin": 3 };
const SCOPE_MAX_USER: Partial<Record<Scope, number>> = { "user:read": 1, "user:admin": 2 };

/** Team roles grant org-wide repository roles: only `admin` does (TEAM_ORGWIDE_REPO_ROLES). */
const TEAM_ORGWIDE_REPO_ROLE: Record<TeamRole, number> = { admin: 3, creator: 0, member: 0 };

export interface Caller {
  readonly user: Account | null;
  readonly token: OAuthToken | null;
  readonly scopes: ReadonlySet<Scope>;
}

export const ANONYMOUS: Caller = { user: null, token: null, scopes: new Set() };

/** A 40-character token like Quay's OAuth access tokens (their exact format is not observable). */
export function newAccessToken(): string {
  return randomBytes(30).toString("base64url").slice(0, 40);
}

export function mintToken(
  store: Store,
  user: Account,
  scopes: readonly Scope[],
  options: { token?: string; ttlS?: number | null; clientId?: string; appName?: string } = {},
): OAuthToken {
  const token: OAuthToken = {
    id: store.newId(),
    uuid: randomUUID(),
    token: options.token ?? newAccessToken(),
    userId: user.id,
    scopes: [...new Set(scopes)].sort(),
    expiresAtMs: options.ttlS ? Date.now() + options.ttlS * 1000 : null,
    clientId: options.clientId ?? user.username,
    appName: options.appName ?? "automation",
  };
  store.tokens.set(token.token, token);
  return token;
}

/**
 * process_oauth (`auth/decorators.py` at v3.18.0): the bearer handler first, then the session cookie.
 * A bearer token that is unknown, expired or whose user is disabled is not rejected: the request
 * proceeds as anonymous (docs/quay-api.md#authentication), and the cookie is not tried either. Only a missing or non-bearer
 * Authorization header lets the session speak.
 */
export function resolveCaller(
  store: Store,
  authorization: string | undefined,
  now = Date.now(),
  sessionUserId?: string,
): Caller {
  const parts = (authorization ?? "").split(" ").filter((p) => p !== "");
  if (parts.length !== 2 || parts[0]?.toLowerCase() !== "bearer") {
    return sessionUserId === undefined ? ANONYMOUS : sessionCaller(store, sessionUserId);
  }
  const token = store.tokens.get(parts[1] as string);
  if (!token) return ANONYMOUS;
  if (token.expiresAtMs !== null && token.expiresAtMs <= now) return ANONYMOUS;
  const user = store.accounts.get(token.userId);
  if (!user?.enabled || user.kind !== "user") return ANONYMOUS;
  return { user, token, scopes: new Set(token.scopes.filter(isScope)) };
}

/**
 * auth/cookie.py validate_session_cookie: the user whose `uuid` the session names, if it still has
 * it (a sign-out elsewhere or a password change gave it a new one), is enabled and is not an
 * organization. A session carries the `direct_user_login` scope, which caps no role
 * (`auth/permissions.py`): every scope here, superuser included for SUPER_USERS.
 */
function sessionCaller(store: Store, userId: string): Caller {
  for (const user of store.accounts.values()) {
    if (user.uuid !== userId) continue;
    if (!user.enabled || user.kind !== "user") return ANONYMOUS;
    return { user, token: null, scopes: new Set(ALL_SCOPES) };
  }
  return ANONYMOUS;
}

function cap(roleIndex: number, scopes: ReadonlySet<Scope>, table: Partial<Record<Scope, number>>): number {
  let max = 0;
  for (const s of scopes) max = Math.max(max, table[s] ?? 0);
  return Math.min(roleIndex, max);
}

/** The permission checks of auth/permissions.py for one caller, evaluated against the store. */
export class Permissions {
  constructor(
    private readonly store: Store,
    private readonly config: ResolvedConfig,
    readonly caller: Caller,
  ) {}

  get authenticated(): boolean {
    return this.caller.user !== null;
  }

  get username(): string | undefined {
    return this.caller.user?.username;
  }

  /** Global read-only superusers win over SUPER_USERS and need no scope (permissions.py `can`). */
  isGlobalReadonly(): boolean {
    const u = this.caller.user;
    return !!u && this.config.hasReadonlySuperUserConfig && this.config.readonlySuperUsers.has(u.username);
  }

  /** SuperUserPermission: listed in SUPER_USERS, token has `super:user`, not a read-only superuser. */
  isSuperuser(): boolean {
    const u = this.caller.user;
    return (
      !!u &&
      this.config.feature("FEATURE_SUPER_USERS") &&
      !this.isGlobalReadonly() &&
      this.caller.scopes.has("super:user") &&
      this.config.superUsers.has(u.username)
    );
  }

  /** allow_if_superuser_with_full_access (and the short-circuit inside QuayDeferredPermissionUser.can). */
  fullAccess(): boolean {
    return this.config.feature("FEATURE_SUPERUSERS_FULL_ACCESS") && this.isSuperuser();
  }

  anySuperuser(): boolean {
    return this.isSuperuser() || this.isGlobalReadonly();
  }

  /** "Global readonly superusers can always view, regular superusers need FULL_ACCESS". */
  canViewAsSuperuser(): boolean {
    return this.isGlobalReadonly() || this.fullAccess();
  }

  private readonly teamRoles = new Map<string, number>();

  /** The highest team role (index into TEAM_ROLES) the token grants in a namespace (memoized per request). */
  private teamRoleIn(namespace: string): number {
    let role = this.teamRoles.get(namespace);
    if (role === undefined) {
      role = this.computeTeamRole(namespace);
      this.teamRoles.set(namespace, role);
    }
    return role;
  }

  private computeTeamRole(namespace: string): number {
    const u = this.caller.user;
    if (!u) return 0;
    // "Every user is the admin of their own 'org'".
    if (namespace === u.username) return cap(3, this.caller.scopes, SCOPE_MAX_TEAM);
    const org = this.store.org(namespace);
    if (!org) return 0;
    let best = 0;
    for (const t of this.store.teamsOfMember(org.id, u.id)) {
      best = Math.max(best, cap(TEAM_ROLES.indexOf(t.role), this.caller.scopes, SCOPE_MAX_TEAM));
    }
    return best;
  }

  /** The highest repository role the token grants, from org-wide grants and per-repo permissions. */
  repoRole(namespace: string, repoName: string): number {
    const u = this.caller.user;
    if (!u) return 0;
    let best = 0;
    if (namespace === u.username) best = cap(3, this.caller.scopes, SCOPE_MAX_REPO);
    const ns = this.store.account(namespace);
    if (ns?.kind === "org") {
      for (const t of this.store.teamsOfMember(ns.id, u.id)) {
        best = Math.max(best, cap(TEAM_ORGWIDE_REPO_ROLE[t.role], this.caller.scopes, SCOPE_MAX_REPO));
      }
    }
    const repo = this.store.repo(namespace, repoName);
    if (repo) {
      for (const p of this.store.permissionsOf(repo.id, u.id)) {
        best = Math.max(best, cap(REPO_ROLES.indexOf(p.role), this.caller.scopes, SCOPE_MAX_REPO));
      }
    }
    return best;
  }

  /** AdministerOrganizationPermission (namespace-scoped: FULL_ACCESS passes). */
  orgAdmin(namespace: string): boolean {
    return this.fullAccess() || this.teamRoleIn(namespace) >= 3;
  }

  /** OrganizationMemberPermission. */
  orgMember(namespace: string): boolean {
    return this.fullAccess() || this.teamRoleIn(namespace) >= 1;
  }

  /** CreateRepositoryPermission: team role creator or admin. */
  createRepo(namespace: string): boolean {
    return this.fullAccess() || this.teamRoleIn(namespace) >= 2;
  }

  /** ViewTeamPermission: member of that team (any role after capping) or org admin. */
  viewTeam(namespace: string, teamName: string): boolean {
    if (this.fullAccess() || this.orgAdmin(namespace)) return true;
    const u = this.caller.user;
    const org = this.store.org(namespace);
    if (!u || !org) return false;
    const team = this.store.team(org.id, teamName);
    return (
      !!team &&
      team.memberIds.includes(u.id) &&
      cap(TEAM_ROLES.indexOf(team.role), this.caller.scopes, SCOPE_MAX_TEAM) >= 1
    );
  }

  repoRead(namespace: string, repoName: string): boolean {
    return this.fullAccess() || this.repoRole(namespace, repoName) >= 1;
  }

  repoWrite(namespace: string, repoName: string): boolean {
    return this.fullAccess() || this.repoRole(namespace, repoName) >= 2;
  }

  repoAdmin(namespace: string, repoName: string): boolean {
    return this.fullAccess() || this.repoRole(namespace, repoName) >= 3;
  }

  /** UserAdminPermission on the caller itself (not namespace-scoped: FULL_ACCESS does not help). */
  userAdmin(): boolean {
    return this.authenticated && cap(2, this.caller.scopes, SCOPE_MAX_USER) >= 2;
  }

  userRead(): boolean {
    return this.authenticated && cap(2, this.caller.scopes, SCOPE_MAX_USER) >= 1;
  }
}
