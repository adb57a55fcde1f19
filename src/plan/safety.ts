/**
 * A plan can refuse itself (docs/design.md#designs-we-borrowed, octoDNS `Plan.raise_if_unsafe`): warnings for destructive steps,
 * and the change budgets of the registry file, which `quay-gitops apply` enforces unless --force.
 *
 * Pure: plan and budgets in, verdicts out. Messages carry numbers and the next step.
 */
import { type KindWarning, kindInfo, kinds } from "../kinds";
import { becomesPublic } from "../kinds/support";
import type { ChangeBudgets, DesiredState } from "../model/types";
import type { Plan } from "./types";

/**
 * Stable warning codes: the generic ones, and those particular to a kind (its descriptor's
 * `warnings`, src/kinds/): ORGANIZATION_DELETE, ORGANIZATION_RETAINED, REPOSITORY_DELETE,
 * REPOSITORY_RETAINED, REPOSITORY_PUBLIC, ROBOT_TOKEN_REGENERATED, ROBOT_DELETE, MIRROR_DISABLED,
 * USER_DELETE, TEAM_DELETE, PROXY_CACHE_DELETE, QUOTA_DELETE, TEAM_SYNC_ENABLED, TEAM_SYNC_DISABLED,
 * TEAM_SYNC_CHANGED, ROBOT_FEDERATION_ADDED, ROBOT_FEDERATION_REMOVED.
 */
export type WarningCode = "REPLACE" | "DELETE" | (string & {});

export interface PlanWarning {
  code: WarningCode;
  tenant: string;
  kind: string;
  /** The objects concerned (several when warnings of one kind are grouped), in plan order. */
  names: string[];
  message: string;
}

const list = (names: readonly string[]): string => names.join(", ");

/** Kinds in words, for messages that name several objects; a kind no descriptor knows by its name. */
function kindWords(kind: string): { one: string; many: string } {
  return kindInfo(kind)?.words ?? { one: kind, many: `${kind}s` };
}

/**
 * Destructive or risky steps, each with what it means for the people who use Quay. Warnings of the
 * same kind in one tenant are grouped into one line (removing a tenant lists its users in one line,
 * not one line each); the ones that need action per object (a robot's new token, a public repository,
 * an organization or repository deleted with its images) stay one per object. What a kind's steps
 * mean is its descriptor's (`warnings`); the generic delete and replace warnings cover the rest.
 */
export function planWarnings(plan: Pick<Plan, "changes">): PlanWarning[] {
  const out: PlanWarning[] = [];
  const groups = new Map<string, { w: PlanWarning; message: KindWarning["message"] }>();
  for (const c of plan.changes) {
    const add = ({ code, grouped, message }: KindWarning) => {
      if (!grouped) {
        out.push({ code, tenant: c.tenant, kind: c.kind, names: [c.name], message: message([c.name]) });
        return;
      }
      const key = `${c.tenant}\u0000${code}\u0000${c.kind}`;
      const g = groups.get(key);
      if (g) {
        g.w.names.push(c.name);
        g.w.message = g.message(g.w.names);
        return;
      }
      const w: PlanWarning = {
        code,
        tenant: c.tenant,
        kind: c.kind,
        names: [c.name],
        message: message([c.name]),
      };
      groups.set(key, { w, message });
      out.push(w);
    };
    const own = kindInfo(c.kind)?.warnings;
    if (c.op === "delete") {
      add(
        own?.delete?.(c) ?? {
          code: "DELETE",
          grouped: true,
          message: (n) =>
            `${n.length === 1 ? `${kindWords(c.kind).one} ${n[0]}` : `${n.length} ${kindWords(c.kind).many} (${list(n)})`} will be deleted`,
        },
      );
      continue;
    }
    if (c.op === "replace") {
      const why = c.replaceReasons?.length ? ` (${c.replaceReasons.join(", ")} cannot change in place)` : "";
      add(
        own?.replace?.(c, why) ?? {
          code: "REPLACE",
          grouped: false,
          message: (n) => `${c.kind} ${list(n)} will be deleted and re-created${why}`,
        },
      );
    }
    for (const w of own?.change?.(c) ?? []) add(w);
  }
  return out;
}

export type BudgetName = "maxDeletes" | "maxTenantChangePercent" | "requireAllowPublic";

export interface BudgetCheck {
  budget: BudgetName;
  ok: boolean;
  /** One line with the numbers (shown in the PR comment and in apply's refusal). */
  message: string;
}

export interface BudgetStatus {
  ok: boolean;
  checks: BudgetCheck[];
  /** Largest per-tenant change, for the status line. */
  largestTenantChange?: { tenant: string; changed: number; existing: number; percent: number };
  deletions: { deletes: number; replacements: number };
}

/** Whether a repository of the desired state acknowledges being public (`allowPublic: true`). */
export type PublicAllowance = (organization: string, repository: string) => boolean;

/** `allowPublic` of each repository in the tenant files. */
export function publicAllowance(state: Pick<DesiredState, "tenants">): PublicAllowance {
  const allowed = new Set<string>();
  for (const t of state.tenants) {
    for (const r of t.repositories) if (r.allowPublic) allowed.add(`${t.organization.name}/${r.name}`);
  }
  return (org, repo) => allowed.has(`${org}/${repo}`);
}

