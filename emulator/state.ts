import * as fs from "node:fs";
import * as path from "node:path";
import { EmulatorError } from "./errors";

/**
 * The emulator's data model: Quay's tables, reduced to what the API subset observes. Rows reference
 * each other by numeric id, as in Quay's database, so that renames (an org renamed by a superuser, a
 * user renamed to a UUID when marked for deletion, docs/quay-api.md#emulator-gotchas drift trap) carry every grant along.
 *
 * Handlers run synchronously between reading and writing the store, so concurrent HTTP requests
 * never interleave inside one mutation.
 */

export type AccountKind = "user" | "org" | "robot";
export type TeamRole = "member" | "creator" | "admin";
export type RepoRole = "read" | "write" | "admin";
export type RepoState = "NORMAL" | "READ_ONLY" | "MIRROR";
export type MirrorStatus = "NEVER_RUN" | "SYNC_NOW" | "SYNCING" | "SUCCESS" | "FAIL" | "CANCEL";

/** Quay's User table: users, organizations and robots share one namespace of names. */
export interface Account {
  id: number;
  username: string;
  /** Orgs and robots created without an email store a UUID placeholder, as Quay does. */
  email: string;
  kind: AccountKind;
  createdMs: number;
  enabled: boolean;
  verified: boolean;
  passwordHash: string | null;
  tagExpirationS: number;
  invoiceEmail: boolean;
  invoiceEmailAddress: string | null;
  robotToken?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  federation?: { issuer: string; subject: string }[];
  /** Set when the namespace is marked for deletion: the name it had (free again at once in 3.18.0). */
  deletedName?: string;
  /**
   * `User.uuid`, what a session cookie names (`_user_id`). Given at the first sign-in; a new one
   * (sign-out, password change: `invalidate_all_sessions`) ends every session of the user.
   */
  uuid?: string;
  /** The login throttle's counters (`User.invalid_login_attempts`, `last_invalid_login`). */
  invalidLoginAttempts?: number;
  lastInvalidLoginMs?: number;
  /**
   * `User.last_accessed`: set when the account's credentials are checked by the registry (a robot's
   * `docker login`, verify_robot in data/model/user.py at v3.18.0); absent = never (NULL).
   */
  lastAccessedMs?: number;
  /** The namespace's `QuotaNamespaceSize` row (data/model/quota.py); absent = no row yet. */
  quotaSize?: NamespaceSize;
}

/** `QuotaNamespaceSize`: the namespace's usage as the quota code keeps it (data/database.py at v3.18.0). */
export interface NamespaceSize {
  sizeBytes: number;
  /** `backfill_start_ms`: null until the quota total worker started on the namespace. */
  backfillStartMs: number | null;
  backfillComplete: boolean;
}

export interface Team {
  id: number;
  orgId: number;
  name: string;
  role: TeamRole;
  description: string;
  /** Insertion order = TeamMember row order. */
  memberIds: number[];
  /** The TeamSync row (one per team): the team's users come from a directory group (quay-api.md#team-sync). */
  sync?: TeamSync;
}

export interface TeamSync {
  /** The LoginService name at enable time: ldap, keystone or oidc. */
  service: string;
  /** The lookup arguments as POSTed (`{"group_dn": ...}`, ...), shown back as `synced.config`. */
  config: unknown;
  /** Set by the sync worker; null until its first pass. */
  lastUpdatedMs: number | null;
}

export interface TeamInvite {
  id: number;
  teamId: number;
  userId: number | null;
  email: string | null;
  inviterId: number;
  token: string;
}

export interface Repository {
  id: number;
  namespaceId: number;
  name: string;
  description: string | null;
  visibility: "public" | "private";
  state: RepoState;
  kind: "image";
  badgeToken: string;
  createdMs: number;
  /** The repository's `QuotaRepositorySize.size_bytes`; absent = no row (reported as 0). */
  sizeBytes?: number;
}

export interface RepoPermission {
  id: number;
  repoId: number;
  userId: number | null;
  teamId: number | null;
  role: RepoRole;
}

export interface Prototype {
  id: number;
  uuid: string;
  orgId: number;
  activatingUserId: number | null;
  delegateUserId: number | null;
  delegateTeamId: number | null;
  role: RepoRole;
}

