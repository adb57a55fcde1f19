import { describe, expect, it } from "vitest";
import type { TenantModel } from "../../../src/model/types";
import {
  applyMessage,
  changedSecrets,
  describeSelection,
  differingTenants,
  lastApplyOf,
  newObjectTarget,
  type SelectionInput,
  selectionTargets,
  selectTenants,
  type StateEntry,
} from "../../../src/plan/selection";
import { tenantObjects } from "../../../src/program/desired";
import { projectRoot } from "../../../src/project";
import { loadDesiredState } from "../../../src/tenant";

const NOW = new Date("2026-12-01T12:00:00Z");
const sample = (now = NOW): TenantModel[] =>
  loadDesiredState({ root: projectRoot, registryFile: "stacks/local.registry.yaml", now }).state!.tenants;
const COMMIT = "a".repeat(40);

function input(over: Partial<SelectionInput> = {}): SelectionInput {
  const tenants = sample();
  return {
    head: { tenants, registry: "r1", version: "1.0.0" },
    applied: { commit: COMMIT, tenants, registry: "r1", version: "1.0.0" },
    stateTenants: tenants.map((t) => t.name),
    secretsChanged: new Map(),
    forceAll: false,
    ...over,
  };
}

const edit = (ts: TenantModel[], name: string, f: (t: TenantModel) => TenantModel) =>
  ts.map((t) => (t.name === name ? f(t) : t));

describe("which tenants a run looks at", () => {
  it("none when nothing changed since the last apply", () => {
    const s = selectTenants(input());
    expect(s).toMatchObject({ all: false, tenants: [], declared: 4, unchanged: 4, base: COMMIT });
    expect(describeSelection(s)).toBe(
      `no tenant changed since the last apply (${COMMIT.slice(0, 12)}); nothing to read or apply`,
    );
  });

  it("only the tenant whose model changed, not one whose file only moved or names other contacts", () => {
    const before = sample();
    const after = edit(
      edit(before, "acme", (t) => ({
        ...t,
        repositories: t.repositories.map((r, i) => (i === 0 ? { ...r, description: "new" } : r)),
      })),
      "globex",
      (t) => ({ ...t, file: "tenants/globex-renamed.yaml", contacts: ["someone@else.example"] }),
    );
    const s = selectTenants(input({ head: { tenants: after, registry: "r1", version: "1.0.0" } }));
    expect(s.tenants).toEqual([{ tenant: "acme", reason: "changed", detail: "tenants/acme.yaml" }]);
    expect(s.unchanged).toBe(3);
  });

  it("a team membership that expired since the last apply is a change, though no file changed", () => {
    // acme-bob's membership of acme/developers ends after 2027-01-31 (tenants/acme.yaml), initech's
    // contractors' after 2026-12-31 (tenants/initech.yaml).
    const at = sample(new Date("2027-01-15T00:00:00Z"));
    const later = sample(new Date("2027-02-15T00:00:00Z"));
    expect([...differingTenants(at, later)]).toEqual([
      ["acme", { reason: "changed", detail: "tenants/acme.yaml" }],
    ]);
    expect([...differingTenants(sample(new Date("2026-12-15T00:00:00Z")), later).keys()]).toEqual([
      "acme",
      "initech",
    ]);
  });

  it("added, removed, missing from the state, left in the state, rotated secrets and the pull request's tenants", () => {
    const before = sample();
    const after = before.filter((t) => t.name !== "initech");
    const added = { ...before.find((t) => t.name === "globex")!, name: "newco", file: "tenants/newco.yaml" };
    const s = selectTenants(
      input({
        head: { tenants: [...after, added], registry: "r1", version: "1.0.0" },
        applied: { commit: COMMIT, tenants: before, registry: "r1", version: "1.0.0" },
        stateTenants: ["acme", "globex", "initech", "ghost"],
        secretsChanged: new Map([["acme", "env ACME_MIRROR_PASSWORD"]]),
        pullRequest: new Map([["globex", "tenants/globex.yaml"]]),
      }),
    );
    expect(s.tenants.map((t) => [t.tenant, t.reason])).toEqual([
      ["acme", "secret-changed"],
      ["ghost", "only-in-state"],
      ["globex", "pull-request"],
      ["initech", "removed"],
      ["newco", "added"],
      ["platform", "not-in-state"],
    ]);
    // Of the 4 declared tenants, acme, globex, newco and platform are looked at.
    expect(s.unchanged).toBe(0);
  });

  it("everything when the comparison cannot be trusted", () => {
    expect(selectTenants(input({ forceAll: true })).allReason).toBe("--all");
    expect(selectTenants(input({ applied: undefined, appliedUnknownReason: "why" })).allReason).toBe("why");
    expect(
      selectTenants(input({ head: { tenants: sample(), registry: "r2", version: "1.0.0" } })).allReason,
    ).toMatch(/^the registry file changed since the last apply/);
    expect(
      selectTenants(input({ head: { tenants: sample(), registry: "r1", version: "1.1.0" } })).allReason,
    ).toBe("quay-gitops changed since the last apply (1.0.0 → 1.1.0)");
    expect(describeSelection(selectTenants(input({ forceAll: true })))).toBe("all 4 tenants (--all)");
  });
});

