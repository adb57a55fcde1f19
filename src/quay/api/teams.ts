import { QuayGitopsError } from "../../errors";
import type { Directory } from "../../model/types";
import { isQuayApiError } from "../errors";
import { apiPath } from "../paths";
import { mayHaveInvites } from "./capabilities";
import { listOrgMembers, type OrgMemberView } from "./organizations";
import { listRobots, type RobotView } from "./robots";
import { orgScope, type QuaySession } from "./session";

export interface TeamMemberView {
  name: string;
  kind: "user" | "invite";
  is_robot: boolean;
  invited: boolean;
  email?: string;
}

/** `PUT .../team/<team>` creates or updates (200 either way, docs/quay-api.md#teams): idempotent. */
export async function putTeam(
  s: QuaySession,
  org: string,
  team: string,
  role: string,
  description: string,
): Promise<{ new_team?: boolean } | undefined> {
  const r = await s.write<{ new_team?: boolean }>("PUT", apiPath`/api/v1/organization/${org}/team/${team}`, {
    scope: orgScope(org),
    body: { role, description },
  });
  return r.landed ? undefined : r.data;
}

/** `GET .../team/<team>/members` (docs/quay-api.md#teams, #team-sync). */
export interface TeamMembersView {
  name: string;
  members: TeamMemberView[];
  can_edit: boolean;
  /** With FEATURE_TEAM_SYNCING and a directory, for callers who may set up syncing. */
  can_sync?: { service: string };
  /** A synced team; `config` (the group) and `last_updated` only for superusers. */
  synced?: { service: string; last_updated?: string | null; config?: Record<string, unknown> };
}

/**
 * The team's own member list, with pending invites (`includePending`): with mailing on, adding a
 * user who is in no team of the org creates an invite, not a membership (docs/quay-api.md#teams, docs/quay-api.md#ordering). An invited
 * user counts as present, or every run would re-invite. The same answer tells a synced team's group.
 */
export function getTeamMembers(
  s: QuaySession,
  org: string,
  team: string,
): Promise<TeamMembersView | undefined> {
  return s.get<TeamMembersView>(apiPath`/api/v1/organization/${org}/team/${team}/members`, {
    scope: orgScope(org),
    query: { includePending: true },
    notFound: "undefined",
  });
}

export async function listTeamMembers(
  s: QuaySession,
  org: string,
  team: string,
): Promise<TeamMemberView[] | undefined> {
  return (await getTeamMembers(s, org, team))?.members;
}

/** What names a group in the sync body, by directory (data/users/*.py at v3.18.0; docs/quay-api.md#team-sync). */
export const SYNC_KEY: Readonly<Record<Directory, string>> = {
  ldap: "group_dn",
  keystone: "group_id",
  oidc: "group_name",
};

/** A team's sync as Quay shows it: the directory, and the group when the caller may see it. */
export interface LiveTeamSync {
  directory: string;
  /** Undefined: Quay shows the group to superusers only (unless NONSUPERUSER_TEAM_SYNCING_SETUP). */
  group?: string;
}

/** The sync of a team the organization view marks `is_synced`: one GET of the team's member list. */
export async function getTeamSync(
  s: QuaySession,
  org: string,
  team: string,
): Promise<LiveTeamSync | undefined> {
  const synced = (await getTeamMembers(s, org, team))?.synced;
  if (!synced) return undefined;
  const key = SYNC_KEY[synced.service as Directory];
  const group = key === undefined ? undefined : synced.config?.[key];
  return { directory: synced.service, ...(typeof group === "string" ? { group } : {}) };
}

const syncingPath = (org: string, team: string) => apiPath`/api/v1/organization/${org}/team/${team}/syncing`;

/** Quay registers the syncing routes only with FEATURE_TEAM_SYNCING: say so instead of "405 HTML". */
function syncingError(e: unknown): unknown {
  if (isQuayApiError(e) && e.unrouted)
    return new QuayGitopsError(
      "QG_ERR_CAPABILITY",
      `the registry does not offer ${e.method} ${e.path}; FEATURE_TEAM_SYNCING looks disabled in Quay's config.yaml`,
      { cause: e },
    );
  return e;
}

/**
 * `POST .../syncing` with the directory's lookup arguments. Quay refuses a second one with an
 * uncaught IntegrityError (a 500), so it is no blind retry: a lost attempt is checked first.
 */