export interface Quota {
  id: number;
  namespaceId: number;
  limitBytes: number;
}

export interface QuotaLimit {
  id: number;
  quotaId: number;
  type: "Warning" | "Reject";
  percent: number;
}

export interface Mirror {
  id: number;
  repoId: number;
  isEnabled: boolean;
  externalReference: string;
  username: string | null;
  password: string | null;
  registryConfig: Record<string, unknown>;
  syncInterval: number;
  /** Microseconds since the epoch (the worker writes dates with microseconds, docs/quay-api.md#mirrors). */
  syncStartUs: number | null;
  syncExpirationUs: number | null;
  retriesRemaining: number;
  status: MirrorStatus;
  ruleValue: string[];
  robotId: number;
  skopeoTimeout: number;
  architectureFilter: string[] | null;
  /** The emulated worker has claimed this config and not released it yet. */
  claimed: boolean;
}

export interface ProxyCacheConfig {
  orgId: number;
  upstreamRegistry: string;
  username: string | null;
  password: string | null;
  expirationS: number;
  insecure: boolean;
}

export interface AutoPrunePolicy {
  id: number;
  uuid: string;
  namespaceId: number;
  repoId: number | null;
  method: string;
  value: number | string;
  tagPattern: string | null;
  tagPatternMatches: unknown;
}

export interface RepoNotification {
  id: number;
  uuid: string;
  repoId: number;
  title: string | null;
  event: string;
  method: string;
  config: Record<string, unknown>;
  eventConfig: Record<string, unknown>;
  failures: number;
}

/** `RepositoryImmutabilityPolicy` / `NamespaceImmutabilityPolicy` (repoId null), data/model/immutability.py. */
export interface ImmutabilityPolicy {
  id: number;
  uuid: string;
  namespaceId: number;
  repoId: number | null;
  tagPattern: string;
  tagPatternMatches: unknown;
}

/** `RepositoryAuthorizedEmail`: an address confirmed (or asked) for a repository's e-mail notifications. */
export interface AuthorizedEmail {
  id: number;
  repoId: number;
  email: string;
  confirmed: boolean;
  code: string;
}

export interface LogEntry {
  id: number;
  kind: string;
  accountId: number | null;
  repoId: number | null;
  performerId: number | null;
  ip: string;
  datetimeMs: number;
  metadata: Record<string, unknown>;
  /** FEATURE_EXTENDED_ACTION_LOGGING columns (request URL, method, auth type, ...). */
  extended?: Record<string, unknown>;
}

export interface OAuthToken {
  id: number;
  uuid: string;
  token: string;
  userId: number;
  scopes: string[];
  expiresAtMs: number | null;
  clientId: string;
  appName: string;
}

interface Tables {
  accounts: Account[];
  teams: Team[];
  invites: TeamInvite[];
  repos: Repository[];
  permissions: RepoPermission[];
  prototypes: Prototype[];
  quotas: Quota[];
  limits: QuotaLimit[];
  mirrors: Mirror[];
  proxyCaches: ProxyCacheConfig[];
  autoprune: AutoPrunePolicy[];
  notifications: RepoNotification[];
  /** Added after version 1 files were first written: absent in older state files. */
  immutability?: ImmutabilityPolicy[];
  authorizedEmails?: AuthorizedEmail[];
  logs: LogEntry[];
  tokens: OAuthToken[];
}

export interface StateSnapshot extends Tables {
  format: "quay-gitops-emulator-state";
  version: 1;
  nextId: number;
}

const SECRET = "<redacted>";

