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

/** `PUT .../team/<team>` creates or updates (200 either way, §7.2): idempotent. */
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

/**
 * Members with pending invites (`includePending`): with mailing on, adding a user who is in no team
 * of the org creates an invite, not a membership (§7.4, §18.11). An invited user counts as present,
 * or every run would re-invite.
 */
export async function listTeamMembers(
  s: QuaySession,
  org: string,
  team: string,
): Promise<TeamMemberView[] | undefined> {
  const r = await s.get<{ members: TeamMemberView[] }>(
    apiPath`/api/v1/organization/${org}/team/${team}/members`,
    {
      scope: orgScope(org),
      query: { includePending: true },
      notFound: "undefined",
    },
  );
  return r?.members;
}

/**
 * The members of every team of an organization from two organization-wide lists instead of one
 * list per team (QUAY-API §1.5b): the org's members (`GET .../members`: every user in any of its
 * teams, with the teams, §4.7) and its robots (`GET .../robots?permissions=true`: each robot's
 * teams, §6.4; the same cached answer the Robot resources read). Undefined when these lists cannot
 * tell the whole truth and the caller must read the team's own list:
 * - the registry may hold pending invitations (FEATURE_MAILING, §7.4, §18.11), which neither list
 *   shows but the team's list with `includePending` does;
 * - the robot list carries no `teams` (a token that is not an org admin or superuser).
 * Neither list shows a robot of another organization in a team (Quay allows that with mailing
 * off, §7.4): callers compare a team's size with its `member_count` from the org view (which counts
 * robots, §21) and read the team's own list when they differ.
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

/** Member add is not idempotent (400 "already a member", §7.4, §19): that answer means done. */
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

/** Unknown team answers 400 (§7.3): gone when the org view no longer lists it. */
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