const plural = (n: number): string => (n === 1 ? "object" : "objects");

const pct = (n: number): string => `${Number.isInteger(n) ? n : n.toFixed(1)}%`;

/**
 * The change budgets (ChangeBudgets in src/model/types.ts):
 * - maxDeletes: deletions in one run; a replacement counts, since it deletes the object first, unless
 *   its kind says a replacement loses nothing (KindInfo.replaceLosesNothing: notifications);
 * - maxTenantChangePercent: per tenant with at least minObjectsForPercent objects in the state, the
 *   share of them updated, replaced or deleted; exactly the limit is allowed;
 * - requireAllowPublic: a repository created public or turned public needs `allowPublic: true`.
 */
export function checkBudgets(
  plan: Pick<Plan, "changes" | "tenants">,
  budgets: ChangeBudgets,
  allowPublic: PublicAllowance,
): BudgetStatus {
  const checks: BudgetCheck[] = [];
  const deletes = plan.changes.filter((c) => c.op === "delete").length;
  // Replacements of kinds that lose nothing by one (notifications) are no deletion to guard against.
  const harmless = plan.changes.filter((c) => c.op === "replace" && kindInfo(c.kind)?.replaceLosesNothing);
  const harmlessByTenant = new Map<string, number>();
  for (const c of harmless) harmlessByTenant.set(c.tenant, (harmlessByTenant.get(c.tenant) ?? 0) + 1);
  const replacements = plan.changes.filter((c) => c.op === "replace").length - harmless.length;
  const deletions = deletes + replacements;
  const detail =
    `${deletes} delete${deletes === 1 ? "" : "s"}, ${replacements} replacement${replacements === 1 ? "" : "s"}` +
    (harmless.length > 0
      ? `; not counted: ${harmless.length} re-created ${plural(harmless.length)} that ${harmless.length === 1 ? "loses" : "lose"} nothing`
      : "");
  checks.push(
    deletions > budgets.maxDeletes
      ? {
          budget: "maxDeletes",
          ok: false,
          message: `${deletions} deletions (${detail}) exceed maxDeletes ${budgets.maxDeletes}`,
        }
      : {
          budget: "maxDeletes",
          ok: true,
          message: `${deletions} deletion${deletions === 1 ? "" : "s"} (${detail}), at most ${budgets.maxDeletes}`,
        },
  );

  let largest: BudgetStatus["largestTenantChange"];
  const over: string[] = [];
  for (const t of plan.tenants) {
    if (t.existing === 0) continue;
    const changed =
      t.counts.update + t.counts.replace + t.counts.delete - (harmlessByTenant.get(t.name) ?? 0);
    const percent = (changed * 100) / t.existing;
    if (changed > 0 && t.existing >= budgets.minObjectsForPercent && (!largest || percent > largest.percent))
      largest = { tenant: t.name, changed, existing: t.existing, percent };
    if (t.existing >= budgets.minObjectsForPercent && percent > budgets.maxTenantChangePercent) {
      over.push(
        `tenant ${t.name}: ${changed} of its ${t.existing} objects changed (${pct(percent)}) exceeds maxTenantChangePercent ${budgets.maxTenantChangePercent}%`,
      );
    }
  }
  if (over.length > 0) {
    for (const message of over) checks.push({ budget: "maxTenantChangePercent", ok: false, message });
  } else {
    checks.push({
      budget: "maxTenantChangePercent",
      ok: true,
      message: largest
        ? `largest tenant change ${largest.tenant} ${largest.changed}/${largest.existing} (${pct(largest.percent)}), at most ${budgets.maxTenantChangePercent}% (tenants with ${budgets.minObjectsForPercent}+ objects)`
        : `no existing object of a tenant with ${budgets.minObjectsForPercent}+ objects changes, at most ${budgets.maxTenantChangePercent}%`,
    });
  }

  if (budgets.requireAllowPublic) {
    const refused: string[] = [];
    for (const c of plan.changes) {
      if (c.kind !== kinds.Repository.name || c.op === "delete") continue;
      const visibility = c.fields.find((f) => f.field === "visibility");
      const publicNow = c.op === "create" ? visibility?.new === "public" : becomesPublic(c);
      if (!publicNow) continue;
      const [org = "", ...rest] = c.name.split("/");
      if (!allowPublic(org, rest.join("/"))) refused.push(c.name);
    }
    checks.push(
      refused.length > 0
        ? {
            budget: "requireAllowPublic",
            ok: false,
            message: `repositor${refused.length === 1 ? "y" : "ies"} ${refused.join(", ")} would become public without allowPublic: true in the tenant file`,
          }
        : {
            budget: "requireAllowPublic",
            ok: true,
            message: "no repository turns public without allowPublic",
          },
    );
  }

  return {
    ok: checks.every((c) => c.ok),
    checks,
    ...(largest ? { largestTenantChange: largest } : {}),
    deletions: { deletes, replacements },
  };
}