describe("the last successful apply, from the stack's history (newest first)", () => {
  const ok = (message: string, startTime = "2026-12-01T10:00:00Z") => ({
    kind: "update",
    result: "succeeded",
    message,
    startTime,
    endTime: "2026-12-01T10:01:00Z",
  });
  const msg = (partial = false) =>
    applyMessage({ commit: COMMIT, branch: "main", version: "1.2.3", checksum: "sha256:00", partial });

  it("reads back what an apply recorded, skipping failed updates and refreshes", () => {
    const r = lastApplyOf([
      {
        kind: "update",
        result: "failed",
        message: applyMessage({ commit: "b".repeat(40), branch: "main", version: "1.2.3", partial: false }),
      },
      { kind: "refresh", result: "succeeded" },
      ok(msg()),
    ]);
    expect(r.last).toEqual({
      commit: COMMIT,
      version: "1.2.3",
      start: new Date("2026-12-01T10:00:00Z"),
      end: new Date("2026-12-01T10:01:00Z"),
    });
  });

  it("is unknown after a destroy, a plain pulumi up, an apply that left deletes, or nothing", () => {
    expect(lastApplyOf([{ kind: "destroy", result: "succeeded" }, ok(msg())]).unknown).toMatch(/destroyed/);
    expect(lastApplyOf([ok("Update"), ok(msg())]).unknown).toMatch(/not a quay-gitops apply/);
    expect(lastApplyOf([ok(msg(true))]).unknown).toMatch(/--no-deletes/);
    expect(lastApplyOf([]).unknown).toMatch(/no successful apply/);
    // The format of earlier versions (a 12-character commit) is not trusted either.
    expect(lastApplyOf([ok(`quay-gitops apply ${COMMIT.slice(0, 12)} (main) plan sha256:00`)]).last).toBe(
      undefined,
    );
  });
});

