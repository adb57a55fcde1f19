import { describe, expect, it } from "vitest";
import type { ChangeBudgets } from "../../../src/model/types";
import { planFromEvents } from "../../../src/plan/events";
import { checkBudgets, planWarnings, publicAllowance } from "../../../src/plan/safety";
import type { Plan, PlannedChange, TenantPlan } from "../../../src/plan/types";
import { samplePreviewEvents, STACK } from "./events";

const BUDGETS: ChangeBudgets = {
  maxDeletes: 10,
  maxTenantChangePercent: 30,
  minObjectsForPercent: 10,
  requireAllowPublic: true,
};
const nobodyPublic = () => false;

describe("warnings", () => {
  const warnings = planWarnings(planFromEvents(STACK, samplePreviewEvents()));

  it("names every destructive step with what it means", () => {
    expect(warnings.map((w) => `${w.code} ${w.names.join(",")}`)).toEqual([
      "MIRROR_DISABLED acme/ubi9",
      "ROBOT_TOKEN_REGENERATED acme+ci",
      "TEAM_DELETE acme/release-managers",
      "REPOSITORY_PUBLIC newco/app",
      "ORGANIZATION_RETAINED oldco",
      "REPOSITORY_DELETE oldco/legacy",
      "USER_DELETE oldco-ann,oldco-bob",
    ]);
    const token = warnings.find((w) => w.code === "ROBOT_TOKEN_REGENERATED")!;
    expect(token.message).toBe(
      "robot acme+ci will be deleted and re-created (description cannot change in place): it gets a NEW TOKEN; update every pull secret and CI variable that uses it",
    );
    expect(warnings.find((w) => w.code === "USER_DELETE")!.message).toBe(
      "users oldco-ann, oldco-bob will be deleted from Quay, with everything in their namespaces",
    );
    expect(warnings.find((w) => w.code === "REPOSITORY_DELETE")!.message).toContain(
      "DELETED with its images",
    );
    expect(warnings.find((w) => w.code === "ORGANIZATION_RETAINED")!.message).toContain("stays in Quay");
  });

  it("groups deletes of one kind per tenant, in words", () => {
    const policy = (name: string): PlannedChange => ({
      tenant: "g",
      kind: "AutoPrunePolicy",
      name,
      op: "delete",
      urn: name,
      fields: [],
    });
    expect(planWarnings({ changes: [policy("g/prune/a")] })[0]!.message).toBe(
      "auto-prune policy g/prune/a will be deleted",
    );
    const both = planWarnings({ changes: [policy("g/prune/a"), policy("g/prune/b")] });
    expect(both).toHaveLength(1);
    expect(both[0]).toMatchObject({
      names: ["g/prune/a", "g/prune/b"],
      message: "2 auto-prune policies (g/prune/a, g/prune/b) will be deleted",
    });
  });

  it("warns of a mirror's removal as a disable (Quay cannot delete one)", () => {
    const c: PlannedChange = {
      tenant: "acme",
      kind: "RepositoryMirror",
      name: "acme/ubi9",
      op: "delete",
      urn: "u",
      fields: [{ field: "enabled", old: true }],
    };
    expect(planWarnings({ changes: [c] })[0]).toMatchObject({ code: "MIRROR_DISABLED" });
  });
});

function planWith(tenant: Partial<TenantPlan> & { name: string }, changes: PlannedChange[] = []): Plan {
  const counts = { create: 0, update: 0, replace: 0, delete: 0, same: 0, ...tenant.counts };
  return {
    stack: STACK,
    changes,
    tenants: [{ status: "changed", existing: 0, ...tenant, counts }],
    counts,
  };
}

const del = (i: number): PlannedChange => ({
  tenant: "t",
  kind: "Team",
  name: `t/${i}`,
  op: "delete",
  urn: `u${i}`,
  fields: [],
});
const rep = (i: number): PlannedChange => ({
  tenant: "t",
  kind: "Robot",
  name: `t+${i}`,
  op: "replace",
  urn: `r${i}`,
  fields: [],
});