export class Store {
  accounts = new Map<number, Account>();
  private accountsByName = new Map<string, number>();
  teams = new Map<number, Team>();
  invites = new Map<number, TeamInvite>();
  repos = new Map<number, Repository>();
  permissions = new Map<number, RepoPermission>();
  prototypes = new Map<number, Prototype>();
  quotas = new Map<number, Quota>();
  limits = new Map<number, QuotaLimit>();
  mirrors = new Map<number, Mirror>();
  proxyCaches = new Map<number, ProxyCacheConfig>();
  autoprune = new Map<number, AutoPrunePolicy>();
  notifications = new Map<number, RepoNotification>();
  immutability = new Map<number, ImmutabilityPolicy>();
  authorizedEmails = new Map<number, AuthorizedEmail>();
  logs: LogEntry[] = [];
  tokens = new Map<string, OAuthToken>();
  /** `POST /superuser/registrysize/` queued a calculation that no worker ever runs here. */
  registrySizeQueued = false;
  /** One id sequence for every table keeps ids unique across kinds, like DB ids in practice. */
  private nextId = 1;

  newId(): number {
    return this.nextId++;
  }

  // --- accounts ---------------------------------------------------------------------------------

  addAccount(account: Account): Account {
    this.accounts.set(account.id, account);
    this.accountsByName.set(account.username, account.id);
    return account;
  }

  /** Any row of the User table by its current name (users, orgs, robots, renamed deleted ones). */
  account(name: string): Account | undefined {
    const id = this.accountsByName.get(name);
    return id === undefined ? undefined : this.accounts.get(id);
  }

  renameAccount(account: Account, newName: string): void {
    this.accountsByName.delete(account.username);
    account.username = newName;
    this.accountsByName.set(newName, account.id);
  }

  removeAccount(account: Account): void {
    this.accounts.delete(account.id);
    if (this.accountsByName.get(account.username) === account.id)
      this.accountsByName.delete(account.username);
  }

  org(name: string): Account | undefined {
    const a = this.account(name);
    return a?.kind === "org" ? a : undefined;
  }

  /** model.user.get_user: users and robots, not orgs. */
  userOrRobot(name: string): Account | undefined {
    const a = this.account(name);
    return a && a.kind !== "org" ? a : undefined;
  }

  /** model.user.get_nonrobot_user. */
  user(name: string): Account | undefined {
    const a = this.account(name);
    return a?.kind === "user" ? a : undefined;
  }

  robotsOf(namespace: Account): Account[] {
    const prefix = `${namespace.username}+`;
    return [...this.accounts.values()].filter((a) => a.kind === "robot" && a.username.startsWith(prefix));
  }

  // --- teams ------------------------------------------------------------------------------------

  orgTeams(orgId: number): Team[] {
    return [...this.teams.values()].filter((t) => t.orgId === orgId).sort((a, b) => a.id - b.id);
  }

  team(orgId: number, name: string): Team | undefined {
    for (const t of this.teams.values()) if (t.orgId === orgId && t.name === name) return t;
    return undefined;
  }

  teamsOfMember(orgId: number, accountId: number): Team[] {
    return this.orgTeams(orgId).filter((t) => t.memberIds.includes(accountId));
  }

  isOrgMember(orgId: number, accountId: number): boolean {
    for (const t of this.teams.values())
      if (t.orgId === orgId && t.memberIds.includes(accountId)) return true;
    return false;
  }

  deleteTeam(team: Team): void {
    // delete_instance(recursive=True): permissions, invites and prototypes that point at the team.
    this.teams.delete(team.id);
    for (const p of [...this.permissions.values()]) if (p.teamId === team.id) this.permissions.delete(p.id);
    for (const i of [...this.invites.values()]) if (i.teamId === team.id) this.invites.delete(i.id);
    for (const p of [...this.prototypes.values()])
      if (p.delegateTeamId === team.id) this.prototypes.delete(p.id);
  }

  // --- repositories -----------------------------------------------------------------------------

  repo(namespace: string, name: string): Repository | undefined {
    const ns = this.account(namespace);
    if (!ns) return undefined;
    for (const r of this.repos.values()) if (r.namespaceId === ns.id && r.name === name) return r;
    return undefined;
  }

  reposOf(namespaceId: number): Repository[] {
    return [...this.repos.values()].filter((r) => r.namespaceId === namespaceId).sort((a, b) => a.id - b.id);
  }

