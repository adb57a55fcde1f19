import { type Ctx, ok, param, type Reply } from "../context";
import { DataModelError, internalError, MessageError, notFound, unauthorized, WERKZEUG } from "../errors";
import { requireFreshLogin } from "../session";
import type { Account, LogEntry } from "../state";
import { formatDate, orgAvatar, userAvatar } from "../views";
import { requireRepo } from "./repositories";
import { apiRoute, gates } from "./shared";

/**
 * Audit logs (docs/quay-api.md#audit-logs) as the database backend serves them: 20 entries a page, newest first;
 * the last page of the current table carries a `next_page` that leads to the next (empty) table, so
 * `next_page` appears even on a short page and following it gives `"logs": []` (docs/quay-api.md#emulator-gotchas).
 */

const LOGS_PER_PAGE = 20;
const DAY_MS = 86_400_000;
const SERVICE_LEVEL_LOG_KINDS = new Set([
  "service_key_create",
  "service_key_approve",
  "service_key_delete",
  "service_key_modify",
  "service_key_extend",
  "service_key_rotate",
]);

/** `datetime.strptime(s + " UTC", "%m/%d/%Y %Z")`, or undefined (silently falls back to defaults). */
function parseDay(value: string | null): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  if (!m) return undefined;
  const [mo, d, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return ms;
}

/** _validate_logs_arguments: defaults now-1d .. now, and the end is made inclusive (+1 day). */
function timeRange(ctx: Ctx): { start: number; end: number } {
  const start = parseDay(ctx.query.get("starttime")) ?? ctx.now - DAY_MS;
  const end = (parseDay(ctx.query.get("endtime")) ?? ctx.now) + DAY_MS;
  if (end < start) throw new MessageError(400, WERKZEUG.badRequest);
  return { start, end };
}

interface Filter {
  namespace?: string;
  repoId?: number;
  ignoreKinds?: Set<string>;
}

function matching(
  ctx: Ctx,
  filter: Filter,
  start: number,
  end: number,
  performer: Account | undefined,
): LogEntry[] {
  let accountId: number | undefined;
  if (filter.namespace !== undefined && filter.repoId === undefined) {
    const ns = ctx.store.account(filter.namespace);
    if (!ns || ns.kind === "robot")
      throw new DataModelError(`Invalid namespace requested: ${filter.namespace}`);
    accountId = ns.id;
  }
  return ctx.store.logs.filter(
    (l) =>
      l.datetimeMs >= start &&
      l.datetimeMs < end &&
      (filter.repoId === undefined || l.repoId === filter.repoId) &&
      (accountId === undefined || l.accountId === accountId) &&
      (performer === undefined || l.performerId === performer.id) &&
      !filter.ignoreKinds?.has(l.kind),
  );
}

function entryView(ctx: Ctx, l: LogEntry, includeNamespace: boolean): unknown {
  const view: Record<string, unknown> = {
    kind: l.kind,
    metadata: l.metadata,
    ip: l.ip,
    datetime: formatDate(l.datetimeMs),
  };
  // Whether Quay exposes the extended columns is unconfirmed (docs/quay-api.md#audit-logs): off unless the switch says so.
  if (l.extended && ctx.config.extendedLogFieldsInView) Object.assign(view, l.extended);
  const performer = l.performerId === null ? undefined : ctx.store.accounts.get(l.performerId);
  if (performer) {
    view.performer = {
      kind: "user",
      name: performer.username,
      is_robot: performer.kind === "robot",
      avatar: userAvatar(performer),
    };
  }
  if (includeNamespace && l.accountId !== null) {
    const ns = ctx.store.accounts.get(l.accountId);
    if (ns) {
      view.namespace =
        ns.kind === "org"
          ? { kind: "org", name: ns.username, avatar: orgAvatar(ns) }
          : { kind: "user", name: ns.username, avatar: userAvatar(ns) };
    }
  }
  return view;
}

interface PageToken {
  /** Keyset of the first entry of the page: (datetime, id), newest first. */
  at?: [number, number];
  /** The next log table (table fallback of TableLogsModel.lookup_logs). */
  tti?: number;
}

function readToken(raw: string | null): PageToken | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as PageToken;
  } catch {
    return undefined;
  }
}

const writeToken = (t: PageToken): string => Buffer.from(JSON.stringify(t), "utf8").toString("base64url");

