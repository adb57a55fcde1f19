import { randomInt } from "node:crypto";
import { body, type Ctx, intQuery, log, noContent, ok, PAGE_LIMIT_HELP, param, type Reply } from "../context";
import {
  ApiException,
  DataModelError,
  internalError,
  invalidRequest,
  MessageError,
  notFound,
  unauthorized,
  WERKZEUG,
} from "../errors";
import { createNamespace, encryptedPassword, markForDeletion } from "../namespaces";
import { hashPassword } from "../passwords";
import { invalidateAllSessions, requireFreshLogin } from "../session";
import type { Account } from "../state";
import {
  assertSchema,
  INVALID_PASSWORD_MESSAGE,
  isJsonContentType,
  parseJson,
  truthyBool,
  validPassword,
} from "../validation";
import { orgAvatar, userAvatar } from "../views";
import { encodePageToken } from "./repositories";
import { apiRoute, gates, quotaReport, shortQuotaView } from "./shared";

/** The current user, other users, and the superuser panel for users and organizations (docs/quay-api.md#organizations, docs/quay-api.md#users). */

const CREATE_INSTALL_USER = {
  // No "type": "object" in Quay's schema: a JSON array or string passes and then fails in the handler.
  required: ["username"],
  properties: { username: { type: "string" }, email: { type: "string" } },
};

const UPDATE_USER = {
  type: "object",
  properties: { password: { type: "string" }, email: { type: "string" }, enabled: { type: "boolean" } },
};

const RENAME_ORG = { type: "object", properties: { name: { type: "string" } } };

/** endpoints/api/user.py user_view: the fields depend on the caller's permissions on `user`. */
export function currentUserView(ctx: Ctx, user: Account): Record<string, unknown> {
  const { perms, store, config } = ctx;
  const isSelf = ctx.caller.user?.id === user.id;
  const view: Record<string, unknown> = {
    anonymous: false,
    username: user.username,
    avatar: userAvatar(user),
  };
  const isAdmin = isSelf && perms.userAdmin();
  if (isAdmin) {
    Object.assign(view, {
      can_create_repo: true,
      is_me: true,
      verified: user.verified,
      email: user.email,
      logins: [],
      invoice_email: user.invoiceEmail,
      invoice_email_address: user.invoiceEmailAddress,
      preferred_namespace: false,
      tag_expiration_s: user.tagExpirationS,
      prompts: [],
      company: null,
      family_name: null,
      given_name: null,
      location: null,
      is_free_account: true,
      has_password_set: user.passwordHash !== null,
    });
    if (gates.quotaViews(config)) {
      const q = store.quotaOf(user.id);
      view.quotas = q ? [shortQuotaView(store, q)] : [];
      view.quota_report = quotaReport(store, config, user);
    }
  }
  if (isSelf && perms.userRead()) {
    const orgs = new Map<number, Account>();
    for (const t of store.teams.values()) {
      if (!t.memberIds.includes(user.id)) continue;
      const org = store.accounts.get(t.orgId);
      if (org) orgs.set(org.id, org);
    }
    for (const name of config.publicNamespaces) {
      const ns = store.account(name);
      if (ns) orgs.set(ns.id, ns);
    }
    view.organizations = [...orgs.values()]
      .sort((a, b) => a.id - b.id)
      .map((o) => {
        const v: Record<string, unknown> = {
          name: o.username,
          avatar: orgAvatar(o),
          can_create_repo: perms.createRepo(o.username),
          public: config.publicNamespaces.includes(o.username),
        };
        if (isAdmin) {
          v.is_org_admin = perms.orgAdmin(o.username);
          v.preferred_namespace = false;
        }
        return v;
      });
  }
  if (perms.isSuperuser()) view.super_user = isSelf;
  if (perms.isGlobalReadonly()) view.global_readonly_super_user = isSelf;
  return view;
}

function getCurrentUser(ctx: Ctx): Reply {
  const user = ctx.caller.user;
  if (!user || !ctx.perms.userRead()) {
    throw new ApiException(401, "invalid_token", "Requires authentication", { session_required: false });
  }
  return ok(currentUserView(ctx, user));
}

function getUser(ctx: Ctx): Reply {
  const user = ctx.store.user(param(ctx, "username"));
  // Flask's abort(404): the `{"message"}` shape, also for orgs and robots (docs/quay-api.md#users).
  if (!user) throw new MessageError(404, WERKZEUG.notFound);
  return ok(currentUserView(ctx, user));
}

// --- superuser panel --------------------------------------------------------------------------------

// Every superuser-panel method here carries @require_fresh_login, checked before anything else
// (`endpoints/api/superuser.py` at v3.18.0): session.ts requireFreshLogin.
const freshLogin = requireFreshLogin;