  deleteRepo(repo: Repository): void {
    // Quay's GC subtracts the blobs of a deleted repository from the namespace total and drops the
    // repository's size row (data/model/gc.py at v3.18.0); the emulator deletes at once, so it does both now.
    const ns = this.accounts.get(repo.namespaceId);
    if (repo.sizeBytes !== undefined && ns?.quotaSize?.backfillComplete)
      ns.quotaSize.sizeBytes = Math.max(0, ns.quotaSize.sizeBytes - repo.sizeBytes);
    this.repos.delete(repo.id);
    for (const p of [...this.permissions.values()]) if (p.repoId === repo.id) this.permissions.delete(p.id);
    for (const m of [...this.mirrors.values()]) if (m.repoId === repo.id) this.mirrors.delete(m.id);
    for (const n of [...this.notifications.values()])
      if (n.repoId === repo.id) this.notifications.delete(n.id);
    for (const a of [...this.autoprune.values()]) if (a.repoId === repo.id) this.autoprune.delete(a.id);
    for (const p of [...this.immutability.values()]) if (p.repoId === repo.id) this.immutability.delete(p.id);
    for (const e of [...this.authorizedEmails.values()])
      if (e.repoId === repo.id) this.authorizedEmails.delete(e.id);
  }

  repoPermissions(repoId: number): RepoPermission[] {
    return [...this.permissions.values()].filter((p) => p.repoId === repoId).sort((a, b) => a.id - b.id);
  }

  userPermission(repoId: number, accountId: number): RepoPermission | undefined {
    for (const p of this.permissions.values()) if (p.repoId === repoId && p.userId === accountId) return p;
    return undefined;
  }

  teamPermission(repoId: number, teamId: number): RepoPermission | undefined {
    for (const p of this.permissions.values()) if (p.repoId === repoId && p.teamId === teamId) return p;
    return undefined;
  }

  setPermission(
    repoId: number,
    who: { userId: number } | { teamId: number },
    role: RepoRole,
  ): RepoPermission {
    const existing =
      "userId" in who ? this.userPermission(repoId, who.userId) : this.teamPermission(repoId, who.teamId);
    if (existing) {
      existing.role = role;
      return existing;
    }
    const p: RepoPermission = {
      id: this.newId(),
      repoId,
      userId: "userId" in who ? who.userId : null,
      teamId: "teamId" in who ? who.teamId : null,
      role,
    };
    this.permissions.set(p.id, p);
    return p;
  }

  /** Direct and team permissions of an account on a repository (get_user_repo_permissions). */
  permissionsOf(repoId: number, accountId: number): RepoPermission[] {
    const result: RepoPermission[] = [];
    for (const p of this.permissions.values()) {
      if (p.repoId !== repoId) continue;
      if (p.userId === accountId) result.push(p);
      else if (p.teamId !== null && this.teams.get(p.teamId)?.memberIds.includes(accountId)) result.push(p);
    }
    return result.sort((a, b) => a.id - b.id);
  }

  // --- quotas -----------------------------------------------------------------------------------

  quotaOf(namespaceId: number): Quota | undefined {
    for (const q of this.quotas.values()) if (q.namespaceId === namespaceId) return q;
    return undefined;
  }

  limitsOf(quotaId: number): QuotaLimit[] {
    return [...this.limits.values()].filter((l) => l.quotaId === quotaId).sort((a, b) => a.id - b.id);
  }

  deleteQuota(quota: Quota): void {
    this.quotas.delete(quota.id);
    for (const l of [...this.limits.values()]) if (l.quotaId === quota.id) this.limits.delete(l.id);
  }

  mirrorOf(repoId: number): Mirror | undefined {
    for (const m of this.mirrors.values()) if (m.repoId === repoId) return m;
    return undefined;
  }

  // --- lifecycle --------------------------------------------------------------------------------

  clear(): void {
    this.accounts.clear();
    this.accountsByName.clear();
    this.teams.clear();
    this.invites.clear();
    this.repos.clear();
    this.permissions.clear();
    this.prototypes.clear();
    this.quotas.clear();
    this.limits.clear();
    this.mirrors.clear();
    this.proxyCaches.clear();
    this.autoprune.clear();
    this.notifications.clear();
    this.immutability.clear();
    this.authorizedEmails.clear();
    this.logs = [];
    this.tokens.clear();
    this.registrySizeQueued = false;
    this.nextId = 1;
  }

