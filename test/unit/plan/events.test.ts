import { describe, expect, it } from "vitest";
import { fieldChanges, planFromEvents, tenantOf, urnName } from "../../../src/plan/events";
import { pre, SECRET, samplePreviewEvents, STACK, tenantUrn, urn } from "./events";

describe("planFromEvents", () => {
  const plan = planFromEvents(STACK, samplePreviewEvents());

  it("keeps only Quay objects, one change per object, sorted by tenant, kind and name", () => {
    expect(plan.changes.map((c) => `${c.tenant} ${c.op} ${c.kind} ${c.name}`)).toEqual([
      "acme update Repository acme/operator",
      "acme update RepositoryMirror acme/ubi9",
      "acme replace Robot acme+ci",
      "acme delete Team acme/release-managers",
      "newco create Organization newco",
      "newco create Repository newco/app",
      "newco create Robot newco+ci",
      "oldco delete Organization oldco",
      "oldco delete Repository oldco/legacy",
      "oldco delete User oldco-ann",
      "oldco delete User oldco-bob",
    ]);
  });

  it("counts per tenant, with the objects each had before the run", () => {
    expect(plan.tenants).toEqual([
      {
        name: "acme",
        status: "changed",
        existing: 7,
        counts: { create: 0, update: 2, replace: 1, delete: 1, same: 3 },
      },
      {
        name: "newco",
        status: "new",
        existing: 0,
        counts: { create: 3, update: 0, replace: 0, delete: 0, same: 0 },
      },
      {
        name: "oldco",
        status: "removed",
        existing: 4,
        counts: { create: 0, update: 0, replace: 0, delete: 4, same: 0 },
      },
    ]);
    expect(plan.counts).toEqual({ create: 3, update: 2, replace: 1, delete: 5, same: 3 });
  });

  it("lists changed fields old → new, without __provider, lists as they are", () => {
    const repo = plan.changes.find((c) => c.name === "acme/operator")!;
    expect(repo.fields).toEqual([
      { field: "description", old: "Acme operator images", new: "Acme operator images, signed" },
      {
        field: "permissions",
        old: [
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "team", name: "developers", role: "write" },
        ],
        new: [
          { kind: "robot", name: "acme+ci", role: "write" },
          { kind: "team", name: "developers", role: "write" },
          { kind: "team", name: "qa", role: "read" },
        ],
      },
    ]);
    expect(JSON.stringify(plan)).not.toContain("__provider");
  });

  it("compares with the state's outputs, so a write-only secret missing from refreshed inputs is no change", () => {
    const mirror = plan.changes.find((c) => c.kind === "RepositoryMirror")!;
    expect(mirror.fields).toEqual([{ field: "enabled", old: true, new: false }]);
  });

  it("folds a replacement's three steps into one, with the fields that force it", () => {
    const robot = plan.changes.filter((c) => c.name === "acme+ci");
    expect(robot).toHaveLength(1);
    expect(robot[0]).toMatchObject({
      op: "replace",
      replaceReasons: ["description"],
      fields: [{ field: "description", old: "CI", new: "CI pipelines" }],
    });
  });

  it("shows secrets as [secret] and the signature object never", () => {
    const text = JSON.stringify(plan);
    expect(text).not.toContain("4dabf18193072939515e22adb298388d");
    expect(text).not.toContain("ciphertext");
  });

  it("lists a changed secret as [secret] → [secret] when nothing visible differs", () => {
    const changes = fieldChanges(
      { inputs: { a: 1 }, outputs: { a: 1, password: SECRET } },
      { inputs: { a: 1, password: SECRET } },
    );
    expect(changes).toEqual([{ field: "password", old: "[secret]", new: "[secret]" }]);
  });

  it("is the same plan whatever order the events arrive in", () => {
    const events = samplePreviewEvents();
    const reversed = planFromEvents(STACK, [...events].reverse());
    // The replacement's halves arrive in another order: still one replace.
    expect(reversed).toEqual(plan);
  });

  it("shows values not known before apply as such", () => {
    const p = planFromEvents(STACK, [
      pre({
        op: "create",
        kind: "Team",
        name: "x/t",
        tenant: "x",
        new: { organization: "x", members: ["04da6b54-80e4-46f7-96ec-b56ff0331ba9"] },
      }),
    ]);
    expect(p.changes[0]!.fields).toContainEqual({ field: "members", new: ["(known after apply)"] });
  });
});

describe("URNs", () => {
  it("reads resource names that hold :: and tenants from parent URNs", () => {
    expect(urnName(urn("AutoPrunePolicy", "acme/prune/creation_date:a::b"))).toBe(
      "acme/prune/creation_date:a::b",
    );
    expect(tenantOf(tenantUrn("acme"))).toBe("acme");
    expect(tenantOf("urn:pulumi:local::quay-gitops::pulumi:pulumi:Stack::quay-gitops-local")).toBeUndefined();
    expect(tenantOf(undefined)).toBeUndefined();
  });
});