function requireAnySuperuser(ctx: Ctx): void {
  freshLogin(ctx);
  if (!ctx.perms.anySuperuser()) throw unauthorized(true);
}

function requireSuperuser(ctx: Ctx): void {
  freshLogin(ctx);
  if (!ctx.perms.isSuperuser()) throw unauthorized(true);
}

/** superuser_models_interface.User.to_dict. */
function superUserView(ctx: Ctx, u: Account): Record<string, unknown> {
  const { config, store } = ctx;
  const view: Record<string, unknown> = {
    kind: "user",
    name: u.username,
    username: u.username,
    email: u.email,
    verified: u.verified,
    avatar: userAvatar(u),
    super_user: config.superUsers.has(u.username),
    global_readonly_super_user: config.readonlySuperUsers.has(u.username),
    enabled: u.enabled,
  };
  if (gates.quotaViews(config)) {
    const q = store.quotaOf(u.id);
    view.quotas = q ? [shortQuotaView(store, q)] : [];
    view.quota_report = quotaReport(store, config, u);
  }
  return view;
}

function superOrgView(ctx: Ctx, o: Account): Record<string, unknown> {
  const { config, store } = ctx;
  // The raw stored email: a UUID placeholder for orgs created without one (docs/quay-api.md#organizations).
  const view: Record<string, unknown> = { name: o.username, email: o.email, avatar: orgAvatar(o) };
  if (gates.quotaViews(config)) {
    const q = store.quotaOf(o.id);
    view.quotas = q ? [shortQuotaView(store, q)] : [];
    view.quota_report = quotaReport(store, config, o);
  }
  return view;
}

/** Unpaginated unless `limit` is given (max 100); then `next_page` when there is more (docs/quay-api.md#pagination). */
function pageOf<T extends { id: number }>(ctx: Ctx, items: T[]): { items: T[]; next?: string } {
  const limit = intQuery(ctx, "limit", PAGE_LIMIT_HELP);
  if (limit === undefined) return { items };
  if (limit > 100) throw invalidRequest("Page limit cannot be above 100");
  let rest = items;
  const raw = ctx.query.get("next_page");
  if (raw) {
    try {
      const start = (JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as { start_id?: number })
        .start_id;
      if (typeof start === "number") rest = items.filter((i) => i.id >= start);
    } catch {
      // An undecodable token is the first page, as in Quay.
    }
  }
  const size = Math.max(0, limit);
  const next = rest[size];
  return { items: rest.slice(0, size), ...(next ? { next: encodePageToken({ start_id: next.id }) } : {}) };
}

function listUsers(ctx: Ctx): Reply {
  requireAnySuperuser(ctx);
  const includeDisabled = truthyBool(ctx.query.get("disabled"), true);
  const users = [...ctx.store.accounts.values()]
    .filter((a) => a.kind === "user" && a.deletedName === undefined && (includeDisabled || a.enabled))
    .sort((a, b) => a.id - b.id);
  const page = pageOf(ctx, users);
  const result: Record<string, unknown> = { users: page.items.map((u) => superUserView(ctx, u)) };
  if (page.next) result.next_page = page.next;
  return ok(result);
}

function createUser(ctx: Ctx): Reply {
  freshLogin(ctx);
  const { store, config } = ctx;
  if (!isJsonContentType(ctx.headers["content-type"]))
    throw new MessageError(415, WERKZEUG.unsupportedMediaType);
  const parsed = parseJson(ctx.rawBody);
  if (!parsed.ok) throw new MessageError(400, WERKZEUG.badRequest);
  if (parsed.value === null) throw invalidRequest("Missing JSON body");
  assertSchema(CREATE_INSTALL_USER, parsed.value);
  if (config.authenticationType !== "Database") {
    throw invalidRequest("Cannot create a user in a non-database auth system");
  }
  if (!ctx.perms.isSuperuser()) throw unauthorized(true);
  const data = parsed.value;
  if (typeof data !== "object" || Array.isArray(data))
    throw internalError("TypeError: indices must be integers");
  const { username, email } = data as { username: string; email?: string };
  const mailing = config.feature("FEATURE_MAILING");
  const password = Array.from(
    { length: 32 },
    () => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[randomInt(36)],
  ).join("");
  const user = createNamespace(store, config, username, email, { emailRequired: mailing, kind: "user" });
  user.passwordHash = hashPassword(password);
  // Auto-verified when mailing is off (docs/quay-api.md#users).
  user.verified = !mailing;
  log(ctx, "user_create", username, { email: email ?? null, username, superuser: ctx.caller.user?.username });
  // 200, not 201 (docs/quay-api.md#users).
  return ok({ username, email: email ?? null, password, encrypted_password: encryptedPassword(password) });
}