function logsPage(ctx: Ctx, filter: Filter, includeNamespace: boolean, performerName?: string | null): Reply {
  const { start, end } = timeRange(ctx);
  let performer: Account | undefined;
  if (performerName) {
    performer = ctx.store.userOrRobot(performerName);
    // `assert performer` in lookup_logs: an unknown performer is a 500 (docs/quay-api.md#emulator-gotchas).
    if (!performer) throw internalError("AssertionError: performer");
  }
  const token = readToken(ctx.query.get("next_page"));
  const result: Record<string, unknown> = { start_time: formatDate(start), end_time: formatDate(end) };
  if (token?.tti !== undefined) {
    result.logs = [];
    return ok(result);
  }
  let entries = matching(ctx, filter, start, end, performer).sort(
    (a, b) => b.datetimeMs - a.datetimeMs || b.id - a.id,
  );
  const at = token?.at;
  if (at) entries = entries.filter((l) => l.datetimeMs < at[0] || (l.datetimeMs === at[0] && l.id <= at[1]));
  const page = entries.slice(0, LOGS_PER_PAGE);
  result.logs = page.map((l) => entryView(ctx, l, includeNamespace));
  const following = entries[LOGS_PER_PAGE];
  if (following) result.next_page = writeToken({ at: [following.datetimeMs, following.id] });
  else if (page.length > 0) result.next_page = writeToken({ tti: 1 });
  return ok(result);
}

function aggregated(ctx: Ctx, filter: Filter, performerName?: string | null): Reply {
  const { start, end } = timeRange(ctx);
  if (end - start > 31 * DAY_MS) throw new MessageError(400, "Invalid date range for logs");
  // An unknown performer is ignored here (docs/quay-api.md#emulator-gotchas).
  const performer = performerName ? ctx.store.userOrRobot(performerName) : undefined;
  const counts = new Map<string, { kind: string; day: number; count: number }>();
  for (const l of matching(ctx, filter, start, end, performer)) {
    const day = Math.floor(l.datetimeMs / DAY_MS) * DAY_MS;
    const key = `${l.kind}\u0000${day}`;
    const entry = counts.get(key) ?? { kind: l.kind, day, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const items = [...counts.values()]
    .sort((a, b) => a.day - b.day || a.kind.localeCompare(b.kind))
    .map((e) => ({ kind: e.kind, count: e.count, datetime: formatDate(e.day) }));
  return ok({ aggregated: items });
}

function orgCanRead(ctx: Ctx, orgname: string): void {
  const { perms } = ctx;
  if (!perms.orgAdmin(orgname) && !perms.isGlobalReadonly() && !perms.fullAccess()) {
    throw unauthorized(perms.authenticated);
  }
}

function repoFilter(ctx: Ctx): Filter {
  const { namespace, name } = requireRepo(ctx, 3, true);
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw notFound();
  return { namespace, repoId: repo.id };
}

function self(ctx: Ctx): Account {
  const { perms } = ctx;
  if (!perms.authenticated) throw unauthorized(false);
  if (!perms.userAdmin()) throw unauthorized(true);
  return ctx.caller.user as Account;
}

function superuserRead(ctx: Ctx): void {
  requireFreshLogin(ctx);
  if (!ctx.perms.anySuperuser()) throw unauthorized(true);
}

const orgLogs = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgCanRead(ctx, orgname);
  return logsPage(ctx, { namespace: orgname }, false, ctx.query.get("performer"));
};

const repoLogs = (ctx: Ctx): Reply => logsPage(ctx, repoFilter(ctx), false);

const userLogs = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return logsPage(
    ctx,
    { namespace: user.username, ignoreKinds: SERVICE_LEVEL_LOG_KINDS },
    false,
    ctx.query.get("performer"),
  );
};

const superuserLogs = (ctx: Ctx): Reply => {
  superuserRead(ctx);
  return logsPage(ctx, {}, true);
};

const orgAggregate = (ctx: Ctx): Reply => {
  const orgname = param(ctx, "orgname");
  orgCanRead(ctx, orgname);
  return aggregated(ctx, { namespace: orgname }, ctx.query.get("performer"));
};

const repoAggregate = (ctx: Ctx): Reply => aggregated(ctx, repoFilter(ctx));

const userAggregate = (ctx: Ctx): Reply => {
  const user = self(ctx);
  return aggregated(
    ctx,
    { namespace: user.username, ignoreKinds: SERVICE_LEVEL_LOG_KINDS },
    ctx.query.get("performer"),
  );
};

const superuserAggregate = (ctx: Ctx): Reply => {
  superuserRead(ctx);
  return aggregated(ctx, {});
};

const agg = { enabled: gates.aggregatedLogs };
const su = { enabled: gates.superUsers };
const suAgg = {
  enabled: (c: Parameters<typeof gates.superUsers>[0]) => gates.superUsers(c) && gates.aggregatedLogs(c),
};

export const logRoutes = [
  apiRoute("/api/v1/organization/{orgname}/logs", { GET: orgLogs }),
  apiRoute("/api/v1/repository/{repository:repo}/logs", { GET: repoLogs }),
  apiRoute("/api/v1/user/logs", { GET: userLogs }),
  apiRoute("/api/v1/superuser/logs", { GET: superuserLogs }, su),
  apiRoute("/api/v1/organization/{orgname}/aggregatelogs", { GET: orgAggregate }, agg),
  apiRoute("/api/v1/repository/{repository:repo}/aggregatelogs", { GET: repoAggregate }, agg),
  apiRoute("/api/v1/user/aggregatelogs", { GET: userAggregate }, agg),
  apiRoute("/api/v1/superuser/aggregatelogs", { GET: superuserAggregate }, suAgg),
];