describe("change budgets", () => {
  it("maxDeletes: exactly the limit passes, one more is refused; replacements count", () => {
    const at = checkBudgets(
      { changes: [...Array.from({ length: 9 }, (_, i) => del(i)), rep(0)], tenants: [] },
      BUDGETS,
      nobodyPublic,
    );
    expect(at.checks[0]).toMatchObject({ budget: "maxDeletes", ok: true });
    const over = checkBudgets(
      { changes: [...Array.from({ length: 10 }, (_, i) => del(i)), rep(0)], tenants: [] },
      BUDGETS,
      nobodyPublic,
    );
    expect(over.ok).toBe(false);
    expect(over.checks[0]).toEqual({
      budget: "maxDeletes",
      ok: false,
      message: "11 deletions (10 deletes, 1 replacement) exceed maxDeletes 10",
    });
  });

  it("replacements that lose nothing (notifications) count against neither budget; their deletion does", () => {
    const notification = (i: number, op: "replace" | "delete"): PlannedChange => ({
      tenant: "t",
      kind: "RepositoryNotification",
      name: `t/r${i}/notification/repo_push/slack`,
      op,
      urn: `n${i}`,
      fields: [],
    });
    const replaced = Array.from({ length: 12 }, (_, i) => notification(i, "replace"));
    const plan = planWith({ name: "t", existing: 20, counts: { replace: 12, same: 8 } as never });
    const ok = checkBudgets({ ...plan, changes: replaced }, BUDGETS, nobodyPublic);
    expect(ok.ok).toBe(true);
    expect(ok.checks[0]).toEqual({
      budget: "maxDeletes",
      ok: true,
      message:
        "0 deletions (0 deletes, 0 replacements; not counted: 12 re-created objects that lose nothing), at most 10",
    });
    const deleted = Array.from({ length: 12 }, (_, i) => notification(i, "delete"));
    const over = checkBudgets(
      {
        ...planWith({ name: "t", existing: 20, counts: { delete: 12, same: 8 } as never }),
        changes: deleted,
      },
      BUDGETS,
      nobodyPublic,
    );
    expect(over.ok).toBe(false);
    expect(over.checks.filter((c) => !c.ok).map((c) => c.budget)).toEqual([
      "maxDeletes",
      "maxTenantChangePercent",
    ]);
  });

  it("a robot created again: its default permission's replacement is not counted, the robot's is", () => {
    const change = (kind: string, name: string): PlannedChange => ({
      tenant: "t",
      kind,
      name,
      op: "replace",
      urn: `${kind}:${name}`,
      fields: [],
    });
    const status = checkBudgets(
      {
        changes: [change("Robot", "t+ci"), change("DefaultPermission", "t/default/robot:t+ci")],
        tenants: [],
      },
      BUDGETS,
      nobodyPublic,
    );
    expect(status.checks[0]!.message).toBe(
      "1 deletion (0 deletes, 1 replacement; not counted: 1 re-created object that loses nothing), at most 10",
    );
  });

  it("maxTenantChangePercent: 30% of 10 objects passes, 4 of 10 is refused", () => {
    const ok = checkBudgets(
      planWith({ name: "t", existing: 10, counts: { update: 3, same: 7 } as never }),
      BUDGETS,
      nobodyPublic,
    );
    expect(ok.ok).toBe(true);
    expect(ok.largestTenantChange).toEqual({ tenant: "t", changed: 3, existing: 10, percent: 30 });
    const over = checkBudgets(
      planWith({ name: "t", existing: 10, counts: { update: 2, delete: 1, replace: 1, same: 6 } as never }),
      BUDGETS,
      nobodyPublic,
    );
    expect(over.ok).toBe(false);
    expect(over.checks.find((c) => !c.ok)!.message).toBe(
      "tenant t: 4 of its 10 objects changed (40%) exceeds maxTenantChangePercent 30%",
    );
  });

  it("maxTenantChangePercent applies from minObjectsForPercent objects on, and never to creates", () => {
    const small = checkBudgets(
      planWith({ name: "t", existing: 9, counts: { delete: 9 } as never }),
      BUDGETS,
      nobodyPublic,
    );
    expect(small.checks.find((c) => c.budget === "maxTenantChangePercent")!.ok).toBe(true);
    const created = checkBudgets(
      planWith({ name: "t", existing: 10, counts: { create: 50, same: 10 } as never }),
      BUDGETS,
      nobodyPublic,
    );
    expect(created.ok).toBe(true);
  });

  it("requireAllowPublic: a repository created or turned public needs allowPublic", () => {
    const plan = planFromEvents(STACK, samplePreviewEvents());
    const refused = checkBudgets(plan, BUDGETS, nobodyPublic);
    expect(refused.checks.find((c) => c.budget === "requireAllowPublic")).toEqual({
      budget: "requireAllowPublic",
      ok: false,
      message: "repository newco/app would become public without allowPublic: true in the tenant file",
    });
    const allowed = publicAllowance({
      tenants: [
        { organization: { name: "newco" }, repositories: [{ name: "app", allowPublic: true }] },
      ] as never,
    });
    expect(
      checkBudgets(plan, BUDGETS, allowed).checks.find((c) => c.budget === "requireAllowPublic")!.ok,
    ).toBe(true);
    expect(
      checkBudgets(plan, { ...BUDGETS, requireAllowPublic: false }, nobodyPublic).checks.map((c) => c.budget),
    ).not.toContain("requireAllowPublic");
  });

  it("a repository that stays public is no new exposure", () => {
    const c: PlannedChange = {
      tenant: "t",
      kind: "Repository",
      name: "t/r",
      op: "update",
      urn: "u",
      fields: [{ field: "description", old: "a", new: "b" }],
    };
    expect(checkBudgets({ changes: [c], tenants: [] }, BUDGETS, nobodyPublic).ok).toBe(true);
  });
});