function getManagedUser(ctx: Ctx): Reply {
  requireAnySuperuser(ctx);
  const user = ctx.store.user(param(ctx, "username"));
  if (!user) throw notFound();
  return ok(superUserView(ctx, user));
}

function updateManagedUser(ctx: Ctx): Reply {
  freshLogin(ctx);
  const data = body<{ password?: string; email?: string; enabled?: boolean; superuser?: unknown }>(
    ctx,
    UPDATE_USER,
  );
  if (!ctx.perms.isSuperuser()) throw unauthorized(true);
  const { store, config } = ctx;
  const username = param(ctx, "username");
  const user = store.user(username);
  if (!user) throw notFound();
  if (config.superUsers.has(username)) throw invalidRequest("Cannot update a superuser");
  // The response is built from the user as it was before this request (then patched below).
  const before = superUserView(ctx, user);
  const authed = ctx.caller.user?.username;
  if ("password" in data) {
    if (config.authenticationType !== "Database")
      throw invalidRequest("Cannot change password in non-database auth");
    // Logged before the password is checked, as Quay does.
    log(ctx, "user_change_password", username, { username, superuser: authed });
    if (!validPassword(data.password)) throw new DataModelError(INVALID_PASSWORD_MESSAGE);
    // data/model/user.py change_password: clears the login throttle and ends every session.
    user.passwordHash = hashPassword(data.password as string);
    user.invalidLoginAttempts = 0;
    invalidateAllSessions(user);
  }
  if ("email" in data) {
    if (config.authenticationType !== "Database" && config.authenticationType !== "AppToken") {
      throw invalidRequest("Cannot change e-mail in non-database auth");
    }
    const old = user.email;
    for (const a of store.accounts.values()) {
      if (a.id !== user.id && a.kind === "user" && a.email === data.email)
        throw new DataModelError("E-mail address already used");
    }
    user.email = data.email as string;
    user.verified = true;
    log(ctx, "user_change_email", username, { old_email: old, email: data.email, superuser: authed });
  }
  if ("enabled" in data) {
    const enabled = Boolean(data.enabled);
    log(ctx, enabled ? "user_enable" : "user_disable", username, { username, superuser: authed });
    user.enabled = enabled;
  }
  if ("superuser" in data) {
    // Undocumented: rewrites SUPER_USERS (here: in memory only).
    const set = config.superUsers as Set<string>;
    if (data.superuser) set.add(username);
    else set.delete(username);
  }
  if (data.password !== undefined && data.password !== null)
    before.encrypted_password = encryptedPassword(data.password);
  if (data.email !== undefined && data.email !== null) before.email = data.email;
  return ok(before);
}

function deleteManagedUser(ctx: Ctx): Reply {
  requireSuperuser(ctx);
  const username = param(ctx, "username");
  const user = ctx.store.user(username);
  if (!user) throw notFound();
  if (ctx.config.superUsers.has(username)) throw invalidRequest("Cannot delete a superuser");
  log(ctx, "user_delete", username, { username });
  // Asynchronous in Quay: renamed to a UUID at once, grants kept until GC (docs/quay-api.md#emulator-gotchas drift trap).
  markForDeletion(ctx.store, user);
  return noContent();
}

function sendRecovery(ctx: Ctx): Reply {
  freshLogin(ctx);
  if (ctx.config.authenticationType !== "Database") {
    throw invalidRequest("Cannot send a recovery e-mail for non-database auth");
  }
  if (!ctx.perms.isSuperuser()) throw unauthorized(true);
  const username = param(ctx, "username");
  const user = ctx.store.user(username);
  if (!user) throw notFound();
  if (ctx.config.superUsers.has(username))
    throw invalidRequest("Cannot send a recovery email for a superuser");
  return ok({ email: user.email });
}

function listOrganizations(ctx: Ctx): Reply {
  requireAnySuperuser(ctx);
  const orgs = [...ctx.store.accounts.values()]
    .filter((a) => a.kind === "org" && a.deletedName === undefined)
    .sort((a, b) => a.id - b.id);
  const page = pageOf(ctx, orgs);
  const result: Record<string, unknown> = { organizations: page.items.map((o) => superOrgView(ctx, o)) };
  if (page.next) result.next_page = page.next;
  return ok(result);
}

