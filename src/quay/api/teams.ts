import { isQuayApiError } from "../errors";
import { apiPath } from "../paths";
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
