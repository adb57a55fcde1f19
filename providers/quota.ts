import { quota as descriptor } from "../src/kinds/quota";
import type { QuotaLimitModel } from "../src/model/types";
import {
  createQuota,
  createQuotaLimit,
  deleteQuota,
  deleteQuotaLimit,
  getQuota,
  type QuotaShortView,
  setQuotaLimit,
  updateQuotaLimit,
} from "../src/quay/api/quotas";
import { ObjectGoneError, QuayGitopsError } from "../src/errors";
import type { Context, Kind } from "./base";
import { cmp, type Failures, namespaceName, positiveInt } from "./validate";

/** An organization's quota with its warning and reject limits (docs/quay-api.md#quotas). */
export interface QuotaInputs {
  organization: string;
  limitBytes: number;
  limits: QuotaLimitModel[];
}

export interface QuotaState extends QuotaInputs {
  quotaId: number;
}

const sortLimits = (ls: readonly QuotaLimitModel[]): QuotaLimitModel[] =>
  [...ls].sort((a, b) => cmp(a.type, b.type) || a.thresholdPercent - b.thresholdPercent);

const liveOf = (q: QuotaShortView, org: string): QuotaState => ({
  organization: org,
  limitBytes: q.limit_bytes,
  limits: sortLimits(q.limits.map((l) => ({ type: l.type, thresholdPercent: l.limit_percent }))),
  quotaId: q.id,
});

/**
 * Limits by (type, threshold). A limit whose threshold moved is changed in place (one PUT) rather
 * than deleted and created (two requests).
 */
async function convergeLimits(
  c: Context,
  org: string,
  q: QuotaShortView,
  want: readonly QuotaLimitModel[],
): Promise<void> {
  const key = (type: string, pct: number) => `${type}:${pct}`;
  const have = new Map(q.limits.map((l) => [key(l.type, l.limit_percent), l]));
  const wantKeys = new Set(want.map((l) => key(l.type, l.thresholdPercent)));
  const missing = want.filter((l) => !have.has(key(l.type, l.thresholdPercent)));
  const extra = q.limits.filter((l) => !wantKeys.has(key(l.type, l.limit_percent)));
  const ops: Promise<unknown>[] = [];
  for (const m of missing) {
    const i = extra.findIndex((x) => x.type === m.type);
    if (i >= 0) {
      const [moved] = extra.splice(i, 1);
      ops.push(updateQuotaLimit(c.session, org, q.id, moved!.id, m));
    } else ops.push(createQuotaLimit(c.session, org, q.id, m));
  }
  for (const x of extra) ops.push(deleteQuotaLimit(c.session, org, q.id, x.id));
  await Promise.all(ops);
}

async function converge(c: Context, q: QuotaShortView, d: QuotaInputs): Promise<QuotaState> {
  if (q.limit_bytes !== d.limitBytes) await setQuotaLimit(c.session, d.organization, q.id, d.limitBytes);
  await convergeLimits(c, d.organization, q, d.limits);
  return { ...d, quotaId: q.id };
}

export const quota: Kind<QuotaInputs, QuotaState> = {
  info: descriptor,
  kind: descriptor.name,
  fields: ["organization", "limitBytes", "limits"],
  replaceOn: { organization: "a quota belongs to one organization" },
  validate(d) {
    const f: Failures = [];
    namespaceName(f, "organization", d.organization);
    positiveInt(f, "limitBytes", d.limitBytes);
    (d.limits ?? []).forEach((l, i) => {
      if (l.type !== "Warning" && l.type !== "Reject")
        f.push([`limits[${i}].type`, "must be Warning or Reject"]);
      if (!Number.isInteger(l.thresholdPercent) || l.thresholdPercent < 1 || l.thresholdPercent > 100) {
        f.push([
          `limits[${i}].thresholdPercent`,
          "must be an integer between 1 and 100 (docs/quay-api.md#quotas)",
        ]);
      }
    });
    return f;
  },
  normalize: (d) => ({ ...d, limits: sortLimits(d.limits ?? []) }),
  id: (d) => d.organization,

  async create(c, d) {
    const existing = await getQuota(c.session, d.organization);
    if (existing === null)
      throw new QuayGitopsError("QG_ERR_QUAY_RESPONSE", `organization ${d.organization} does not exist`);
    if (existing) {
      c.log.info(`adopted existing quota of ${d.organization}`);
      return converge(c, existing, d);
    }
    const q = await createQuota(c.session, d.organization, d.limitBytes);
    return converge(c, q, d);
  },

  async read(c, _id, state) {
    const q = await getQuota(c.session, state.organization);
    return q ? liveOf(q, state.organization) : undefined;
  },

  async update(c, _id, _state, d) {
    const q = await getQuota(c.session, d.organization);
    if (!q) throw new ObjectGoneError(`the quota of ${d.organization}`);
    return converge(c, q, d);
  },

  async delete(c, _id, state) {
    // Deleting the quota deletes its limits too (docs/quay-api.md#quotas).
    const q = await getQuota(c.session, state.organization);
    if (q) await deleteQuota(c.session, state.organization, q.id);
  },
};