function renameOrganization(ctx: Ctx): Reply {
  freshLogin(ctx);
  const data = body<{ name?: string }>(ctx, RENAME_ORG);
  if (!ctx.perms.isSuperuser()) throw unauthorized(true);
  const name = param(ctx, "name");
  const { store } = ctx;
  const newName = data.name ?? null;
  // Logged before the organization is even looked up.
  log(ctx, "org_change_name", name, {
    old_name: name,
    new_name: newName,
    superuser: ctx.caller.user?.username,
  });
  const org = store.org(name);
  if (!org) throw new DataModelError(`Organization does not exist: ${name}`);
  if (newName !== null) {
    const issue = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)$/.test(newName)
      ? newName.length < 2 || newName.length > 255
        ? "Namespace must be between 2 and 255 characters in length"
        : undefined
      : "Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$";
    if (issue) throw new DataModelError(`Invalid username ${newName}: ${issue}`);
    const taken = store.account(newName);
    if (taken && taken.id !== org.id)
      throw internalError("IntegrityError: duplicate key value violates unique constraint");
    // Robots are renamed along with the organization (docs/quay-api.md#organizations).
    for (const robot of store.robotsOf(org))
      store.renameAccount(robot, `${newName}+${robot.username.split("+")[1]}`);
    store.renameAccount(org, newName);
  }
  return ok(superOrgView(ctx, org));
}

function deleteOrganization(ctx: Ctx): Reply {
  requireSuperuser(ctx);
  const name = param(ctx, "name");
  const org = ctx.store.org(name);
  // get_organization raises an uncaught DataModelException: 400 {"message"}, not 404.
  if (!org) throw new DataModelError(`Organization does not exist: ${name}`);
  markForDeletion(ctx.store, org);
  return noContent();
}

function takeOwnership(ctx: Ctx): Reply {
  requireSuperuser(ctx);
  const namespace = param(ctx, "namespace");
  const { store, config } = ctx;
  if (config.superUsers.has(namespace)) throw invalidRequest("Cannot take ownership of a superuser");
  const entity = store.account(namespace);
  if (!entity || entity.kind === "robot") throw notFound();
  const me = ctx.caller.user as Account;
  const wasUser = entity.kind === "user";
  if (entity.kind === "org") {
    const adminTeam = store.orgTeams(entity.id).find((t) => t.role === "admin");
    if (!adminTeam) throw internalError("Team.DoesNotExist");
    if (!adminTeam.memberIds.includes(me.id)) adminTeam.memberIds.push(me.id);
  } else {
    // convert_user_to_organization: the user becomes an org owned by the superuser.
    entity.kind = "org";
    entity.passwordHash = null;
    for (const p of [...store.permissions.values()])
      if (p.userId === entity.id) store.permissions.delete(p.id);
    for (const t of [...store.tokens.values()]) if (t.userId === entity.id) store.tokens.delete(t.token);
    const owners = {
      id: store.newId(),
      orgId: entity.id,
      name: "owners",
      role: "admin" as const,
      description: "",
      memberIds: [me.id],
    };
    store.teams.set(owners.id, owners);
  }
  log(ctx, "take_ownership", me.username, {
    entity_id: entity.id,
    namespace,
    was_user: wasUser,
    superuser: me.username,
  });
  return ok({ namespace });
}

function registrySize(ctx: Ctx): Reply {
  requireAnySuperuser(ctx);
  const queued = ctx.store.registrySizeQueued;
  return ok({ size_bytes: 0, last_ran: null, running: false, queued });
}

function queueRegistrySize(ctx: Ctx): Reply {
  requireSuperuser(ctx);
  if (ctx.store.registrySizeQueued) return { status: 202, body: "" };
  ctx.store.registrySizeQueued = true;
  return { status: 201, body: "" };
}

const su = { enabled: gates.superUsers };

export const userRoutes = [
  apiRoute("/api/v1/user/", { GET: getCurrentUser }, { anonAllowed: true }),
  apiRoute("/api/v1/users/{username}", { GET: getUser }),
  apiRoute("/api/v1/superuser/users/", { GET: listUsers, POST: createUser }, su),
  apiRoute(
    "/api/v1/superuser/users/{username}",
    { GET: getManagedUser, PUT: updateManagedUser, DELETE: deleteManagedUser },
    su,
  ),
  apiRoute(
    "/api/v1/superusers/users/{username}/sendrecovery",
    { POST: sendRecovery },
    {
      enabled: (c) => gates.superUsers(c) && gates.mailing(c),
    },
  ),
  apiRoute("/api/v1/superuser/organizations/", { GET: listOrganizations }, su),
  apiRoute(
    "/api/v1/superuser/organizations/{name}",
    { PUT: renameOrganization, DELETE: deleteOrganization },
    su,
  ),
  apiRoute("/api/v1/superuser/takeownership/{namespace}", { POST: takeOwnership }, su),
  apiRoute("/api/v1/superuser/registrysize/", { GET: registrySize, POST: queueRegistrySize }, su),
];
