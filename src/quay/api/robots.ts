import { QuayGitopsError } from "../../errors";
import { isQuayApiError } from "../errors";
import { apiPath } from "../paths";
import { orgScope, type QuaySession } from "./session";

/** Robot list item (docs/quay-api.md#robots): no `unstructured_metadata` in lists. */
export interface RobotView {
  name: string;
  created: string;
  last_accessed: string | null;
  description: string;
  token?: string;
  /** With `permissions=true`, for org admins and superusers (docs/quay-api.md#robots): the teams the robot is in. */
  teams?: { name: string }[];
  /** With `permissions=true`: repositories (short names) where the robot has a direct grant. */
  repositories?: string[];
}

/**
 * All robots of an organization with their tokens and team memberships: one request per
 * organization and run. `permissions=true` keeps the tokens (docs/quay-api.md#emulator-gotchas) and adds each robot's `teams`,
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
 * The robots of an organization with when each was last used (docs/quay-api.md#robots): `token=false`, so Quay does not
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
 * Robots are create-only (`PUT` answers 400 "Existing robot" when it exists, docs/quay-api.md#robots, docs/quay-api.md#emulator-gotchas), so the
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

/** Deleting a missing robot answers 400 "Could not find robot" (docs/quay-api.md#robots): treated as gone. */
export async function deleteRobot(s: QuaySession, org: string, short: string): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/robots/${short}`, { scope: orgScope(org) });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400 && (await getRobot(s, org, short)) === undefined) return;
    throw e;
  }
}

/** One identity that may trade its OIDC token for the robot's (docs/quay-api.md#robot-federation). */
export interface FederationEntry {
  issuer: string;
  subject: string;
}

const federationPath = (org: string, short: string) =>
  apiPath`/api/v1/organization/${org}/robots/${short}/federation`;

/** Before 3.13 Quay has no federation routes: its web UI answers (docs/quay-api.md#versions). */
function federationError(e: unknown): unknown {
  if (isQuayApiError(e) && e.unrouted)
    return new QuayGitopsError(
      "QG_ERR_CAPABILITY",
      `the registry does not offer ${e.method} ${e.path}; robot federation needs Quay 3.13 or later`,
      { cause: e },
    );
  return e;
}

/**
 * A robot's federation list. It is in neither the robot list nor the robot's GET, so each robot
 * costs one GET. A missing robot answers 400 "Could not find robot" (the uncaught
 * InvalidRobotException): undefined when the robot list agrees that it is gone.
 */
export async function getRobotFederation(
  s: QuaySession,
  org: string,
  short: string,
): Promise<FederationEntry[] | undefined> {
  try {
    return (await s.get<FederationEntry[]>(federationPath(org, short), { scope: orgScope(org) })) ?? [];
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400 && !e.unrouted && (await getRobot(s, org, short)) === undefined)
      return undefined;
    throw federationError(e);
  }
}

/**
 * `POST` replaces the whole list with what is sent and answers it, so it is idempotent: a retry
 * sends the same list again. Quay keeps only `issuer` and `subject`.
 */
export async function setRobotFederation(
  s: QuaySession,
  org: string,
  short: string,
  list: readonly FederationEntry[],
): Promise<void> {
  try {
    await s.write("POST", federationPath(org, short), {
      scope: orgScope(org),
      body: list.map((f) => ({ issuer: f.issuer, subject: f.subject })),
    });
  } catch (e) {
    throw federationError(e);
  }
}

/** `DELETE` empties the list (204); a robot that is gone (400) has no list either. */
export async function deleteRobotFederation(s: QuaySession, org: string, short: string): Promise<void> {
  try {
    await s.write("DELETE", federationPath(org, short), { scope: orgScope(org) });
  } catch (e) {
    if (isQuayApiError(e) && e.status === 400 && !e.unrouted && (await getRobot(s, org, short)) === undefined)
      return;
    throw federationError(e);
  }
}
