import { body, type Ctx, created, log, noContent, ok, param, type Reply } from "../context";
import { DataModelError, internalError, invalidRequest, notFound, unauthorized } from "../errors";
import { requireFreshLogin } from "../session";
import type { Account, Quota, QuotaLimit } from "../state";
import { humanBytes, parseHumanSize } from "../views";
import { apiRoute, fullQuotaView, gates, limitView } from "./shared";

/** Quotas and quota limits, org, user and superuser variants (docs/quay-api.md#quotas). */

const SIZE_PATTERN =
  "^(\\d+\\s?(B|KiB|MiB|GiB|TiB|PiB|EiB|ZiB|YiB|Ki|Mi|Gi|Ti|Pi|Ei|Zi|Yi|KB|MB|GB|TB|PB|EB|ZB|YB|K|M|G|T|P|E|Z|Y)?)$";

const NEW_QUOTA = {
  type: "object",
  oneOf: [
    { required: ["limit_bytes"], properties: { limit_bytes: { type: "integer" } } },
    { required: ["limit"], properties: { limit: { type: "string", pattern: SIZE_PATTERN } } },
  ],
};

const UPDATE_QUOTA = {
  type: "object",
  oneOf: [
    {
      properties: { limit_bytes: { type: "integer" } },
      required: ["limit_bytes"],
      additionalProperties: false,
    },
    {
      properties: { limit: { type: "string", pattern: SIZE_PATTERN } },
      required: ["limit"],
      additionalProperties: false,
    },
    { properties: { limit_bytes: { not: {} }, limit: { not: {} } }, additionalProperties: false },
  ],
};

const NEW_LIMIT = {
  type: "object",
  required: ["type", "threshold_percent"],
  properties: { type: { type: "string" }, threshold_percent: { type: "integer" } },
};

const UPDATE_LIMIT = {
  type: "object",
  properties: { type: { type: "string" }, threshold_percent: { type: "integer" } },
};

/** Postgres bigint: larger limits fail with DataError → "Unsupported quota size limit." */
const MAX_LIMIT_BYTES = 2 ** 63 - 1;

/** _quota_type: case-insensitive, normalised to the capitalised name (docs/quay-api.md#quotas). */
function quotaType(name: string): "Warning" | "Reject" {
  const lower = name.toLowerCase();
  if (lower === "warning") return "Warning";
  if (lower === "reject") return "Reject";
  throw new DataModelError("Quota type must be one of [Warning, Reject]");
}

function thresholdInRange(percent: number): boolean {
  return percent > 0 && percent <= 100;
}

/** bitmath parsing as the org endpoints word the failure. */
function limitBytesOf(data: Record<string, unknown>, invalidMessage: string): number | undefined {
  if ("limit" in data) {
    const parsed = parseHumanSize(data.limit as string);
    if (parsed === undefined) throw invalidRequest(invalidMessage);
    return parsed;
  }
  if ("limit_bytes" in data) return data.limit_bytes as number;
  return undefined;
}

/** create_namespace_quota / update_namespace_quota_size size checks, as ApiExceptions. */
function checkSize(limitBytes: number): void {
  if (!(limitBytes > 0)) throw invalidRequest(`Invalid quota size limit value: '${limitBytes}'`);
  if (limitBytes > MAX_LIMIT_BYTES) throw invalidRequest("Unsupported quota size limit.");
}

function findQuota(ctx: Ctx, namespace: string, quotaId: string): Quota {
  const ns = ctx.store.account(namespace);
  const q = ns ? ctx.store.quotaOf(ns.id) : undefined;
  if (!q || String(q.id) !== quotaId) throw notFound();
  return q;
}

/** get_namespace_quota_limit: a limit id of another quota raises a message-less DataModelException. */
function findLimit(ctx: Ctx, q: Quota, limitId: string): QuotaLimit {
  const l = /^\d+$/.test(limitId) ? ctx.store.limits.get(Number(limitId)) : undefined;
  if (!l) throw notFound();
  if (l.quotaId !== q.id) throw new DataModelError("");
  return l;
}

function canReadOrgQuota(ctx: Ctx, orgname: string): boolean {
  const { perms } = ctx;
  return perms.orgMember(orgname) || perms.canViewAsSuperuser();
}

