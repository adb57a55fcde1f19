/**
 * The preview report: the plan plus what is judged about it and where it came from. This one value is
 * what every renderer (markdown.ts, json.ts, text.ts) shows; nothing in it depends on the clock, so the
 * same inputs always give the same comment.
 */
import { planChecksum } from "./checksum";
import {
  type BudgetStatus,
  checkBudgets,
  type PlanWarning,
  type PublicAllowance,
  planWarnings,
} from "./safety";
import type { ChangeBudgets } from "../model/types";
import type { Selection } from "./selection";
import type { Plan } from "./types";

export type FileStatus = "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";

/** A tenant or registry file the branch changed (`git diff base...HEAD`). */
export interface ChangedFile {
  path: string;
  status: FileStatus;
  /** The old path of a rename or copy. */
  from?: string;
}

export interface ReportSource {
  /** The commit the tenant files come from (HEAD, or `--ref`), when in a Git repository. */
  commit?: string;
  branch?: string;
  /** `--ref` when the tenants were read from a ref rather than the working tree. */
  ref?: string;
  /** `--base`: what the changed files are compared with. */
  base?: string;
  tenantsDir: string;
  registryFile: string;
  /** Tenant name → its file (relative to the repository), for the per-tenant headings. */
  tenantFiles: Record<string, string>;
  /** Whether the plan was made after reading the live registry (preview --refresh). */
  refreshed: boolean;
  /** The tenants the plan covers and why (all, or those changed since the last apply). */
  selection?: Selection;
}

export interface PreviewReport {
  stack: string;
  plan: Plan;
  warnings: PlanWarning[];
  budgets: BudgetStatus;
  checksum: string;
  source: ReportSource;
  /** Undefined when no base was given (the section is left out). */
  changedFiles?: ChangedFile[];
  /** Validation warnings and notices of the tenant files (errors stop before a plan exists). */
  notes: string[];
}

export function buildPreviewReport(input: {
  plan: Plan;
  budgets: ChangeBudgets;
  allowPublic: PublicAllowance;
  source: ReportSource;
  changedFiles?: ChangedFile[] | undefined;
  notes?: string[];
}): PreviewReport {
  return {
    stack: input.plan.stack,
    plan: input.plan,
    warnings: planWarnings(input.plan),
    budgets: checkBudgets(input.plan, input.budgets, input.allowPublic),
    checksum: planChecksum(input.plan),
    source: input.source,
    ...(input.changedFiles ? { changedFiles: input.changedFiles } : {}),
    notes: input.notes ?? [],
  };
}

export type VerdictLevel = "no-changes" | "ok" | "warnings" | "refused";

export interface Verdict {
  level: VerdictLevel;
  /** One line, no Markdown. */
  text: string;
}

function countsText(plan: Plan): string {
  const c = plan.counts;
  const parts: string[] = [];
  if (c.create) parts.push(`${c.create} to create`);
  if (c.update) parts.push(`${c.update} to update`);
  if (c.replace) parts.push(`${c.replace} to replace`);
  if (c.delete) parts.push(`${c.delete} to delete`);
  return parts.join(", ");
}

/** Tenants with at least one change. */
export function changedTenants(plan: Plan): string[] {
  return plan.tenants.filter((t) => t.status !== "unchanged").map((t) => t.name);
}

/** The one-line verdict at the top of every rendering. */
export function verdict(report: PreviewReport): Verdict {
  const { plan } = report;
  if (plan.changes.length === 0) {
    const sel = report.source.selection;
    return {
      level: "no-changes",
      text:
        sel && !sel.all
          ? `No changes: Quay already matches the tenant files of the tenants looked at (${sel.unchanged} unchanged since the last apply were not read).`
          : "No changes: Quay already matches the tenant files.",
    };
  }
  const tenants = changedTenants(plan);
  const where = `in ${tenants.length} tenant${tenants.length === 1 ? "" : "s"} (${tenants.join(", ")})`;
  if (!report.budgets.ok) {
    const first = report.budgets.checks.find((c) => !c.ok)!;
    return {
      level: "refused",
      text: `apply will REFUSE this plan (${countsText(plan)} ${where}): ${first.message}; it needs --force.`,
    };
  }
  if (report.warnings.length > 0) {
    const n = report.warnings.length;
    return {
      level: "warnings",
      // Not all destructive: a repository created public is a warning too (src/kinds/repository.ts).
      text: `${countsText(plan)} ${where}, within the change budgets; ${n} warning${n === 1 ? "" : "s"} to review.`,
    };
  }
  return { level: "ok", text: `${countsText(plan)} ${where}, within the change budgets.` };
}
