import { randomUUID } from "node:crypto";
import { body, type Ctx, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, invalidRequest, notFound, unauthorized } from "../errors";
import type { Account, Prototype, RepoRole } from "../state";
import { teamAvatar, userAvatar } from "../views";
import { apiRoute } from "./shared";

/** Default permissions / permission prototypes (docs/quay-api.md#default-permissions). */

const NEW_PROTOTYPE = {
  type: "object",
  required: ["role", "delegate"],
  properties: {
    role: { type: "string", enum: ["read", "write", "admin"] },
    // `"type": "object"`: a JSON null here fails the schema (400), only omission means "anyone".
    activating_user: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
    delegate: {
      type: "object",
      required: ["name", "kind"],
      properties: { name: { type: "string" }, kind: { type: "string", enum: ["user", "team"] } },
    },
  },
};

const PROTOTYPE_UPDATE = {
  type: "object",
  required: ["role"],
  properties: { role: { type: "string", enum: ["read", "write", "admin"] } },
};

function prototypeView(ctx: Ctx, org: Account, p: Prototype): unknown {
  const { store } = ctx;
  const userView = (a: Account) => ({
    name: a.username,
    is_robot: a.kind === "robot",
    kind: "user",
    is_org_member: a.kind === "robot" || store.isOrgMember(org.id, a.id),
    avatar: userAvatar(a),
  });
  const activating = p.activatingUserId === null ? undefined : store.accounts.get(p.activatingUserId);
  let delegate: unknown;
  if (p.delegateUserId !== null) {
    const a = store.accounts.get(p.delegateUserId);
    delegate = a ? userView(a) : null;
  } else {
    const t = store.teams.get(p.delegateTeamId as number);
    delegate = t ? { name: t.name, kind: "team", avatar: teamAvatar(t) } : null;
  }
  return { activating_user: activating ? userView(activating) : null, delegate, role: p.role, id: p.uuid };
}

/** log_prototype_action metadata. */
function logPrototype(
  ctx: Ctx,
  kind: string,
  orgname: string,
  p: Prototype,
  extra: Record<string, unknown> = {},
): void {
  const { store } = ctx;
  const md: Record<string, unknown> = {
    prototypeid: p.uuid,
    username: ctx.caller.user?.username,
    activating_username:
      p.activatingUserId === null ? null : (store.accounts.get(p.activatingUserId)?.username ?? null),
    role: p.role,
    ...extra,
  };
  if (p.delegateUserId !== null) md.delegate_user = store.accounts.get(p.delegateUserId)?.username;
  else if (p.delegateTeamId !== null) md.delegate_team = store.teams.get(p.delegateTeamId)?.name;
  log(ctx, kind, orgname, md);
}

function requireOrg(ctx: Ctx, orgname: string): Account {
  const org = ctx.store.org(orgname);
  if (!org) throw notFound();
  return org;
}

function listPrototypes(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
  const org = requireOrg(ctx, orgname);
  const protos = [...store.prototypes.values()].filter((p) => p.orgId === org.id).sort((a, b) => a.id - b.id);
  return ok({ prototypes: protos.map((p) => prototypeView(ctx, org, p)) });
}

function createPrototype(ctx: Ctx): Reply {
  const data = body<{
    role: RepoRole;
    activating_user?: { name: string };
    delegate: { name: string; kind: "user" | "team" };
  }>(ctx, NEW_PROTOTYPE);
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const org = requireOrg(ctx, orgname);
  const activatingName = data.activating_user?.name;
  const activating = activatingName ? store.userOrRobot(activatingName) : undefined;
  const delegateUser =
    data.delegate.kind === "user" && data.delegate.name ? store.userOrRobot(data.delegate.name) : undefined;
  let delegateTeamId: number | null = null;
  if (data.delegate.kind === "team" && data.delegate.name) {
    const team = store.team(org.id, data.delegate.name);
    // InvalidTeamException built with printf args: its str() is the tuple repr (docs/quay-api.md#default-permissions).
    if (!team)
      throw new DataModelError(`('Team does not exist: %s/%s', '${orgname}', '${data.delegate.name}')`);
    delegateTeamId = team.id;
  }
  if (activatingName && !activating) throw invalidRequest("Unknown activating user");
  if (!delegateUser && delegateTeamId === null) throw invalidRequest("Missing delegate user or team");
  // No duplicate detection: the same body twice makes two prototypes (docs/quay-api.md#default-permissions).
  const p: Prototype = {
    id: store.newId(),
    uuid: randomUUID(),
    orgId: org.id,
    activatingUserId: activating?.id ?? null,
    delegateUserId: delegateUser?.id ?? null,
    delegateTeamId,
    role: data.role,
  };
  store.prototypes.set(p.id, p);
  logPrototype(ctx, "create_prototype_permission", orgname, p);
  return ok(prototypeView(ctx, org, p));
}

function findPrototype(ctx: Ctx, org: Account, uuid: string): Prototype | undefined {
  for (const p of ctx.store.prototypes.values()) if (p.orgId === org.id && p.uuid === uuid) return p;
  return undefined;
}

function updatePrototype(ctx: Ctx): Reply {
  const data = body<{ role: RepoRole }>(ctx, PROTOTYPE_UPDATE);
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const org = requireOrg(ctx, orgname);
  const p = findPrototype(ctx, org, param(ctx, "prototypeid"));
  if (!p) throw notFound();
  const original = p.role;
  p.role = data.role;
  logPrototype(ctx, "modify_prototype_permission", orgname, p, { original_role: original });
  return ok(prototypeView(ctx, org, p));
}

function deletePrototype(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
  const org = requireOrg(ctx, orgname);
  const p = findPrototype(ctx, org, param(ctx, "prototypeid"));
  if (!p) throw notFound();
  ctx.store.prototypes.delete(p.id);
  logPrototype(ctx, "delete_prototype_permission", orgname, p);
  return noContent();
}

export const prototypeRoutes = [
  apiRoute("/api/v1/organization/{orgname}/prototypes", { GET: listPrototypes, POST: createPrototype }),
  apiRoute("/api/v1/organization/{orgname}/prototypes/{prototypeid}", {
    PUT: updatePrototype,
    DELETE: deletePrototype,
  }),
];