function requireFullAccess(ctx: Ctx): void {
  // Org quota writes: superuser with FEATURE_SUPERUSERS_FULL_ACCESS and the super:user scope (3.16+).
  if (!ctx.perms.fullAccess()) throw unauthorized(ctx.perms.authenticated);
}

function orgQuotaList(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!canReadOrgQuota(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  const org = ctx.store.org(orgname);
  if (!org) throw notFound();
  const q = ctx.store.quotaOf(org.id);
  if (q) return ok([fullQuotaView(ctx.store, ctx.config, q)]);
  // No quota: the system default, if configured, as a synthetic entry with id null (docs/quay-api.md#quotas).
  return ok(
    ctx.config.defaultSystemRejectQuotaBytes !== 0 ? [fullQuotaView(ctx.store, ctx.config, undefined)] : [],
  );
}

function createQuotaRow(ctx: Ctx, ns: Account, limitBytes: number): Quota {
  checkSize(limitBytes);
  const q: Quota = { id: ctx.store.newId(), namespaceId: ns.id, limitBytes };
  ctx.store.quotas.set(q.id, q);
  return q;
}

function orgQuotaCreate(ctx: Ctx): Reply {
  const data = body<Record<string, unknown>>(ctx, NEW_QUOTA);
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const limitBytes = limitBytesOf(
    data,
    "Invalid limit format, use a number followed by a unit (e.g. 1GiB)",
  ) as number;
  const org = ctx.store.org(orgname);
  if (!org) throw notFound();
  if (ctx.store.quotaOf(org.id)) throw invalidRequest(`Organization quota for '${orgname}' already exists`);
  createQuotaRow(ctx, org, limitBytes);
  log(ctx, "org_create_quota", orgname, {
    namespace: orgname,
    limit_bytes: limitBytes,
    limit: humanBytes(limitBytes),
  });
  // No id is returned: list the quotas to learn it (docs/quay-api.md#ordering).
  return created("Created");
}

function orgQuotaGet(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  if (!canReadOrgQuota(ctx, orgname)) throw unauthorized(ctx.perms.authenticated);
  return ok(fullQuotaView(ctx.store, ctx.config, findQuota(ctx, orgname, param(ctx, "quota_id"))));
}

function orgQuotaUpdate(ctx: Ctx): Reply {
  const data = body<Record<string, unknown>>(ctx, UPDATE_QUOTA);
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  const previous = q.limitBytes;
  const limitBytes = limitBytesOf(data, "Invalid limit format, use a number followed by a unit (e.g. 1GiB)");
  // `if limit_bytes:` — 0 and {} are no-ops.
  if (limitBytes) {
    checkSize(limitBytes);
    q.limitBytes = limitBytes;
    log(ctx, "org_change_quota", orgname, {
      namespace: orgname,
      limit_bytes: limitBytes,
      limit: humanBytes(limitBytes),
      previous_limit_bytes: previous,
      previous_limit: humanBytes(previous),
    });
  }
  return ok(fullQuotaView(ctx.store, ctx.config, q));
}

function orgQuotaDelete(ctx: Ctx): Reply {
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  // Deleting a quota deletes its limits (docs/quay-api.md#quotas).
  ctx.store.deleteQuota(q);
  log(ctx, "org_delete_quota", orgname, {
    namespace: orgname,
    quota_id: q.id,
    limit_bytes: q.limitBytes,
    limit: humanBytes(q.limitBytes),
  });
  return noContent();
}

function limitList(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms } = ctx;
  if (!perms.orgMember(orgname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  return ok(ctx.store.limitsOf(q.id).map(limitView));
}

function limitCreate(ctx: Ctx): Reply {
  const data = body<{ type: string; threshold_percent: number }>(ctx, NEW_LIMIT);
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  const percent = data.threshold_percent;
  // get_namespace_quota_limit_list runs before the endpoint's try block: its errors keep the
  // DataModelException shape; threshold 0 skips that check and fails later as an ApiException (docs/quay-api.md#quotas).
  if (percent && !thresholdInRange(percent))
    throw new DataModelError("Quota limit threshold must be between 1 and 100");
  const type = data.type ? quotaType(data.type) : undefined;
  const existing = ctx.store
    .limitsOf(q.id)
    .filter((l) => (!type || l.type === type) && (!percent || l.percent === percent));
  if (existing.length > 0) throw invalidRequest("Quota limit already exists");
  if (!thresholdInRange(percent)) throw invalidRequest("Quota limit threshold must be between 1 and 100");
  if (!type) throw invalidRequest("Quota type must be one of [Warning, Reject]");
  const l: QuotaLimit = { id: ctx.store.newId(), quotaId: q.id, type, percent };
  ctx.store.limits.set(l.id, l);
  log(ctx, "org_create_quota_limit", orgname, {
    namespace: orgname,
    type: data.type,
    threshold_percent: percent,
  });
  return created("Created");
}

function limitGet(ctx: Ctx): Reply {
  const orgname = param(ctx, "orgname");
  const { perms } = ctx;
  if (!perms.orgMember(orgname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  return ok(limitView(findLimit(ctx, q, param(ctx, "limit_id"))));
}

function limitUpdate(ctx: Ctx): Reply {
  const data = body<{ type?: string; threshold_percent?: number }>(ctx, UPDATE_LIMIT);
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  const l = findLimit(ctx, q, param(ctx, "limit_id"));
  const previousType = l.type;
  const previousPercent = l.percent;
  // Applied in this order, each saved at once: a bad threshold keeps an already changed type.
  if (data.type !== undefined) l.type = quotaType(data.type);
  if (data.threshold_percent !== undefined) {
    if (!thresholdInRange(data.threshold_percent)) {
      throw new DataModelError("Quota limit threshold must be between 1 and 100");
    }
    l.percent = data.threshold_percent;
  }
  log(ctx, "org_change_quota_limit", orgname, {
    namespace: orgname,
    type: data.type ?? previousType,
    threshold_percent: data.threshold_percent ?? previousPercent,
    previous_type: previousType,
    previous_threshold_percent: previousPercent,
  });
  // Returns the parent quota's view, not the limit (docs/quay-api.md#quotas).
  return ok(fullQuotaView(ctx.store, ctx.config, q));
}

function limitDelete(ctx: Ctx): Reply {
  requireFullAccess(ctx);
  const orgname = param(ctx, "orgname");
  const q = findQuota(ctx, orgname, param(ctx, "quota_id"));
  const l = findLimit(ctx, q, param(ctx, "limit_id"));
  ctx.store.limits.delete(l.id);
  log(ctx, "org_delete_quota_limit", orgname, {
    namespace: orgname,
    limit_id: l.id,
    type: l.type,
    threshold_percent: l.percent,
  });
  return noContent();
}

// --- the caller's own namespace (read-only, docs/quay-api.md#quotas) ------------------------------------------------

function self(ctx: Ctx): Account {
  const { perms } = ctx;
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  return ctx.caller.user as Account;
}

const userQuotaList = (ctx: Ctx): Reply => {
  const user = self(ctx);
  const q = ctx.store.quotaOf(user.id);
  return ok(q ? [fullQuotaView(ctx.store, ctx.config, q)] : []);
};

const userQuotaGet = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return ok(fullQuotaView(ctx.store, ctx.config, findQuota(ctx, user.username, param(ctx, "quota_id"))));
};

const userLimitList = (ctx: Ctx): Reply => {
  const user = self(ctx);
  const q = findQuota(ctx, user.username, param(ctx, "quota_id"));
  return ok(ctx.store.limitsOf(q.id).map(limitView));
};

const userLimitGet = (ctx: Ctx): Reply => {
  const user = self(ctx);
  const q = findQuota(ctx, user.username, param(ctx, "quota_id"));
  findLimit(ctx, q, param(ctx, "limit_id"));
  // Returns the quota view, not the limit (docs/quay-api.md#quotas).
  return ok(fullQuotaView(ctx.store, ctx.config, q));
};

// --- superuser panel (docs/quay-api.md#quotas): no audit logs, no FULL_ACCESS needed ---------------------------------
// @require_fresh_login on list, create and update, not on delete (`endpoints/api/superuser.py` v3.18.0).

/** get_user_or_org: users and organizations, not robots. */
function namespaceAccount(ctx: Ctx): Account | undefined {
  const a = ctx.store.account(param(ctx, "namespace"));
  return a && a.kind !== "robot" ? a : undefined;
}

const suQuotaList = (ctx: Ctx): Reply => {
  requireFreshLogin(ctx);
  if (!ctx.perms.anySuperuser()) throw unauthorized(ctx.perms.authenticated);
  const ns = namespaceAccount(ctx);
  if (!ns) throw notFound();
  const q = ctx.store.quotaOf(ns.id);
  return ok(q ? [fullQuotaView(ctx.store, ctx.config, q)] : []);
};

const suQuotaCreate = (ctx: Ctx): Reply => {
  requireFreshLogin(ctx);
  const data = body<Record<string, unknown>>(ctx, NEW_QUOTA);
  if (!ctx.perms.isSuperuser()) throw unauthorized(ctx.perms.authenticated);
  const limitBytes = limitBytesOf(data, "Invalid limit format") as number;
  const ns = namespaceAccount(ctx);
  // `namespace_user.username` on None: AttributeError, an HTML 500 (docs/quay-api.md#quotas).
  if (!ns) throw internalError("AttributeError: 'NoneType' object has no attribute 'username'");
  if (ctx.store.quotaOf(ns.id)) throw invalidRequest(`Quota for '${param(ctx, "namespace")}' already exists`);
  createQuotaRow(ctx, ns, limitBytes);
  return created("Created");
};

const suQuotaUpdate = (ctx: Ctx): Reply => {
  requireFreshLogin(ctx);
  const data = body<Record<string, unknown>>(ctx, UPDATE_QUOTA);
  if (!ctx.perms.isSuperuser()) throw unauthorized(ctx.perms.authenticated);
  const ns = namespaceAccount(ctx);
  if (!ns) throw internalError("AttributeError: 'NoneType' object has no attribute 'username'");
  const q = findQuota(ctx, ns.username, param(ctx, "quota_id"));
  const limitBytes = limitBytesOf(data, "Invalid limit format");
  if (limitBytes) {
    checkSize(limitBytes);
    q.limitBytes = limitBytes;
  }
  return ok(fullQuotaView(ctx.store, ctx.config, q));
};

const suQuotaDelete = (ctx: Ctx): Reply => {
  if (!ctx.perms.isSuperuser()) throw unauthorized(ctx.perms.authenticated);
  const ns = namespaceAccount(ctx);
  if (!ns) throw internalError("AttributeError: 'NoneType' object has no attribute 'username'");
  ctx.store.deleteQuota(findQuota(ctx, ns.username, param(ctx, "quota_id")));
  return noContent();
};

const quota = { enabled: gates.quotaApi };

export const quotaRoutes = [
  apiRoute("/api/v1/organization/{orgname}/quota", { GET: orgQuotaList, POST: orgQuotaCreate }, quota),
  apiRoute(
    "/api/v1/organization/{orgname}/quota/{quota_id}",
    { GET: orgQuotaGet, PUT: orgQuotaUpdate, DELETE: orgQuotaDelete },
    quota,
  ),
  apiRoute(
    "/api/v1/organization/{orgname}/quota/{quota_id}/limit",
    { GET: limitList, POST: limitCreate },
    quota,
  ),
  apiRoute(
    "/api/v1/organization/{orgname}/quota/{quota_id}/limit/{limit_id}",
    { GET: limitGet, PUT: limitUpdate, DELETE: limitDelete },
    quota,
  ),
  apiRoute("/api/v1/user/quota", { GET: userQuotaList }, quota),
  apiRoute("/api/v1/user/quota/{quota_id}", { GET: userQuotaGet }, quota),
  apiRoute("/api/v1/user/quota/{quota_id}/limit", { GET: userLimitList }, quota),
  apiRoute("/api/v1/user/quota/{quota_id}/limit/{limit_id}", { GET: userLimitGet }, quota),
  apiRoute("/api/v1/superuser/users/{namespace}/quota", { GET: suQuotaList, POST: suQuotaCreate }, quota),
  apiRoute(
    "/api/v1/superuser/organization/{namespace}/quota",
    { GET: suQuotaList, POST: suQuotaCreate },
    quota,
  ),
  apiRoute(
    "/api/v1/superuser/users/{namespace}/quota/{quota_id}",
    { PUT: suQuotaUpdate, DELETE: suQuotaDelete },
    quota,
  ),
  apiRoute(
    "/api/v1/superuser/organization/{namespace}/quota/{quota_id}",
    { PUT: suQuotaUpdate, DELETE: suQuotaDelete },
    quota,
  ),
];
