import { randomBytes } from "node:crypto";
import { body, type Ctx, log, noContent, ok, param, type Reply } from "../context";
import {
  DataModelError,
  internalError,
  invalidRequest,
  MessageError,
  notFound,
  unauthorized,
  WERKZEUG,
} from "../errors";
import { requireFreshLogin } from "../session";
import type { Account, Team, TeamInvite, TeamRole } from "../state";
import { isJsonContentType, parseJson, truthyBool, validateTeamName } from "../validation";
import { avatar, formatDate, teamAvatar, userAvatar } from "../views";
import { apiRoute, gates, syncActive } from "./shared";

/** Teams and team members (docs/quay-api.md#teams). */

const TEAM_DESCRIPTION = {
  type: "object",
  required: ["role"],
  properties: {
    role: { type: "string", enum: ["member", "creator", "admin"] },
    description: { type: "string" },
  },
};

function teamView(ctx: Ctx, orgname: string, team: Team, isNew: boolean): unknown {
  return {
    name: team.name,
    description: team.description,
    can_view: ctx.perms.viewTeam(orgname, team.name),
    role: team.role,
    avatar: teamAvatar(team),
    new_team: isNew,
  };
}

export function memberView(a: Account, invited: boolean): unknown {
  return { name: a.username, kind: "user", is_robot: a.kind === "robot", avatar: userAvatar(a), invited };
}

function inviteView(ctx: Ctx, invite: TeamInvite): unknown {
  const user = invite.userId === null ? undefined : ctx.store.accounts.get(invite.userId);
  if (user) return memberView(user, true);
  const email = invite.email ?? "";
  return { email, kind: "invite", avatar: avatar(email, email, "user"), invited: true };
}

/** get_organization_team: the team of an existing org, or undefined. */
function findTeam(ctx: Ctx, orgname: string, teamname: string): Team | undefined {
  const org = ctx.store.org(orgname);
  return org ? ctx.store.team(org.id, teamname) : undefined;
}

/** __get_user_admin_teams: the caller's admin teams in the org. */
function callerAdminTeams(ctx: Ctx, orgId: number): Team[] {
  const user = ctx.caller.user;
  if (!user) return [];
  return ctx.store.teamsOfMember(orgId, user.id).filter((t) => t.role === "admin");
}

// --- team sync (docs/quay-api.md#team-sync; endpoints/api/team.py at v3.18.0) --------------------

/** _syncing_setup_allowed: a superuser (unless NONSUPERUSER_TEAM_SYNCING_SETUP) who administers the org. */
function syncSetupAllowed(ctx: Ctx, orgname: string): boolean {
  if (!ctx.config.feature("FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP") && !ctx.perms.isSuperuser())
    return false;
  return ctx.perms.orgAdmin(orgname);
}

/**
 * disallow_for_synced_team, which runs before the method's own checks: a synced team's users belong
 * to the directory. With `exceptRobots`, a member named like a robot (`parse_robot_username`) passes.
 */
function refuseForSyncedTeam(ctx: Ctx, exceptRobots: boolean): void {
  if (!syncActive(ctx)) return;
  if (!findTeam(ctx, param(ctx, "orgname"), param(ctx, "teamname"))?.sync) return;
  if (exceptRobots && (ctx.params.membername ?? "").includes("+")) return;
  throw invalidRequest("Cannot call this method on an auth-synced team");
}

/** Flask's `request.get_json()`: JSON content type (else 415) and a parseable body (else 400); null passes. */
function getJson(ctx: Ctx): unknown {
  if (!isJsonContentType(ctx.headers["content-type"]))
    throw new MessageError(415, WERKZEUG.unsupportedMediaType);
  const parsed = parseJson(ctx.rawBody);
  if (!parsed.ok) throw new MessageError(400, WERKZEUG.badRequest);
  return parsed.value;
}

