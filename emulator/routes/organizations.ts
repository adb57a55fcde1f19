import { randomUUID } from "node:crypto";
import { body, type Ctx, created, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, invalidRequest, notFound, unauthorized } from "../errors";
import { createNamespace, markForDeletion } from "../namespaces";
import { requireFreshLogin } from "../session";
import type { Account } from "../state";
import { validEmail } from "../validation";
import { teamAvatar, userAvatar } from "../views";
import { apiRoute, gates, quotaReport, shortQuotaView, syncActive } from "./shared";

/** Organizations (docs/quay-api.md#organizations): create, read, update, delete, members, collaborators. */

const NEW_ORG = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string" },
    email: { type: "string" },
    contact_email: { type: "string" },
    recaptcha_response: { type: "string" },
  },
};

const UPDATE_ORG = {
  type: "object",
  properties: {
    email: { type: "string" },
    contact_email: { type: ["string", "null"] },
    invoice_email: { type: "boolean" },
    invoice_email_address: { type: ["string", "null"] },
    tag_expiration_s: { type: "integer", minimum: 0 },
  },
};

/** org_view (endpoints/api/organization.py), including the docs/quay-api.md#emulator-gotchas admin key set. */
export function orgView(ctx: Ctx, org: Account, withTeams: boolean): Record<string, unknown> {
  const { perms, store, config } = ctx;
  let isAdmin = perms.orgAdmin(org.username);
  let isMember = perms.orgMember(org.username);
  const asSuperuser = perms.canViewAsSuperuser();
  if (asSuperuser) {
    isAdmin = true;
    isMember = true;
  }
  const view: Record<string, unknown> = {
    name: org.username,
    // 3.18: the UUID placeholder (and any invalid address) is shown as "".
    email: isAdmin || asSuperuser ? (validEmail(org.email) ? org.email : "") : "",
    avatar: userAvatar(org),
    is_admin: isAdmin,
    is_member: isMember,
  };
  if (withTeams) {
    const teams = store.orgTeams(org.id);
    const user = ctx.caller.user;
    const viewable =
      asSuperuser || isAdmin
        ? undefined
        : new Set(user ? store.teamsOfMember(org.id, user.id).map((t) => t.name) : []);
    const repoCounts = new Map<number, number>();
    for (const p of store.permissions.values()) {
      if (p.teamId !== null) repoCounts.set(p.teamId, (repoCounts.get(p.teamId) ?? 0) + 1);
    }
    const teamViews: Record<string, unknown> = {};
    for (const t of teams) {
      const repoCount = repoCounts.get(t.id) ?? 0;
      teamViews[t.name] = {
        name: t.name,
        description: t.description,
        role: t.role,
        avatar: teamAvatar(t),
        can_view: viewable === undefined || viewable.has(t.name),
        repo_count: repoCount,
        member_count: t.memberIds.length,
        // get_teams_within_org looks at TeamSync rows only with TEAM_SYNCING and a directory.
        is_synced: syncActive(ctx) && t.sync !== undefined,
      };
    }
    view.teams = teamViews;
    view.ordered_teams = teams.map((t) => t.name);
  }
  if (isAdmin) {
    view.invoice_email = org.invoiceEmail;
    view.invoice_email_address = org.invoiceEmailAddress;
    view.tag_expiration_s = org.tagExpirationS;
    view.is_free_account = true;
  }
  if ((isAdmin || isMember) && gates.quotaViews(config)) {
    const q = store.quotaOf(org.id);
    view.quotas = q ? [shortQuotaView(store, q)] : [];
    view.quota_report = quotaReport(store, config, org);
  }
  return view;
}

