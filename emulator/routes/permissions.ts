import { body, type Ctx, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, internalError, invalidRequest, notFound } from "../errors";
import type { Account, RepoPermission, RepoRole } from "../state";
import { teamAvatar, userAvatar } from "../views";
import { requireRepo } from "./repositories";
import { apiRoute } from "./shared";

/** Repository permissions for users, robots and teams (docs/quay-api.md#permissions). */

const ROLE_BODY = {
  type: "object",
  required: ["role"],
  properties: { role: { type: "string", enum: ["read", "write", "admin"] } },
};

/** UserPermission.to_dict: `is_org_member` only for repositories of organizations (docs/quay-api.md#permissions). */
function userPermissionView(ctx: Ctx, p: RepoPermission, namespace: string): Record<string, unknown> {
  const a = ctx.store.accounts.get(p.userId as number) as Account;
  const view: Record<string, unknown> = {
    role: p.role,
    name: a.username,
    is_robot: a.kind === "robot",
    avatar: userAvatar(a),
  };
  const org = ctx.store.org(namespace);
  if (org) view.is_org_member = a.kind === "robot" || ctx.store.isOrgMember(org.id, a.id);
  return view;
}

function teamPermissionView(ctx: Ctx, p: RepoPermission): Record<string, unknown> {
  const t = ctx.store.teams.get(p.teamId as number);
  return { role: p.role, name: t?.name, avatar: t ? teamAvatar(t) : null };
}

function listUserPermissions(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const repo = ctx.store.repo(namespace, name);
  // A missing repository lists nothing: 200 {"permissions": {}} (docs/quay-api.md#emulator-gotchas).
  const permissions: Record<string, unknown> = {};
  if (repo) {
    for (const p of ctx.store.repoPermissions(repo.id)) {
      if (p.userId === null) continue;
      const view = userPermissionView(ctx, p, namespace);
      permissions[view.name as string] = view;
    }
  }
  return ok({ permissions });
}

function findUserPermission(
  ctx: Ctx,
  namespace: string,
  name: string,
  username: string,
): RepoPermission | undefined {
  const repo = ctx.store.repo(namespace, name);
  const account = ctx.store.account(username);
  return repo && account ? ctx.store.userPermission(repo.id, account.id) : undefined;
}

function getUserPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const p = findUserPermission(ctx, namespace, name, param(ctx, "username"));
  if (!p) throw new DataModelError("User does not have permission for repo.");
  return ok(userPermissionView(ctx, p, namespace));
}

function putUserPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<{ role: RepoRole }>(ctx, ROLE_BODY);
  const username = param(ctx, "username");
  const { store } = ctx;
  // set_user_repo_permission; its DataModelExceptions become ApiExceptions (SaveException).
  if (username === namespace) throw invalidRequest("Namespace owner must always be admin.");
  const account = store.account(username);
  if (!account) throw invalidRequest(`Invalid username: ${username}`);
  if (account.kind === "robot" && account.username.split("+")[0] !== namespace) {
    throw invalidRequest(`Cannot add robot ${username} under namespace ${namespace}`);
  }
  const repo = store.repo(namespace, name);
  if (!repo) throw internalError("Repository.DoesNotExist");
  const p = store.setPermission(repo.id, { userId: account.id }, data.role);
  log(ctx, "change_repo_permission", namespace, { username, repo: name, namespace, role: data.role }, repo);
  return ok(userPermissionView(ctx, p, namespace));
}

function deleteUserPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const username = param(ctx, "username");
  if (username === namespace) throw invalidRequest("Namespace owner must always be admin.");
  const p = findUserPermission(ctx, namespace, name, username);
  if (!p) throw invalidRequest("User does not have permission for repo.");
  ctx.store.permissions.delete(p.id);
  log(
    ctx,
    "delete_repo_permission",
    namespace,
    { username, repo: name, namespace },
    ctx.store.repo(namespace, name),
  );
  return noContent();
}

function transitivePermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const user = ctx.store.userOrRobot(param(ctx, "username"));
  const repo = ctx.store.repo(namespace, name);
  if (!user || !repo) throw notFound();
  const roles = ctx.store.permissionsOf(repo.id, user.id).map((p) => ({ role: p.role }));
  if (roles.length === 0) throw notFound();
  return ok({ permissions: roles });
}

function listTeamPermissions(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const repo = ctx.store.repo(namespace, name);
  const permissions: Record<string, unknown> = {};
  if (repo) {
    for (const p of ctx.store.repoPermissions(repo.id)) {
      if (p.teamId === null) continue;
      const view = teamPermissionView(ctx, p);
      permissions[view.name as string] = view;
    }
  }
  return ok({ permissions });
}

function findTeamPermission(
  ctx: Ctx,
  namespace: string,
  name: string,
  teamname: string,
): RepoPermission | undefined {
  const repo = ctx.store.repo(namespace, name);
  const ns = ctx.store.account(namespace);
  if (!repo || !ns) return undefined;
  const team = ctx.store.team(ns.id, teamname);
  return team ? ctx.store.teamPermission(repo.id, team.id) : undefined;
}

function getTeamPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const p = findTeamPermission(ctx, namespace, name, param(ctx, "teamname"));
  if (!p) throw new DataModelError("Team does not have permission for repo.");
  // The single-team GET returns only the role (docs/quay-api.md#permissions).
  return ok({ role: p.role });
}

function putTeamPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const data = body<{ role: RepoRole }>(ctx, ROLE_BODY);
  const teamname = param(ctx, "teamname");
  const { store } = ctx;
  const ns = store.account(namespace);
  const team = ns ? store.team(ns.id, teamname) : undefined;
  if (!team) throw invalidRequest(`No team ${teamname} in organization ${namespace}`);
  const repo = store.repo(namespace, name);
  if (!repo) throw internalError("Repository.DoesNotExist");
  const p = store.setPermission(repo.id, { teamId: team.id }, data.role);
  // The team variant of the log has no `namespace` key (docs/quay-api.md#permissions).
  log(ctx, "change_repo_permission", namespace, { team: teamname, repo: name, role: data.role }, repo);
  return ok(teamPermissionView(ctx, p));
}

function deleteTeamPermission(ctx: Ctx): Reply {
  const { namespace, name } = requireRepo(ctx, 3);
  const teamname = param(ctx, "teamname");
  const p = findTeamPermission(ctx, namespace, name, teamname);
  if (!p) throw invalidRequest("Team does not have permission for repo.");
  ctx.store.permissions.delete(p.id);
  log(
    ctx,
    "delete_repo_permission",
    namespace,
    { team: teamname, repo: name },
    ctx.store.repo(namespace, name),
  );
  return noContent();
}

export const permissionRoutes = [
  apiRoute("/api/v1/repository/{repository:repo}/permissions/user/", { GET: listUserPermissions }),
  apiRoute("/api/v1/repository/{repository:repo}/permissions/user/{username}", {
    GET: getUserPermission,
    PUT: putUserPermission,
    DELETE: deleteUserPermission,
  }),
  apiRoute("/api/v1/repository/{repository:repo}/permissions/user/{username}/transitive", {
    GET: transitivePermission,
  }),
  apiRoute("/api/v1/repository/{repository:repo}/permissions/team/", { GET: listTeamPermissions }),
  apiRoute("/api/v1/repository/{repository:repo}/permissions/team/{teamname}", {
    GET: getTeamPermission,
    PUT: putTeamPermission,
    DELETE: deleteTeamPermission,
  }),
];
