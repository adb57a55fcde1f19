import type { ResolvedConfig } from "../config";
import type { Ctx, Handler } from "../context";
import { notFound, unauthorized } from "../errors";
import type { RouteDef } from "../router";
import type { Account, NamespaceSize, Quota, QuotaLimit, Repository, Store } from "../state";
import { humanBytes } from "../views";

/** Helpers shared by several route modules: route definitions, feature gates, checks, quota views. */

export function apiRoute(
  template: string,
  methods: Partial<Record<string, Handler>>,
  options: { enabled?: (c: ResolvedConfig) => boolean; anonAllowed?: boolean } = {},
): RouteDef<Handler> {
  return { template, kind: "api", methods, ...options };
}

export const gates = {
  superUsers: (c: ResolvedConfig) => c.feature("FEATURE_SUPER_USERS"),
  /** Quota views appear in org/user/repo views with QUOTA_MANAGEMENT and EDIT_QUOTA. */
  quotaViews: (c: ResolvedConfig) => c.feature("FEATURE_QUOTA_MANAGEMENT") && c.feature("FEATURE_EDIT_QUOTA"),
  /** The quota endpoints themselves also need FEATURE_SUPER_USERS (docs/quay-api.md#features). */
  quotaApi: (c: ResolvedConfig) =>
    c.feature("FEATURE_SUPER_USERS") &&
    c.feature("FEATURE_QUOTA_MANAGEMENT") &&
    c.feature("FEATURE_EDIT_QUOTA"),
  mirror: (c: ResolvedConfig) => c.feature("FEATURE_REPO_MIRROR"),
  proxyCache: (c: ResolvedConfig) => c.feature("FEATURE_PROXY_CACHE"),
  autoPrune: (c: ResolvedConfig) => c.feature("FEATURE_AUTO_PRUNE"),
  immutableTags: (c: ResolvedConfig) => c.feature("FEATURE_IMMUTABLE_TAGS"),
  mailing: (c: ResolvedConfig) => c.feature("FEATURE_MAILING"),
  teamSyncing: (c: ResolvedConfig) => c.feature("FEATURE_TEAM_SYNCING"),
  aggregatedLogs: (c: ResolvedConfig) => c.feature("FEATURE_AGGREGATED_LOG_COUNT_RETRIEVAL"),
};

/** `features.TEAM_SYNCING and authentication.federated_service`: whether Quay looks at team syncs at all. */
export function syncActive(ctx: { readonly config: ResolvedConfig }): boolean {
  return ctx.config.feature("FEATURE_TEAM_SYNCING") && ctx.config.directory.service !== null;
}

export function limitView(l: QuotaLimit): { id: number; type: string; limit_percent: number } {
  return { id: l.id, type: l.type, limit_percent: l.percent };
}

/** The short quota view embedded in org, user and superuser views (docs/quay-api.md#organizations, docs/quay-api.md#quotas). */
export function shortQuotaView(store: Store, q: Quota): unknown {
  return { id: q.id, limit_bytes: q.limitBytes, limits: store.limitsOf(q.id).map(limitView) };
}

/** namespacequota.quota_view: the `/quota` endpoints' view (docs/quay-api.md#quotas). */
export function fullQuotaView(store: Store, config: ResolvedConfig, q: Quota | undefined): unknown {
  const systemDefault = config.defaultSystemRejectQuotaBytes;
  const limitBytes = q ? q.limitBytes : systemDefault;
  return {
    id: q ? q.id : null,
    limit_bytes: limitBytes,
    limit: humanBytes(limitBytes),
    default_config: !q,
    limits: q ? store.limitsOf(q.id).map(limitView) : [],
    default_config_exists: systemDefault !== 0,
  };
}

/** fetch_system_default / the namespace's one quota: the `configured_quota` of reports. */
export function configuredQuota(store: Store, config: ResolvedConfig, ns: Account): number | null {
  const q = store.quotaOf(ns.id);
  if (q) return q.limitBytes;
  return config.defaultSystemRejectQuotaBytes !== 0 ? config.defaultSystemRejectQuotaBytes : null;
}

/**
 * get_quota_for_view (data/model/namespacequota.py at v3.18.0): the namespace's size row, or 0 and
 * a switch for a namespace without one (EMULATOR_QUOTA_BACKFILL_STATUS, default "waiting" as Quay says).
 */
export function quotaReport(store: Store, config: ResolvedConfig, ns: Account): unknown {
  const row = ns.quotaSize;
  const status = row ? backfillStatus(row) : config.quotaBackfillStatus;
  return {
    quota_bytes: row ? row.sizeBytes : 0,
    configured_quota: configuredQuota(store, config, ns),
    running_backfill: status,
    backfill_status: status,
  };
}

/** The same function's four cases; a row marked complete that never started reports "". */
function backfillStatus(row: NamespaceSize): string {
  const started = row.backfillStartMs !== null;
  if (!started && !row.backfillComplete) return "waiting";
  if (started && !row.backfillComplete) return "running";
  if (started && row.backfillComplete) return "complete";
  return "";
}

/**
 * An organization's tag policies, auto-prune and immutability alike, are read by its admins and by
 * superusers who may view everything; both kinds of handler check the same permissions.
 */
export function orgPolicyCanRead(ctx: Ctx, orgname: string): void {
  const { perms } = ctx;
  if (!perms.orgAdmin(orgname) && !perms.canViewAsSuperuser()) throw unauthorized(perms.authenticated);
}

/** Only the organization's admins change its tag policies. */
export function orgPolicyCanWrite(ctx: Ctx, orgname: string): void {
  if (!ctx.perms.orgAdmin(orgname)) throw unauthorized(ctx.perms.authenticated);
}

export function repoOr404(ctx: Ctx, namespace: string, name: string): Repository {
  const repo = ctx.store.repo(namespace, name);
  if (!repo) throw notFound();
  return repo;
}

/** What auto-prune and immutability policies have in common: where they belong. */
interface TagPolicy {
  id: number;
  namespaceId: number;
  repoId: number | null;
}

/** A namespace's own tag policies (not its repositories'), oldest first. */
export function namespaceTagPolicies<P extends TagPolicy>(
  ctx: Ctx,
  policies: Map<number, P>,
  name: string,
): P[] {
  const ns = ctx.store.account(name);
  if (!ns) return [];
  return [...policies.values()]
    .filter((p) => p.namespaceId === ns.id && p.repoId === null)
    .sort((a, b) => a.id - b.id);
}

/** A repository's tag policies, oldest first. */
export function repositoryTagPolicies<P extends TagPolicy>(policies: Map<number, P>, repo: Repository): P[] {
  return [...policies.values()].filter((p) => p.repoId === repo.id).sort((a, b) => a.id - b.id);
}