function createOrg(ctx: Ctx): Reply {
  const { perms, store, config } = ctx;
  // @require_user_admin: the caller's own UserAdminPermission (token scope user:admin), docs/quay-api.md#emulator-gotchas.
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  const data = body<{ name: string; email?: string; contact_email?: string }>(ctx, NEW_ORG);
  if (config.feature("FEATURE_SUPERUSERS_ORG_CREATION_ONLY") && !perms.isSuperuser())
    throw unauthorized(true);
  if (store.account(data.name)) throw invalidRequest("A user or organization with this name already exists");
  const email = data.contact_email || data.email || undefined;
  if (email && !validEmail(email)) throw invalidRequest("Invalid email address");
  if (email && !config.feature("FEATURE_ORG_SHARED_EMAIL")) {
    for (const a of store.accounts.values()) {
      if (a.kind === "user" && a.email === email)
        throw invalidRequest(`Email has already been used: ${email}`);
    }
  }
  let org: Account;
  try {
    org = createNamespace(store, config, data.name, email, { emailRequired: false, kind: "org" });
  } catch (e) {
    // InvalidUsernameException → InvalidOrganizationException → request_error: an ApiException.
    if (e instanceof DataModelError) throw invalidRequest(e.message);
    throw e;
  }
  // Side effect (docs/quay-api.md#emulator-gotchas): team `owners` (admin) holding the creator.
  const owners = {
    id: store.newId(),
    orgId: org.id,
    name: "owners",
    role: "admin" as const,
    description: "",
    memberIds: [] as number[],
  };
  owners.memberIds.push((ctx.caller.user as Account).id);
  store.teams.set(owners.id, owners);
  log(ctx, "org_create", data.name, { email: email ?? null, namespace: data.name });
  return created("Created");
}

function getOrg(ctx: Ctx): Reply {
  const org = ctx.store.org(param(ctx, "orgname"));
  if (!org) throw notFound();
  const { perms } = ctx;
  const withTeams = perms.orgMember(org.username) || perms.canViewAsSuperuser();
  return ok(orgView(ctx, org, withTeams));
}

function updateOrg(ctx: Ctx): Reply {
  const data = body<Record<string, unknown>>(ctx, UPDATE_ORG);
  const orgname = param(ctx, "orgname");
  const { perms, store, config } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const org = store.org(orgname);
  if (!org) throw notFound();
  // Fields are applied one after the other, as Quay does: a later failure keeps earlier changes.
  if ("invoice_email" in data) {
    org.invoiceEmail = data.invoice_email as boolean;
    log(ctx, "org_change_invoicing", orgname, { invoice_email: data.invoice_email, namespace: orgname });
  }
  if ("invoice_email_address" in data && data.invoice_email_address !== org.invoiceEmailAddress) {
    org.invoiceEmailAddress = data.invoice_email_address as string | null;
    log(ctx, "org_change_invoicing", orgname, {
      invoice_email_address: data.invoice_email_address,
      namespace: orgname,
    });
  }
  if ("contact_email" in data || "email" in data) {
    const requested = ("contact_email" in data ? data.contact_email : data.email) as
      | string
      | null
      | undefined;
    const newEmail = requested || "";
    const current = validEmail(org.email) ? org.email : "";
    if (newEmail !== current) {
      if (newEmail && !validEmail(newEmail)) throw invalidRequest("Invalid email address");
      // Clearing stores a UUID placeholder, shown as "" (docs/quay-api.md#organizations).
      org.email = newEmail || randomUUID();
      log(ctx, "org_change_email", orgname, { email: newEmail, namespace: orgname, old_email: current });
    }
  }
  if (config.feature("FEATURE_CHANGE_TAG_EXPIRATION") && "tag_expiration_s" in data) {
    const seconds = data.tag_expiration_s as number;
    if (!config.tagExpirationOptions.includes(seconds))
      throw new DataModelError("Invalid tag expiration option");
    org.tagExpirationS = seconds;
    log(ctx, "org_change_tag_expiration", orgname, { tag_expiration: seconds, namespace: orgname });
  }
  return ok(orgView(ctx, org, true));
}

function deleteOrg(ctx: Ctx): Reply {
  // @require_fresh_login: a session must have signed in (or verified) within FRESH_LOGIN_TIMEOUT.
  requireFreshLogin(ctx);
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const org = store.org(orgname);
  if (!org) throw notFound();
  // Logged before the deletion: the org is gone (renamed) right after (docs/quay-api.md#organizations).
  log(ctx, "org_delete", orgname, { namespace: orgname });
  markForDeletion(store, org);
  return noContent();
}

/** Repository names with a direct user permission in the org (list_organization_member_permissions). */
function directRepoNames(ctx: Ctx, org: Account, accountId?: number): Map<number, string[]> {
  const result = new Map<number, string[]>();
  for (const p of [...ctx.store.permissions.values()].sort((a, b) => a.id - b.id)) {
    if (p.userId === null || (accountId !== undefined && p.userId !== accountId)) continue;
    const repo = ctx.store.repos.get(p.repoId);
    if (!repo || repo.namespaceId !== org.id) continue;
    const list = result.get(p.userId) ?? [];
    list.push(repo.name);
    result.set(p.userId, list);
  }
  return result;
}