  snapshot(options: { redact: boolean }): StateSnapshot {
    const r = options.redact;
    return {
      format: "quay-gitops-emulator-state",
      version: 1,
      nextId: this.nextId,
      accounts: [...this.accounts.values()].map((a) =>
        r
          ? {
              ...a,
              passwordHash: a.passwordHash === null ? null : SECRET,
              ...(a.robotToken !== undefined ? { robotToken: SECRET } : {}),
            }
          : { ...a },
      ),
      teams: [...this.teams.values()].map((t) => ({ ...t, memberIds: [...t.memberIds] })),
      invites: [...this.invites.values()].map((i) => (r ? { ...i, token: SECRET } : { ...i })),
      repos: [...this.repos.values()].map((x) => ({ ...x })),
      permissions: [...this.permissions.values()].map((x) => ({ ...x })),
      prototypes: [...this.prototypes.values()].map((x) => ({ ...x })),
      quotas: [...this.quotas.values()].map((x) => ({ ...x })),
      limits: [...this.limits.values()].map((x) => ({ ...x })),
      mirrors: [...this.mirrors.values()].map((m) =>
        r && m.password !== null ? { ...m, password: SECRET } : { ...m },
      ),
      proxyCaches: [...this.proxyCaches.values()].map((p) =>
        r && p.password !== null ? { ...p, password: SECRET } : { ...p },
      ),
      autoprune: [...this.autoprune.values()].map((x) => ({ ...x })),
      notifications: [...this.notifications.values()].map((x) => ({ ...x })),
      immutability: [...this.immutability.values()].map((x) => ({ ...x })),
      authorizedEmails: [...this.authorizedEmails.values()].map((x) =>
        r ? { ...x, code: SECRET } : { ...x },
      ),
      logs: this.logs.map((x) => ({ ...x })),
      tokens: [...this.tokens.values()].map((t) => (r ? { ...t, token: SECRET } : { ...t })),
    };
  }

  load(snapshot: StateSnapshot): void {
    if (snapshot?.format !== "quay-gitops-emulator-state" || snapshot.version !== 1) {
      throw new EmulatorError("QG_EMU_STATE", "not an emulator state file (format/version mismatch)");
    }
    this.clear();
    for (const a of snapshot.accounts) this.addAccount(a);
    for (const t of snapshot.teams) this.teams.set(t.id, t);
    for (const i of snapshot.invites) this.invites.set(i.id, i);
    for (const x of snapshot.repos) this.repos.set(x.id, x);
    for (const x of snapshot.permissions) this.permissions.set(x.id, x);
    for (const x of snapshot.prototypes) this.prototypes.set(x.id, x);
    for (const x of snapshot.quotas) this.quotas.set(x.id, x);
    for (const x of snapshot.limits) this.limits.set(x.id, x);
    for (const x of snapshot.mirrors) this.mirrors.set(x.id, x);
    for (const x of snapshot.proxyCaches) this.proxyCaches.set(x.orgId, x);
    for (const x of snapshot.autoprune) this.autoprune.set(x.id, x);
    for (const x of snapshot.notifications) this.notifications.set(x.id, x);
    for (const x of snapshot.immutability ?? []) this.immutability.set(x.id, x);
    for (const x of snapshot.authorizedEmails ?? []) this.authorizedEmails.set(x.id, x);
    this.logs = snapshot.logs;
    for (const t of snapshot.tokens) this.tokens.set(t.token, t);
    this.nextId = snapshot.nextId;
  }
}

/** Reads a state file written by `saveStateFile`; a missing file means "start empty". */
export function loadStateFile(file: string): StateSnapshot | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new EmulatorError("QG_EMU_STATE", `cannot read state file ${file}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    return JSON.parse(text) as StateSnapshot;
  } catch (e) {
    throw new EmulatorError("QG_EMU_STATE", `state file ${file} is not valid JSON`, { cause: e });
  }
}

/**
 * Writes the state atomically (temp file + rename) with mode 0600: the file holds tokens and robot
 * secrets in clear, like Quay's database does, because the emulator must accept them after a restart.
 */
export function saveStateFile(file: string, snapshot: StateSnapshot): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(snapshot)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
