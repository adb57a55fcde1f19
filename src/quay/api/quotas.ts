import { apiPath } from "../paths";
import { getOrganization } from "./organizations";
import { isNotFound, orgScope, type QuaySession } from "./session";

export interface QuotaLimitView {
  id: number;
  type: "Warning" | "Reject";
  limit_percent: number;
}

export interface QuotaShortView {
  id: number;
  limit_bytes: number;
  limits: QuotaLimitView[];
}

/**
 * The organization's quota from the org view (its short quota view, docs/quay-api.md#quotas): the same cached GET
 * that serves the Organization and Team resources. Quay keeps at most one quota per namespace.
 */
export async function getQuota(s: QuaySession, org: string): Promise<QuotaShortView | undefined | null> {
  const view = await getOrganization(s, org);
  if (!view) return null;
  const q = view.quotas?.[0];
  return q ? { ...q, limits: q.limits.map((l) => ({ ...l, type: normalizeType(l.type) })) } : undefined;
}

const normalizeType = (t: string): "Warning" | "Reject" =>
  t.toLowerCase() === "reject" ? "Reject" : "Warning";

/**
 * Quota writes need a superuser token with FEATURE_SUPERUSERS_FULL_ACCESS (docs/quay-api.md#quotas). POST answers
 * "Created" without the id (docs/quay-api.md#ordering): the id comes from a fresh read.
 */
export async function createQuota(s: QuaySession, org: string, limitBytes: number): Promise<QuotaShortView> {
  await s.write("POST", apiPath`/api/v1/organization/${org}/quota`, {
    scope: orgScope(org),
    body: { limit_bytes: limitBytes },
    landed: async () => {
      s.invalidate(orgScope(org));
      return (await getQuota(s, org)) != null;
    },
  });
  s.invalidate(orgScope(org));
  const q = await getQuota(s, org);
  if (!q) throw new Error(`quota of ${org} was created but is not listed`);
  return q;
}

export async function setQuotaLimit(
  s: QuaySession,
  org: string,
  quotaId: number,
  limitBytes: number,
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/organization/${org}/quota/${quotaId}`, {
    scope: orgScope(org),
    body: { limit_bytes: limitBytes },
  });
}

export async function deleteQuota(s: QuaySession, org: string, quotaId: number): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/quota/${quotaId}`, { scope: orgScope(org) });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Limit creates answer "Created" without an id; a duplicate (same type and threshold) is a 400 (docs/quay-api.md#quotas). */
export async function createQuotaLimit(
  s: QuaySession,
  org: string,
  quotaId: number,
  limit: { type: "Warning" | "Reject"; thresholdPercent: number },
): Promise<void> {
  const present = async () => {
    s.invalidate(orgScope(org));
    const q = await getQuota(s, org);
    return !!q?.limits.some((l) => l.type === limit.type && l.limit_percent === limit.thresholdPercent);
  };
  await s.write("POST", apiPath`/api/v1/organization/${org}/quota/${quotaId}/limit`, {
    scope: orgScope(org),
    body: { type: limit.type, threshold_percent: limit.thresholdPercent },
    landed: present,
  });
}

/** Moves a limit's threshold in place (one request instead of a delete and a create). */
export async function updateQuotaLimit(
  s: QuaySession,
  org: string,
  quotaId: number,
  limitId: number,
  limit: { type: "Warning" | "Reject"; thresholdPercent: number },
): Promise<void> {
  await s.write("PUT", apiPath`/api/v1/organization/${org}/quota/${quotaId}/limit/${limitId}`, {
    scope: orgScope(org),
    body: { type: limit.type, threshold_percent: limit.thresholdPercent },
  });
}

export async function deleteQuotaLimit(
  s: QuaySession,
  org: string,
  quotaId: number,
  limitId: number,
): Promise<void> {
  try {
    await s.write("DELETE", apiPath`/api/v1/organization/${org}/quota/${quotaId}/limit/${limitId}`, {
      scope: orgScope(org),
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