function canListMembers(ctx: Ctx, orgname: string): boolean {
  const { perms } = ctx;
  return perms.orgAdmin(orgname) || perms.isGlobalReadonly() || perms.fullAccess();
}

function listMembers(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!canListMembers(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  const org = ctx.store.org(orgname);
  if (!org) throw notFound();
  const members = new Map<
    number,
    { name: string; kind: string; avatar: unknown; teams: unknown[]; repositories: string[] }
  >();
  for (const t of ctx.store.orgTeams(org.id)) {
    for (const id of t.memberIds) {
      const a = ctx.store.accounts.get(id);
      if (!a || a.kind === "robot") continue;
      let m = members.get(id);
      if (!m) {
        m = { name: a.username, kind: "user", avatar: userAvatar(a), teams: [], repositories: [] };
        members.set(id, m);
      }
      m.teams.push({ name: t.name, avatar: teamAvatar(t) });
    }
  }
  for (const [userId, repos] of directRepoNames(ctx, org)) members.get(userId)?.repositories.push(...repos);
  return ok({ members: [...members.values()] });
}

function getMember(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!canListMembers(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  const { store } = ctx;
  const member = store.userOrRobot(param(ctx, "membername"));
  if (!member) throw notFound();
  const org = store.account(orgname);
  if (!org) throw notFound();
  const teams = org.kind === "org" ? store.teamsOfMember(org.id, member.id) : [];
  if (teams.length === 0) {
    // Robots of the organization are members even without a team (docs/quay-api.md#organizations).
    if (member.kind !== "robot" || member.username.split("+")[0] !== orgname) throw notFound();
  }
  return ok({
    name: member.username,
    kind: member.kind === "robot" ? "robot" : "user",
    avatar: userAvatar(member),
    teams: teams.map((t) => ({ name: t.name, avatar: teamAvatar(t) })),
    repositories: directRepoNames(ctx, org, member.id).get(member.id) ?? [],
  });
}

function removeMember(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname)) throw unauthorized(perms.authenticated);
  const user = store.user(param(ctx, "membername"));
  if (!user) throw notFound();
  const org = store.org(orgname);
  if (!org) throw notFound();
  // __get_org_admin_users yields one row per admin-team membership, duplicates included.
  const adminRows: number[] = [];
  for (const t of store.orgTeams(org.id)) if (t.role === "admin") adminRows.push(...t.memberIds);
  if (adminRows.length === 1 && adminRows[0] === user.id) {
    throw new DataModelError("Cannot remove user as they are the only organization admin");
  }
  for (const p of [...store.permissions.values()]) {
    if (p.userId === user.id && store.repos.get(p.repoId)?.namespaceId === org.id)
      store.permissions.delete(p.id);
  }
  for (const t of store.orgTeams(org.id)) t.memberIds = t.memberIds.filter((id) => id !== user.id);
  // No audit log entry for this endpoint (docs/quay-api.md#organizations).
  return noContent();
}

function listCollaborators(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms, store } = ctx;
  if (!perms.orgAdmin(orgname) && !perms.canViewAsSuperuser()) throw unauthorized(perms.authenticated);
  const org = store.org(orgname);
  if (!org) throw notFound();
  const members = new Set<number>();
  for (const t of store.orgTeams(org.id)) for (const id of t.memberIds) members.add(id);
  const collaborators = new Map<
    number,
    { kind: string; name: string; avatar: unknown; repositories: string[] }
  >();
  for (const [userId, repos] of directRepoNames(ctx, org)) {
    if (members.has(userId)) continue;
    const a = store.accounts.get(userId);
    if (!a) continue;
    collaborators.set(userId, { kind: "user", name: a.username, avatar: userAvatar(a), repositories: repos });
  }
  return ok({ collaborators: [...collaborators.values()] });
}

export const organizationRoutes = [
  apiRoute("/api/v1/organization/", { POST: createOrg }),
  apiRoute("/api/v1/organization/{orgname}", { GET: getOrg, PUT: updateOrg, DELETE: deleteOrg }),
  apiRoute("/api/v1/organization/{orgname}/members", { GET: listMembers }),
  apiRoute("/api/v1/organization/{orgname}/members/{membername}", { GET: getMember, DELETE: removeMember }),
  apiRoute("/api/v1/organization/{orgname}/collaborators", { GET: listCollaborators }),
];