describe("targets of a limited run", () => {
  const P = "urn:pulumi:local::quay-gitops::";
  const T = "quay-gitops:index:Tenant";
  const D = "pulumi-nodejs:dynamic/quay:";
  const state: StateEntry[] = [
    { urn: `${P}pulumi:pulumi:Stack::quay-gitops-local`, type: "pulumi:pulumi:Stack", inputs: {} },
    { urn: `${P}${T}::acme`, type: T, inputs: {} },
    {
      urn: `${P}${T}$${D}Organization::acme`,
      type: `${D}Organization`,
      parent: `${P}${T}::acme`,
      inputs: {},
    },
    { urn: `${P}${T}$${D}Robot::acme+old`, type: `${D}Robot`, parent: `${P}${T}::acme`, inputs: {} },
    { urn: `${P}${T}::globex`, type: T, inputs: {} },
    {
      urn: `${P}${T}$${D}Organization::globex`,
      type: `${D}Organization`,
      parent: `${P}${T}::globex`,
      inputs: {},
    },
  ];

  it("names what the state holds literally, new objects by a glob only they match, and nothing of other tenants", () => {
    const acme = sample().find((t) => t.name === "acme")!;
    const targets = selectionTargets({
      state,
      tenants: ["acme"],
      declared: new Map([["acme", tenantObjects(acme)]]),
    });
    expect(targets).toContain(`${P}${T}::acme`);
    expect(targets).toContain(`${P}${T}$${D}Organization::acme`);
    expect(targets).toContain(`${P}${T}$${D}Robot::acme+old`); // to delete
    expect(targets).toContain(newObjectTarget(`${P}${T}$${D}Robot::acme+ci`));
    expect(targets.some((t) => t.includes("globex"))).toBe(false);
    // The component, the robot only the state holds, and every declared object (the organization once).
    expect(targets).toHaveLength(1 + 1 + tenantObjects(acme).length);
  });

  it("a glob for a new object matches its URN and no other URN of the stack", () => {
    const urn = `${P}${T}$${D}Robot::acme+ci`;
    const glob = newObjectTarget(urn);
    // Pulumi's glob semantics (deploy.NewUrnTargets): ** is .*, * is [^:]*.
    const re = new RegExp(
      `^${glob
        .split("**")
        .map((part) =>
          part
            .split("*")
            .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^:]*"),
        )
        .join(".*")}$`,
    );
    expect(re.test(urn)).toBe(true);
    for (const r of state) expect(re.test(r.urn)).toBe(false);
    expect(re.test(`${P}${T}$${D}Robot::acme+ci2`)).toBe(false);
  });
});

describe("rotated secrets", () => {
  const secret = (v: string) => ({
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    plaintext: JSON.stringify(v),
  });
  const P = "urn:pulumi:local::quay-gitops::quay-gitops:index:Tenant";
  const mirror = (tenant: string, ref: string, value: string): StateEntry => ({
    urn: `${P}$pulumi-nodejs:dynamic/quay:RepositoryMirror::${tenant}/x`,
    type: "pulumi-nodejs:dynamic/quay:RepositoryMirror",
    parent: `urn:pulumi:local::quay-gitops::quay-gitops:index:Tenant::${tenant}`,
    inputs: { passwordRef: ref, password: secret(value) },
  });

  it("names the tenants whose password has another value now, by reference, never by value", () => {
    const state = [
      mirror("acme", "env:ACME", "old"),
      mirror("globex", "env:GLOBEX", "same"),
      mirror("initech", "config:pull", "v1"),
      mirror("platform", "env:UNSET", "x"),
    ];
    const now: Record<string, string> = { "env:ACME": "new", "env:GLOBEX": "same", "config:pull": "v2" };
    const changed = changedSecrets(state, (ref) => now[ref]);
    expect([...changed]).toEqual([
      ["acme", "env ACME"],
      ["initech", "config pull"],
    ]);
    expect(JSON.stringify([...changed])).not.toMatch(/new|v2/);
  });

  it("a notification's webhook or Slack URL is such a secret too", () => {
    const notification = (tenant: string, ref: string, value: string): StateEntry => ({
      urn: `${P}$pulumi-nodejs:dynamic/quay:RepositoryNotification::${tenant}/app/notification/repo_push/slack`,
      type: "pulumi-nodejs:dynamic/quay:RepositoryNotification",
      parent: `urn:pulumi:local::quay-gitops::quay-gitops:index:Tenant::${tenant}`,
      inputs: { urlRef: ref, url: secret(value) },
    });
    const now: Record<string, string> = { "env:ACME_SLACK": "https://hooks/new", "env:GLOBEX_SLACK": "same" };
    const changed = changedSecrets(
      [
        notification("acme", "env:ACME_SLACK", "https://hooks/old"),
        notification("globex", "env:GLOBEX_SLACK", "same"),
      ],
      (ref) => now[ref],
    );
    expect([...changed]).toEqual([["acme", "env ACME_SLACK"]]);
  });
});
