import { randomUUID } from "node:crypto";
import type { ResolvedConfig } from "./config";
import { EmulatorError } from "./errors";
import { newAccount } from "./namespaces";
import { syncActive } from "./routes/shared";
import type { Account, Store, Team } from "./state";

/**
 * Plays what keeps a synced team's users in step with its directory group (docs/quay-api.md#team-sync),
 * on request, so tests can see members that no tenant file declared:
 *
 * - a pass of Quay's team sync worker (data/users/teamsync.py at v3.18.0), for LDAP and Keystone:
 *   every synced team gets the group's users (a user the registry does not know yet is created, as
 *   Quay links the directory's user) and loses every user not in the group; robots stay;
 * - with `login`, a directory user's login: Quay links (creates) the user on first login with any
 *   external backend, which is how users come to exist there (the superuser API refuses to create
 *   them); with OIDC the user also joins every OIDC-synced team whose `group_name` is among the
 *   token's groups and leaves the other OIDC-synced teams it is in (data/users/externaloidc.py
 *   sync_oidc_groups, resync_quay_teams).
 *
 * The worker sleeps without FEATURE_TEAM_SYNCING or a directory; neither writes the audit log.
 */

export interface TeamSyncRequest {
  /** A directory user's login instead of a worker pass (`groups`: the OIDC token's group claim). */
  login?: { user: string; groups?: string[] };
  /** ISO 8601 time the worker believes it is (default: now). */
  now?: string;
}

export interface TeamSyncResult {
  team: string;
  added: string[];
  removed: string[];
  last_updated: string | null;
}

const WORKER_SERVICES = new Set(["ldap", "keystone"]);

export function runTeamSync(
  store: Store,
  config: ResolvedConfig,
  request: TeamSyncRequest,
): TeamSyncResult[] {
  const now = request.now === undefined ? Date.now() : Date.parse(request.now);
  if (Number.isNaN(now)) throw new EmulatorError("QG_EMU_CONTROL", "now must be an ISO 8601 time");
  if (request.login !== undefined) return login(store, config, request.login);
  if (!syncActive({ config })) return [];
  const out: TeamSyncResult[] = [];
  for (const team of [...store.teams.values()].sort((a, b) => a.id - b.id)) {
    const sync = team.sync;
    if (!sync || !WORKER_SERVICES.has(sync.service)) continue;
    const directory = config.directory;
    const args = sync.config as Record<string, unknown> | null;
    const group = directory.groupKey ? args?.[directory.groupKey] : undefined;
    const members = typeof group === "string" ? directory.groups.get(group) : undefined;
    // Keystone cannot list a group that is gone: the pass fails and the team stays as it is. An LDAP
    // search for a group that is gone simply finds nobody.
    if (!members && sync.service !== "ldap") continue;
    const wanted = (members ?? []).map((name) => store.user(name) ?? linkUser(store, config, name));
    const result = converge(store, team, wanted);
    sync.lastUpdatedMs = now;
    out.push({ ...result, last_updated: new Date(now).toISOString() });
  }
  return out;
}

function login(
  store: Store,
  config: ResolvedConfig,
  request: { user: string; groups?: string[] },
): TeamSyncResult[] {
  const groups = request.groups ?? [];
  if (
    typeof request.user !== "string" ||
    !Array.isArray(groups) ||
    !groups.every((g) => typeof g === "string")
  )
    throw new EmulatorError("QG_EMU_CONTROL", "login must be {user, groups?: [...]}");
  if (config.directory.service === null)
    throw new EmulatorError(
      "QG_EMU_CONTROL",
      "a directory login needs AUTHENTICATION_TYPE LDAP, Keystone, OIDC or JWT",
    );
  const user = store.user(request.user) ?? linkUser(store, config, request.user);
  const out: TeamSyncResult[] = [];
  if (config.directory.service !== "oidc" || !syncActive({ config })) return out;
  for (const team of [...store.teams.values()].sort((a, b) => a.id - b.id)) {
    if (team.sync?.service !== "oidc") continue;
    const group = (team.sync.config as Record<string, unknown> | null)?.group_name;
    const inGroup = typeof group === "string" && groups.includes(group);
    const isMember = team.memberIds.includes(user.id);
    if (inGroup === isMember) continue;
    if (inGroup) team.memberIds.push(user.id);
    else team.memberIds = team.memberIds.filter((id) => id !== user.id);
    const name = `${store.accounts.get(team.orgId)?.username ?? "?"}/${team.name}`;
    out.push({
      team: name,
      added: inGroup ? [user.username] : [],
      removed: inGroup ? [] : [user.username],
      last_updated: null,
    });
  }
  return out;
}

/** get_and_link_federated_user_info with internal_create: a Quay user for the directory's user. */
function linkUser(store: Store, config: ResolvedConfig, name: string): Account {
  return newAccount(store, { username: name, email: randomUUID(), kind: "user", verified: true }, config);
}

/** Adds the wanted users and removes the other users; robots are never touched. */
function converge(
  store: Store,
  team: Team,
  wanted: readonly Account[],
): Omit<TeamSyncResult, "last_updated"> {
  const org = store.accounts.get(team.orgId)?.username ?? "?";
  const added: string[] = [];
  const removed: string[] = [];
  const keep = new Set(wanted.map((a) => a.id));
  for (const a of wanted) {
    if (team.memberIds.includes(a.id)) continue;
    team.memberIds.push(a.id);
    added.push(a.username);
  }
  team.memberIds = team.memberIds.filter((id) => {
    const a = store.accounts.get(id);
    if (!a || a.kind === "robot" || keep.has(id)) return true;
    removed.push(a.username);
    return false;
  });
  return { team: `${org}/${team.name}`, added, removed };
}
