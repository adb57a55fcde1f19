import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../src/engine/env";
import type { DesiredState } from "../../../src/model/types";
import { missingRights, neededRights, renderMissingRights } from "../../../src/plan/rights";
import { loadDesiredState } from "../../../src/tenant";
import { heldRights } from "../../helpers/models";

// The sample tenants (tenants/): users and quotas, repositories with mirrors and auto-prune.
const sample = (): DesiredState => {
  const r = loadDesiredState({
    root: projectRoot,
    tenantsDir: "tenants",
    registryFile: "stacks/local.registry.yaml",
    now: new Date("2026-01-01T00:00:00Z"),
  });
  if (!r.state) throw new Error("the sample tenants must load");
  return r.state;
};

describe("neededRights", () => {
  it("users and quotas need a superuser, their writes FULL_ACCESS; organizations org:admin; repositories repo:admin", () => {
    const needs = neededRights(sample(), "write");
    expect([...needs.keys()].sort()).toEqual([
      "fullAccess",
      "orgAdmin",
      "repoAdmin",
      "superuser",
      "userAdmin",
    ]);
    expect([...(needs.get("superuser")?.get("tenants/acme.yaml") ?? [])]).toEqual(["users", "quota"]);
    expect([...(needs.get("userAdmin")?.get("tenants/globex.yaml") ?? [])]).toEqual(["globex"]);
    expect(needs.get("repoAdmin")?.get("tenants/acme.yaml")?.has("mirrors")).toBe(true);
  });

  it("reading (drift) needs neither FULL_ACCESS nor user:admin", () => {
    const needs = neededRights(sample(), "read");
    expect([...needs.keys()].sort()).toEqual(["orgAdmin", "repoAdmin", "superuser"]);
  });

  it("external users and no quota: no superuser", () => {
    const s = sample();
    const state: DesiredState = {
      registry: { ...s.registry, users: "external" },
      tenants: s.tenants.map(({ quota: _, ...t }) => t),
    };
    expect(neededRights(state, "write").has("superuser")).toBe(false);
  });
});

describe("missingRights", () => {
  const needs = neededRights(sample(), "write");

  it("nothing is missing for a FULL_ACCESS superuser with every scope", () => {
    expect(missingRights(needs, heldRights())).toEqual([]);
  });

  it("a token with repo:read and user:read lacks the superuser, org:admin, repo:admin and user:admin", () => {
    const weak = heldRights({
      superUser: false,
      userAdmin: false,
      orgAdmin: false,
      repoAdmin: false,
      fullAccess: undefined,
    });
    expect(missingRights(needs, weak).map((m) => m.right)).toEqual([
      "superuser",
      "orgAdmin",
      "repoAdmin",
      "userAdmin",
    ]);
  });

  it("user:admin only for organizations that do not exist yet", () => {
    const some = heldRights({
      userAdmin: false,
      existingOrganizations: new Set(["acme", "globex", "initech"]),
    });
    const m = missingRights(needs, some);
    expect(m.map((x) => x.right)).toEqual(["userAdmin"]);
    expect([...m[0]!.files.keys()]).toEqual(["tenants/platform.yaml"]);
  });

  it("FULL_ACCESS is missing only for a superuser without it", () => {
    expect(missingRights(needs, heldRights({ fullAccess: false })).map((m) => m.right)).toEqual([
      "fullAccess",
    ]);
    expect(missingRights(needs, heldRights({ fullAccess: undefined })).map((m) => m.right)).toEqual([]);
  });
});

describe("renderMissingRights", () => {
  const needs = neededRights(sample(), "write");

  it("one message: what is missing, for which files, how to mint a token, and a pointer into the docs", () => {
    const weak = heldRights({
      superUser: false,
      userAdmin: false,
      orgAdmin: false,
      repoAdmin: false,
      fullAccess: undefined,
    });
    const text = renderMissingRights(missingRights(needs, weak), weak, needs);
    expect(text).toMatch(
      /^Quay at https:\/\/quay\.lab\.example does not give the token of lab-automation what these tenant files need; nothing was changed\.\nMissing:\n/,
    );
    expect(text).toContain("  - super:user, with lab-automation in SUPER_USERS (Quay's config.yaml)");
    expect(text).toContain("  - org:admin: ");
    expect(text).toContain("  - repo:admin: ");
    expect(text).toContain("user:admin: to create the organizations acme, globex, initech, platform");
    expect(text).toContain("tenants/acme.yaml (users, quota)");
    expect(text).toContain(
      "tick Super User Access (super:user), Administer Organization (org:admin), Administer Repositories (repo:admin), Administer User (user:admin), Read User Information (user:read)",
    );
    expect(text).toContain("QUAY_USERNAME and QUAY_PASSWORD, of an account listed in SUPER_USERS");
    expect(text).toContain("docs/quay-api.md#scopes");
    expect(text).not.toMatch(/QUAY-API|§/);
  });

  it("a session that is no superuser: add the account to SUPER_USERS, no token to mint", () => {
    const session = heldRights({ auth: "session", superUser: false });
    const text = renderMissingRights(missingRights(needs, session), session, needs);
    expect(text).toContain("the session of lab-automation");
    expect(text).toContain("a superuser: lab-automation is not in SUPER_USERS");
    expect(text).toContain("Add lab-automation to SUPER_USERS in Quay's config.yaml");
    expect(text).not.toContain("Generate Token");
  });

  it("a registry without a feature is said in the same message", () => {
    const text = renderMissingRights([], heldRights(), needs, [
      "FEATURE_REPO_MIRROR is off in Quay's config.yaml (its API endpoints are not registered); used by tenants/acme.yaml (mirror)",
    ]);
    expect(text).toMatch(/^The registry at https:\/\/quay\.lab\.example lacks what these tenant files use/);
    expect(text).toContain("Turn the features on in Quay's config.yaml");
  });
});
