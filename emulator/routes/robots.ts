import { randomUUID } from "node:crypto";
import {
  body,
  type Ctx,
  created,
  intQuery,
  log,
  noContent,
  ok,
  optionalBody,
  param,
  type Reply,
} from "../context";
import {
  DataModelError,
  internalError,
  invalidRequest,
  MessageError,
  unauthorized,
  WERKZEUG,
} from "../errors";
import { deleteRobot, newAccount, randomUpperAlnum } from "../namespaces";
import type { Account } from "../state";
import { isJsonContentType, truthyBool, validateUsername } from "../validation";
import { avatar, formatDate } from "../views";
import { apiRoute } from "./shared";

/** Robot accounts of organizations and of the caller's own namespace (docs/quay-api.md#robots). */

const CREATE_ROBOT = {
  type: "object",
  properties: {
    description: { type: "string", maxLength: 255 },
    unstructured_metadata: { type: "object" },
  },
};

const CREATE_FEDERATION = {
  type: "array",
  items: {
    type: "object",
    properties: { issuer: { type: "string" }, subject: { type: "string" } },
    required: ["issuer", "subject"],
  },
};

const ROBOT_MAX_SIZE = 1024 * 1024;

/** `User.last_accessed`, shown only with FEATURE_USER_LAST_ACCESSED (robot_models_pre_oci.py at v3.18.0). */
function lastAccessed(ctx: Ctx, r: Account): string | null {
  if (!ctx.config.feature("FEATURE_USER_LAST_ACCESSED") || r.lastAccessedMs === undefined) return null;
  return formatDate(r.lastAccessedMs);
}

function robotView(
  ctx: Ctx,
  r: Account,
  options: { token: boolean; metadata: boolean },
  metadataOverride?: unknown,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    name: r.username,
    created: formatDate(r.createdMs),
    last_accessed: lastAccessed(ctx, r),
    description: r.description ?? "",
  };
  if (options.token) view.token = r.robotToken;
  if (options.metadata)
    view.unstructured_metadata = metadataOverride !== undefined ? metadataOverride : (r.metadata ?? {});
  return view;
}

function byLastAccessedDesc(a: Account, b: Account): number {
  const x = a.lastAccessedMs;
  const y = b.lastAccessedMs;
  if (x === y) return a.id - b.id;
  if (x === undefined) return -1;
  if (y === undefined) return 1;
  return y - x;
}

function findRobot(ctx: Ctx, fullName: string): Account {
  const robot = ctx.store.account(fullName);
  if (robot?.kind !== "robot") throw new DataModelError("Could not find robot with specified username");
  return robot;
}

/** get_organization for the robot model calls: an uncaught DataModelException. */
function requireOrgModel(ctx: Ctx, orgname: string): Account {
  const org = ctx.store.org(orgname);
  if (!org) throw new DataModelError(`Organization does not exist: ${orgname}`);
  return org;
}

/** create_robot: validation order and messages of data/model/user.py. */
function createRobot(ctx: Ctx, parent: Account, shortname: string, data: Record<string, unknown>): Reply {
  const { store, config } = ctx;
  const issue = validateUsername(shortname);
  if (config.robotsDisallow) {
    throw invalidRequest("Robot accounts have been disabled. Please contact your administrator.");
  }
  if (issue) throw invalidRequest(`The name for the robot '${shortname}' is invalid: ${issue}`);
  const fullName = `${parent.username}+${shortname}`;
  if (store.account(fullName)) throw invalidRequest(`Existing robot with name: ${fullName}`);
  const description = typeof data.description === "string" ? data.description : undefined;
  const metadata = data.unstructured_metadata as Record<string, unknown> | undefined;
  const robot = newAccount(
    store,
    {
      username: fullName,
      email: randomUUID(),
      kind: "robot",
      robotToken: randomUpperAlnum(64),
      description: (description ?? "").slice(0, 255),
      metadata: metadata ?? {},
      federation: [],
    },
    config,
  );
  log(ctx, "create_robot", parent.username, {
    robot: shortname,
    description: description ?? null,
    unstructured_metadata: metadata ?? null,
  });
  // Create echoes the metadata as sent (null when omitted); later GETs show {} (docs/quay-api.md#robots, docs/quay-api.md#emulator-gotchas).
  return created(robotView(ctx, robot, { token: true, metadata: true }, metadata ?? null));
}

/** max_json_size + validate_json_request(optional=True): text, malformed or null bodies are fine (docs/quay-api.md#emulator-gotchas). */
function robotCreateBody(ctx: Ctx): Record<string, unknown> {
  if (isJsonContentType(ctx.headers["content-type"]) && ctx.rawBody.length > ROBOT_MAX_SIZE) {
    // InvalidRequest() without a message raises a TypeError in Quay: an HTML 500 (docs/quay-api.md#robots).
    throw internalError("TypeError: InvalidRequest() missing error_description");
  }
  return optionalBody(ctx, CREATE_ROBOT) ?? {};
}

function canViewOrgRobots(ctx: Ctx, orgname: string): boolean {
  const { perms } = ctx;
  return perms.orgAdmin(orgname) || perms.isGlobalReadonly() || perms.fullAccess();
}