/**
 * `authentication.check_group_lookup_args`: the reason the backend refuses the group, or undefined.
 * LDAP needs a group with at least one user, Keystone v3 a group that exists, OIDC anything; the
 * other backends answer "Not supported" (data/users/*.py at v3.18.0).
 */
function groupProblem(ctx: Ctx, args: unknown): string | undefined {
  const d = ctx.config.directory;
  if (!d.groupKey) return "Not supported";
  if (d.service === "oidc") return undefined;
  // `group_lookup_args.get(...)` on a body that is no object: an AttributeError, a 500.
  if (!args || typeof args !== "object" || Array.isArray(args))
    throw internalError("AttributeError: object has no attribute 'get'");
  const group = (args as Record<string, unknown>)[d.groupKey];
  if (!group) return `Missing ${d.groupKey}`;
  const members = typeof group === "string" ? d.groups.get(group) : undefined;
  if (d.service === "ldap") return members?.length ? undefined : "Group does not exist or is empty";
  return members ? undefined : "Group not found";
}

function enableTeamSync(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  requireFreshLogin(ctx);
  if (!syncSetupAllowed(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  const config = getJson(ctx);
  const problem = groupProblem(ctx, config);
  if (problem) throw invalidRequest(`Could not sync to group: ${problem}`);
  // TeamSync.team is unique: a second enable is an uncaught IntegrityError.
  if (team.sync)
    throw internalError('IntegrityError: duplicate key value violates unique constraint "teamsync_team_id"');
  const service = ctx.config.directory.service as string;
  team.sync = { service, config, lastUpdatedMs: null };
  log(ctx, "enable_team_sync", orgname, { team: teamname });
  if (ctx.config.authenticationType === "OIDC") {
    // delete_all_team_members: every user goes at once (robots stay); logins bring them back.
    team.memberIds = team.memberIds.filter((id) => ctx.store.accounts.get(id)?.kind === "robot");
  }
  return ok(teamView(ctx, orgname, team, false));
}

function disableTeamSync(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  requireFreshLogin(ctx);
  if (!syncSetupAllowed(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  // remove_team_syncing: nothing to remove is fine, and the action is logged either way.
  delete team.sync;
  log(ctx, "disable_team_sync", orgname, { team: teamname });
  return ok(teamView(ctx, orgname, team, false));
}

function putTeam(ctx: Ctx): Reply {
  const data = body<{ role: TeamRole; description?: string }>(ctx, TEAM_DESCRIPTION);
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  let team = findTeam(ctx, orgname, teamname);
  if (!team) {
    const org = store.org(orgname);
    if (!org) throw new DataModelError(`Organization does not exist: ${orgname}`);
    const issue = validateTeamName(teamname);
    if (issue) throw new DataModelError(`Invalid team name ${teamname}: ${issue}`);
    team = {
      id: store.newId(),
      orgId: org.id,
      name: teamname,
      role: data.role,
      description: data.description ?? "",
      memberIds: [],
    };
    store.teams.set(team.id, team);
    log(ctx, "org_create_team", orgname, { team: teamname });
    return ok(teamView(ctx, orgname, team, true));
  }
  if (data.description !== undefined && team.description !== data.description) {
    team.description = data.description;
    log(ctx, "org_set_team_description", orgname, { team: teamname, description: team.description });
  }
  if (team.role !== data.role) {
    if (team.role === "admin" && data.role !== "admin") {
      const adminTeams = callerAdminTeams(ctx, team.orgId).map((t) => t.name);
      if (adminTeams.includes(team.name) && adminTeams.length <= 1) {
        throw new DataModelError(
          `Cannot remove admin from team '${team.name}' because calling user would no longer have admin on org '${orgname}'`,
        );
      }
    }
    // Members, repository permissions and description stay (docs/quay-api.md#emulator-gotchas).
    team.role = data.role;
    log(ctx, "org_set_team_role", orgname, { team: teamname, role: data.role });
  }
  return ok(teamView(ctx, orgname, team, false));
}

function deleteTeam(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw new DataModelError(`Team '${teamname}' is not a team in org '${orgname}'`);
  if (team.role === "admin") {
    const adminTeams = callerAdminTeams(ctx, team.orgId);
    // `admin_teams[0]` on an empty list: a FULL_ACCESS superuser in no admin team gets a 500 (docs/quay-api.md#emulator-gotchas).
    const first = adminTeams[0];
    if (first === undefined) throw internalError("IndexError: list index out of range");
    if (adminTeams.length <= 1 && first.name === teamname) {
      throw new DataModelError(
        `Deleting team '${teamname}' would remove admin ability for user '${perms.username}' in organization '${orgname}'`,
      );
    }
  }
  // Recursive delete: permissions, memberships, invites and prototypes delegating to the team (docs/quay-api.md#emulator-gotchas).
  store.deleteTeam(team);
  log(ctx, "org_delete_team", orgname, { team: teamname });
  return noContent();
}

function listTeamMembers(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const { perms, store } = ctx;
  if (!perms.viewTeam(orgname, teamname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  const canEdit = perms.orgAdmin(orgname);
  const members = team.memberIds.flatMap((id) => {
    const a = store.accounts.get(id);
    return a ? [memberView(a, false)] : [];
  });
  if (truthyBool(ctx.query.get("includePending"), false) && canEdit) {
    for (const i of [...store.invites.values()].sort((a, b) => a.id - b.id)) {
      if (i.teamId === team.id) members.push(inviteView(ctx, i));
    }
  }
  const data: Record<string, unknown> = { name: teamname, members, can_edit: canEdit };
  if (syncActive(ctx)) {
    const directory = ctx.config.directory;
    if (syncSetupAllowed(ctx, orgname)) data.can_sync = { service: directory.service, ...directory.metadata };
    if (team.sync) {
      const synced: Record<string, unknown> = { service: team.sync.service };
      // The group and the last sync only for superusers (or everyone with the NONSUPERUSER flag).
      if (ctx.config.feature("FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP") || perms.isSuperuser()) {
        synced.last_updated = team.sync.lastUpdatedMs === null ? null : formatDate(team.sync.lastUpdatedMs);
        synced.config = team.sync.config;
      }
      data.synced = synced;
    }
  }
  return ok(data);
}

function addTeamMember(ctx: Ctx): Reply {
  refuseForSyncedTeam(ctx, true);
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const membername = param(ctx, "membername");
  const { perms, store, config } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  const user = store.userOrRobot(membername);
  if (!user) throw invalidRequest("Unknown user");
  // add_or_invite_to_team. With mailing off (the lab) nobody is invited and a robot of another
  // namespace is added without any check (docs/quay-api.md#teams, live 3.18.0).
  let requiresInvite = config.feature("FEATURE_MAILING") && config.feature("FEATURE_REQUIRE_TEAM_INVITE");
  if (requiresInvite) {
    if (user.kind === "robot") {
      requiresInvite = false;
      if (!user.username.startsWith(`${orgname}+`)) {
        throw new DataModelError(
          "Cannot add the specified robot to this team, as it is not a member of the organization",
        );
      }
    } else {
      requiresInvite = !store.isOrgMember(team.orgId, user.id);
    }
  }
  if (!requiresInvite) {
    if (team.memberIds.includes(user.id)) {
      throw new DataModelError(`User ${user.username} is already a member of team ${team.name}`);
    }
    team.memberIds.push(user.id);
    log(ctx, "org_add_team_member", orgname, { member: membername, team: teamname });
    return ok(memberView(user, false));
  }
  const invite: TeamInvite = {
    id: store.newId(),
    teamId: team.id,
    userId: user.id,
    email: null,
    inviterId: (ctx.caller.user as Account).id,
    token: randomBytes(24).toString("base64url"),
  };
  store.invites.set(invite.id, invite);
  log(ctx, "org_invite_team_member", orgname, { user: membername, member: membername, team: teamname });
  return ok(memberView(user, true));
}

function removeTeamMember(ctx: Ctx): Reply {
  refuseForSyncedTeam(ctx, true);
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const membername = param(ctx, "membername");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  const member = store.userOrRobot(membername);
  if (!member) throw notFound();
  // A pending invite for the user is cancelled first.
  const invite = [...store.invites.values()].find((i) => i.teamId === team.id && i.userId === member.id);
  if (invite) {
    store.invites.delete(invite.id);
    log(ctx, "org_delete_team_member_invite", orgname, {
      user: membername,
      team: teamname,
      member: membername,
    });
    return noContent();
  }
  if (!team.memberIds.includes(member.id)) {
    throw new DataModelError(`User ${membername} does not belong to team ${teamname}`);
  }
  if (member.id === ctx.caller.user?.id) {
    const adminTeams = callerAdminTeams(ctx, team.orgId).map((t) => t.name);
    if (adminTeams.includes(teamname) && adminTeams.length <= 1) {
      throw new DataModelError("User cannot remove themselves from their only admin team.");
    }
  }
  team.memberIds = team.memberIds.filter((id) => id !== member.id);
  log(ctx, "org_remove_team_member", orgname, { member: membername, team: teamname });
  return noContent();
}

function inviteEmail(ctx: Ctx): Reply {
  refuseForSyncedTeam(ctx, false);
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const email = param(ctx, "email");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  // The address is not validated and repeated PUTs create duplicate invites (docs/quay-api.md#teams).
  const invite: TeamInvite = {
    id: store.newId(),
    teamId: team.id,
    userId: null,
    email,
    inviterId: (ctx.caller.user as Account).id,
    token: randomBytes(24).toString("base64url"),
  };
  store.invites.set(invite.id, invite);
  log(ctx, "org_invite_team_member", orgname, { email, team: teamname, member: email });
  return ok(inviteView(ctx, invite));
}

function cancelEmailInvite(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const teamname = param(ctx, "teamname");
  const email = param(ctx, "email");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const team = findTeam(ctx, orgname, teamname);
  if (!team) throw notFound();
  const invite = [...store.invites.values()]
    .sort((a, b) => a.id - b.id)
    .find((i) => i.teamId === team.id && i.email === email);
  if (!invite) throw notFound();
  store.invites.delete(invite.id);
  log(ctx, "org_delete_team_member_invite", orgname, { email, team: teamname, member: email });
  return noContent();
}

function teamPermissions(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
  const team = findTeam(ctx, orgname, param(ctx, "teamname"));
  if (!team) throw notFound();
  const permissions = [...store.permissions.values()]
    .filter((p) => p.teamId === team.id)
    .sort((a, b) => a.id - b.id)
    .flatMap((p) => {
      const repo = store.repos.get(p.repoId);
      return repo
        ? [{ repository: { name: repo.name, is_public: repo.visibility === "public" }, role: p.role }]
        : [];
    });
  return ok({ permissions });
}

export const teamRoutes = [
  apiRoute("/api/v1/organization/{orgname}/team/{teamname}", { PUT: putTeam, DELETE: deleteTeam }),
  apiRoute(
    "/api/v1/organization/{orgname}/team/{teamname}/syncing",
    { POST: enableTeamSync, DELETE: disableTeamSync },
    { enabled: gates.teamSyncing },
  ),
  apiRoute("/api/v1/organization/{orgname}/team/{teamname}/members", { GET: listTeamMembers }),
  apiRoute("/api/v1/organization/{orgname}/team/{teamname}/members/{membername}", {
    PUT: addTeamMember,
    DELETE: removeTeamMember,
  }),
  apiRoute(
    "/api/v1/organization/{orgname}/team/{teamname}/invite/{email}",
    { PUT: inviteEmail, DELETE: cancelEmailInvite },
    { enabled: gates.mailing },
  ),
  apiRoute("/api/v1/organization/{orgname}/team/{teamname}/permissions", { GET: teamPermissions }),
];
