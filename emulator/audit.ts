import type { Caller } from "./auth";
import type { Account, LogEntry, Repository, Store } from "./state";

/**
 * The audit log writer (docs/quay-api.md#audit-logs). `logAction` is endpoints/api.log_action: the account is the
 * namespace named in the call, the performer is the authenticated user, and an OAuth token adds its
 * id, client id and application name to the metadata so a reconciler can recognise its own changes.
 * `trackAndLog` is util/audit.track_and_log, used by the mirror endpoints: same row, other metadata.
 */

export interface LogContext {
  readonly store: Store;
  readonly caller: Caller;
  readonly ip: string;
  readonly userAgent: string;
  readonly now: number;
  /**
   * FEATURE_EXTENDED_ACTION_LOGGING columns of this request (request URL, method, auth type, user
   * agent, performer kind, request id, X-Forwarded-For), or undefined when the flag is off.
   */
  readonly extendedLog?: Readonly<Record<string, unknown>>;
}

function write(
  ctx: LogContext,
  kind: string,
  account: Account | undefined,
  repo: Repository | undefined,
  metadata: Record<string, unknown>,
): LogEntry {
  const entry: LogEntry = {
    id: ctx.store.newId(),
    kind,
    accountId: account?.id ?? null,
    repoId: repo?.id ?? null,
    performerId: ctx.caller.user?.id ?? null,
    ip: ctx.ip,
    datetimeMs: ctx.now,
    metadata,
    ...(ctx.extendedLog ? { extended: { ...ctx.extendedLog } } : {}),
  };
  ctx.store.logs.push(entry);
  return entry;
}

export function logAction(
  ctx: LogContext,
  kind: string,
  namespace: string,
  metadata: Record<string, unknown>,
  repo?: Repository,
): LogEntry {
  const md = { ...metadata };
  const token = ctx.caller.token;
  if (token) {
    md.oauth_token_id = token.id;
    md.oauth_token_application_id = token.clientId;
    md.oauth_token_application = token.appName;
  }
  return write(ctx, kind, ctx.store.account(namespace), repo, md);
}

/**
 * What util/audit.track_and_log adds from ipresolver.resolve_ip(request IP): Quay's bundled AWS ranges
 * (util/ipresolver/aws-ip-ranges.json, syncToken 1645662201 in 3.18.0) and its GeoIP database say
 * nothing about a private or loopback address, so the answer is "internet" with no country or region.
 */
export const RESOLVED_IP = {
  provider: "internet",
  service: null,
  sync_token: "1645662201",
  country_iso_code: null,
  aws_region: null,
  continent: null,
} as const;

export function trackAndLog(
  ctx: LogContext,
  kind: string,
  repo: Repository,
  namespace: string,
  extra: Record<string, unknown>,
): LogEntry {
  const md: Record<string, unknown> = { repo: repo.name, namespace, "user-agent": ctx.userAgent, ...extra };
  const token = ctx.caller.token;
  const user = ctx.caller.user;
  // The auth context's public metadata (auth/context_entity.py): an OAuth token's id, client id,
  // application and user; a signed-in user's name alone.
  if (token && user) {
    md.oauth_token_id = token.id;
    md.oauth_token_application_id = token.clientId;
    md.oauth_token_application = token.appName;
    md.username = user.username;
  } else if (user) md.username = user.username;
  md.resolved_ip = { ...RESOLVED_IP };
  return write(ctx, kind, ctx.store.account(namespace), repo, md);
}

/** Worker-side logs (mirror worker): no performer, no request metadata. */
export function workerLog(
  store: Store,
  kind: string,
  namespace: Account,
  repo: Repository,
  metadata: Record<string, unknown>,
  now: number,
): LogEntry {
  const entry: LogEntry = {
    id: store.newId(),
    kind,
    accountId: namespace.id,
    repoId: repo.id,
    performerId: null,
    ip: "",
    datetimeMs: now,
    metadata,
  };
  store.logs.push(entry);
  return entry;
}