function listRobots(ctx: Ctx, owner: string, includeToken: boolean, includePermissions: boolean): Reply {
  const { store } = ctx;
  const limit = intQuery(ctx, "limit", "If specified, the number of robots to return.");
  const ns = store.account(owner);
  // list_entity_robot_permission_teams orders by last_accessed DESC (data/model/user.py at v3.18.0);
  // on PostgreSQL, Quay's production database, NULLs (never used) come first. Ties keep creation order.
  let robots = ns ? store.robotsOf(ns).sort(byLastAccessedDesc) : [];
  if (limit !== undefined) robots = robots.slice(0, Math.max(0, limit));
  const views = robots.map((r) => {
    if (!includePermissions) return robotView(ctx, r, { token: includeToken, metadata: false });
    const teams = [...store.teams.values()]
      .filter((t) => t.memberIds.includes(r.id))
      .sort((a, b) => a.id - b.id)
      .map((t) => ({ name: t.name, avatar: avatar(t.name, t.name, "team") }));
    const repositories: string[] = [];
    for (const p of [...store.permissions.values()].sort((a, b) => a.id - b.id)) {
      if (p.userId !== r.id) continue;
      const repo = store.repos.get(p.repoId);
      if (repo && !repositories.includes(repo.name)) repositories.push(repo.name);
    }
    const view: Record<string, unknown> = {
      name: r.username,
      created: formatDate(r.createdMs),
      last_accessed: lastAccessed(ctx, r),
      teams,
      repositories,
      description: r.description ?? "",
    };
    if (includeToken) view.token = r.robotToken;
    return view;
  });
  return ok({ robots: views });
}

function robotPermissions(ctx: Ctx, robot: Account): Reply {
  const permissions = [...ctx.store.permissions.values()]
    .filter((p) => p.userId === robot.id)
    .sort((a, b) => a.id - b.id)
    .flatMap((p) => {
      const repo = ctx.store.repos.get(p.repoId);
      return repo
        ? [{ repository: { name: repo.name, is_public: repo.visibility === "public" }, role: p.role }]
        : [];
    });
  return ok({ permissions });
}

function parseFederation(ctx: Ctx): { issuer: string; subject: string }[] {
  const items = body<{ issuer?: string; subject?: string }[]>(ctx, CREATE_FEDERATION);
  const seen = new Set<string>();
  const result: { issuer: string; subject: string }[] = [];
  for (const item of items) {
    if (!item || Object.keys(item).length === 0) {
      throw invalidRequest("Missing one or more required fields (issuer, subject)");
    }
    const { issuer, subject } = item;
    if (!issuer || !subject) throw invalidRequest("Missing one or more required fields (issuer, subject)");
    if (!(issuer.startsWith("http://") || issuer.startsWith("https://"))) {
      throw invalidRequest("Issuer must be a URL (http:// or https://)");
    }
    const key = `${issuer}\u0000${subject}`;
    if (seen.has(key)) throw invalidRequest("Duplicate federation config entry");
    seen.add(key);
    result.push({ issuer, subject });
  }
  return result;
}

function hasMirror(ctx: Ctx, robot: Account): boolean {
  for (const m of ctx.store.mirrors.values()) if (m.robotId === robot.id) return true;
  return false;
}

// --- organization robots -------------------------------------------------------------------------

const orgRobotList = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  const { perms } = ctx;
  if (!perms.orgMember(orgname) && !perms.canViewAsSuperuser()) throw unauthorized(perms.authenticated);
  const privileged = perms.orgAdmin(orgname) || perms.fullAccess();
  const includeToken = privileged && truthyBool(ctx.query.get("token"), true);
  const includePermissions =
    (privileged || perms.isGlobalReadonly()) && truthyBool(ctx.query.get("permissions"), false);
  return listRobots(ctx, orgname, includeToken, includePermissions);
};

const orgRobotGet = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  if (!canViewOrgRobots(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  requireOrgModel(ctx, orgname);
  const robot = findRobot(ctx, `${orgname}+${param(ctx, "robot_shortname")}`);
  const token = ctx.perms.orgAdmin(orgname) || ctx.perms.fullAccess();
  return ok(robotView(ctx, robot, { token, metadata: true }));
};

const orgRobotCreate = (ctx: Ctx): Reply => {
  const data = robotCreateBody(ctx);
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const org = requireOrgModel(ctx, orgname);
  return createRobot(ctx, org, param(ctx, "robot_shortname"), data);
};

const orgRobotDelete = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${orgname}+${short}`);
  if (hasMirror(ctx, robot)) throw invalidRequest("Robot is being used by a mirror");
  deleteRobot(ctx.store, robot);
  log(ctx, "delete_robot", orgname, { robot: short });
  return noContent();
};

const orgRobotRegenerate = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  requireOrgModel(ctx, orgname);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${orgname}+${short}`);
  robot.robotToken = randomUpperAlnum(64);
  log(ctx, "regenerate_robot_token", orgname, { robot: short });
  return ok(robotView(ctx, robot, { token: true, metadata: false }));
};