export async function enableTeamSync(
  s: QuaySession,
  org: string,
  team: string,
  directory: Directory,
  group: string,
): Promise<void> {
  try {
    await s.write("POST", syncingPath(org, team), {
      scope: orgScope(org),
      body: { [SYNC_KEY[directory]]: group },
      idempotent: false,
      landed: async () => (await getTeamSync(s, org, team)) !== undefined,
    });
  } catch (e) {
    throw syncingError(e);
  }
}

/** `DELETE .../syncing` answers 200 even for a team that is not synced; a team that is gone is 404. */
export async function disableTeamSync(s: QuaySession, org: string, team: string): Promise<void> {
  try {
    await s.write("DELETE", syncingPath(org, team), { scope: orgScope(org) });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 404 && !e.unrouted) return;
    throw syncingError(e);
  }
}

/**
 * The members of every team of an organization from two organization-wide lists instead of one
 * list per team (docs/quay-api.md#cost): the org's members (`GET .../members`: every user in any of its
 * teams, with the teams, docs/quay-api.md#organizations) and its robots (`GET .../robots?permissions=true`: each robot's
 * teams, docs/quay-api.md#robots; the same cached answer the Robot resources read). Undefined when these lists cannot
 * tell the whole truth and the caller must read the team's own list:
 * - the registry may hold pending invitations (FEATURE_MAILING, docs/quay-api.md#teams, docs/quay-api.md#ordering), which neither list
 *   shows but the team's list with `includePending` does;
 * - the robot list carries no `teams` (a token that is not an org admin or superuser).
 * Neither list shows a robot of another organization in a team (Quay allows that with mailing
 * off, docs/quay-api.md#teams): callers compare a team's size with its `member_count` from the org view (which counts
 * robots, docs/quay-api.md#emulator-gotchas) and read the team's own list when they differ.
 */
export async function orgTeamMembers(
  s: QuaySession,
  org: string,
): Promise<Map<string, TeamMemberView[]> | undefined> {
  if (await mayHaveInvites(s)) return undefined;
  const [members, robots] = await Promise.all([listOrgMembers(s, org), listRobots(s, org)]);
  if (!members) return undefined;
  return membersByTeam(members, [...robots.values()]);
}

/** Team name → members (as the team's own list shows them), or undefined if robots lack teams. */
export function membersByTeam(
  members: readonly OrgMemberView[],
  robots: readonly RobotView[],
): Map<string, TeamMemberView[]> | undefined {
  const out = new Map<string, TeamMemberView[]>();
  const add = (team: string, m: TeamMemberView) => {
    const list = out.get(team);
    if (list) list.push(m);
    else out.set(team, [m]);
  };
  for (const u of members) {
    for (const t of u.teams) add(t.name, { name: u.name, kind: "user", is_robot: false, invited: false });
  }
  for (const r of robots) {
    if (!r.teams) return undefined;
    for (const t of r.teams) add(t.name, { name: r.name, kind: "user", is_robot: true, invited: false });
  }
  return out;
}

/** Member add is not idempotent (400 "already a member", docs/quay-api.md#teams, docs/quay-api.md#emulator-gotchas): that answer means done. */
export async function addTeamMember(
  s: QuaySession,
  org: string,
  team: string,
  member: string,
): Promise<void> {
  try {
    await s.write("PUT", apiPath`/api/v1/organization/${org}/team/${team}/members/${member}`, {
      scope: orgScope(org),
      idempotent: false,
      landed: async () => ((await listTeamMembers(s, org, team)) ?? []).some((m) => m.name === member),
    });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400) {
      s.invalidate(orgScope(org));
      if (((await listTeamMembers(s, org, team)) ?? []).some((m) => m.name === member)) return;
    }
    throw e;
  }
}

export async function removeTeamMember(
  s: QuaySession,
  org: string,
  team: string,
  member: string,
): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/team/${team}/members/${member}`, {
      scope: orgScope(org),
    });
  } catch (e) {
    // 400 "does not belong to team" / 404 unknown user: already gone.
    if (isQuayApiError(e) && (e.status === 400 || (e.status === 404 && !e.unrouted))) {
      s.invalidate(orgScope(org));
      if (!((await listTeamMembers(s, org, team)) ?? []).some((m) => m.name === member)) return;
    }
    throw e;
  }
}

/** Unknown team answers 400 (docs/quay-api.md#teams): gone when the org view no longer lists it. */
export async function deleteTeam(
  s: QuaySession,
  org: string,
  team: string,
  exists: () => Promise<boolean>,
): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/team/${team}`, { scope: orgScope(org) });
  } catch (e) {
    if (isQuayApiError(e) && (e.status === 400 || (e.status === 404 && !e.unrouted)) && !(await exists()))
      return;
    throw e;
  }
}
