import { isQuayApiError } from "../errors";
import { apiPath } from "../paths";
import { orgScope, type QuaySession } from "./session";

/** Robot list item (QUAY-API §6.4, §21): no `unstructured_metadata` in lists. */
export interface RobotView {
  name: string;
  created: string;
  last_accessed: string | null;
  description: string;
  token?: string;
  /** With `permissions=true`, for org admins and superusers (§6.4): the teams the robot is in. */
  teams?: { name: string }[];
  /** With `permissions=true`: repositories (short names) where the robot has a direct grant. */
  repositories?: string[];
}

/**
 * All robots of an organization with their tokens and team memberships: one request per
 * organization and run. `permissions=true` keeps the tokens (§21) and adds each robot's `teams`,
 * so the same answer serves the Robot resources and the robot members of every Team
 * (orgTeamMembers in teams.ts).
 */
export async function listRobots(s: QuaySession, org: string): Promise<Map<string, RobotView>> {
  const r = await s.get<{ robots: RobotView[] }>(apiPath`/api/v1/organization/${org}/robots`, {
    scope: orgScope(org),
    query: { permissions: true },
    notFound: "undefined",
  });
  return new Map((r?.robots ?? []).map((b) => [b.name, b]));
}

/**
 * The robots of an organization with their descriptions and teams, without their tokens
 * (`token=false`, docs/quay-api.md#robots): for readers that must never hold a token (the export).
 */
export async function listRobotsWithoutTokens(s: QuaySession, org: string): Promise<RobotView[] | undefined> {
  const r = await s.get<{ robots: RobotView[] }>(apiPath`/api/v1/organization/${org}/robots`, {
    scope: orgScope(org),
    query: { permissions: true, token: false },
    notFound: "undefined",
  });
  return r?.robots;
}

/** What the lab report keeps of a robot: never its token. */
export interface RobotActivity {
  name: string;
  created: string | null;
  /** RFC 2822; null when Quay has no record (never used, or FEATURE_USER_LAST_ACCESSED off). */
  last_accessed: string | null;
}

/**
 * The robots of an organization with when each was last used (§6.4): `token=false`, so Quay does not
 * even send the tokens (the list includes them by default), and only the fields above are kept.
 */
export async function listRobotActivity(s: QuaySession, org: string): Promise<RobotActivity[] | undefined> {
  const r = await s.get<{ robots: RobotView[] }>(apiPath`/api/v1/organization/${org}/robots`, {
    scope: orgScope(org),
    query: { token: false },
    notFound: "undefined",
  });
  return r?.robots.map((b) => ({
    name: b.name,
    created: b.created ?? null,
    last_accessed: b.last_accessed ?? null,
  }));
}

export async function getRobot(s: QuaySession, org: string, short: string): Promise<RobotView | undefined> {
  return (await listRobots(s, org)).get(`${org}+${short}`);
}

/**
 * Robots are create-only (`PUT` answers 400 "Existing robot" when it exists, §6.2, §19), so the
 * create is not idempotent and a retry first checks whether the lost attempt landed.
 */
export async function createRobot(
  s: QuaySession,
  org: string,
  short: string,
  description: string,
): Promise<RobotView | undefined> {
  const r = await s.write<RobotView>("PUT", apiPath`/api/v1/organization/${org}/robots/${short}`, {
    scope: orgScope(org),
    body: { description },
    idempotent: false,
    landed: async () => {
      s.invalidate(orgScope(org));
      return (await getRobot(s, org, short)) !== undefined;
    },
  });
  return r.landed ? undefined : r.data;
}

/** Deleting a missing robot answers 400 "Could not find robot" (§6.5): treated as gone. */
export async function deleteRobot(s: QuaySession, org: string, short: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/robots/${short}`, { scope: orgScope(org) });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400 && (await getRobot(s, org, short)) === undefined) return;
    throw e;
  }
}