const orgRobotPermissions = (ctx: Ctx): Reply => {
  // @require_user_admin wraps the method: the token also needs user:admin (docs/quay-api.md#robots).
  const { perms } = ctx;
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  const orgname = param(ctx, "orgname");
  if (!canViewOrgRobots(ctx, orgname)) throw new MessageError(403, WERKZEUG.forbidden);
  requireOrgModel(ctx, orgname);
  return robotPermissions(ctx, findRobot(ctx, `${orgname}+${param(ctx, "robot_shortname")}`));
};

const orgRobotFederationGet = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  if (!canViewOrgRobots(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  return ok(findRobot(ctx, `${orgname}+${param(ctx, "robot_shortname")}`).federation ?? []);
};

const orgRobotFederationPost = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  body(ctx, CREATE_FEDERATION);
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const config = parseFederation(ctx);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${orgname}+${short}`);
  robot.federation = config;
  log(ctx, "create_robot_federation", orgname, { config, robot: short });
  return ok(config);
};

const orgRobotFederationDelete = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${orgname}+${short}`);
  robot.federation = [];
  log(ctx, "delete_robot_federation", orgname, { robot: short });
  return noContent();
};

// --- the caller's own robots (/v1/user/robots) ----------------------------------------------------

/** @require_user_admin: 401 without a user, 403 without `user:admin` on oneself. */
function selfAdmin(ctx: Ctx): Account {
  const { perms } = ctx;
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  return ctx.caller.user as Account;
}

const userRobotList = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  return listRobots(
    ctx,
    user.username,
    truthyBool(ctx.query.get("token"), true),
    truthyBool(ctx.query.get("permissions"), false),
  );
};

const userRobotGet = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  return ok(
    robotView(ctx, findRobot(ctx, `${user.username}+${param(ctx, "robot_shortname")}`), {
      token: true,
      metadata: true,
    }),
  );
};

const userRobotCreate = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  const data = robotCreateBody(ctx);
  return createRobot(ctx, user, param(ctx, "robot_shortname"), data);
};

const userRobotDelete = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${user.username}+${short}`);
  if (hasMirror(ctx, robot)) throw invalidRequest("Robot is being used by a mirror");
  deleteRobot(ctx.store, robot);
  log(ctx, "delete_robot", user.username, { robot: short });
  return noContent();
};

const userRobotRegenerate = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${user.username}+${short}`);
  robot.robotToken = randomUpperAlnum(64);
  log(ctx, "regenerate_robot_token", user.username, { robot: short });
  return ok(robotView(ctx, robot, { token: true, metadata: false }));
};

const userRobotPermissions = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  return robotPermissions(ctx, findRobot(ctx, `${user.username}+${param(ctx, "robot_shortname")}`));
};

const userRobotFederationGet = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  return ok(findRobot(ctx, `${user.username}+${param(ctx, "robot_shortname")}`).federation ?? []);
};

const userRobotFederationPost = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  const config = parseFederation(ctx);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${user.username}+${short}`);
  robot.federation = config;
  log(ctx, "create_robot_federation", user.username, { config, robot: short });
  return ok(config);
};

const userRobotFederationDelete = (ctx: Ctx): Reply => {
  const user = selfAdmin(ctx);
  const short = param(ctx, "robot_shortname");
  const robot = findRobot(ctx, `${user.username}+${short}`);
  robot.federation = [];
  log(ctx, "delete_robot_federation", user.username, { robot: short });
  return noContent();
};

export const robotRoutes = [
  apiRoute("/api/v1/organization/{orgname}/robots", { GET: orgRobotList }),
  apiRoute("/api/v1/organization/{orgname}/robots/{robot_shortname}", {
    GET: orgRobotGet,
    PUT: orgRobotCreate,
    DELETE: orgRobotDelete,
  }),
  apiRoute("/api/v1/organization/{orgname}/robots/{robot_shortname}/regenerate", {
    POST: orgRobotRegenerate,
  }),
  apiRoute("/api/v1/organization/{orgname}/robots/{robot_shortname}/permissions", {
    GET: orgRobotPermissions,
  }),
  apiRoute("/api/v1/organization/{orgname}/robots/{robot_shortname}/federation", {
    GET: orgRobotFederationGet,
    POST: orgRobotFederationPost,
    DELETE: orgRobotFederationDelete,
  }),
  apiRoute("/api/v1/user/robots", { GET: userRobotList }),
  apiRoute("/api/v1/user/robots/{robot_shortname}", {
    GET: userRobotGet,
    PUT: userRobotCreate,
    DELETE: userRobotDelete,
  }),
  apiRoute("/api/v1/user/robots/{robot_shortname}/regenerate", { POST: userRobotRegenerate }),
  apiRoute("/api/v1/user/robots/{robot_shortname}/permissions", { GET: userRobotPermissions }),
  apiRoute("/api/v1/user/robots/{robot_shortname}/federation", {
    GET: userRobotFederationGet,
    POST: userRobotFederationPost,
    DELETE: userRobotFederationDelete,
  }),
];
