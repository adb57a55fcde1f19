import { describe, expect, it } from "vitest";
import { diff, sameValue, UNKNOWN } from "../../../providers/host";
import { mirrorOf, type MirrorState } from "../../../providers/mirror";
import { permissionsOf } from "../../../providers/repository";
import { membersOf } from "../../../providers/team";
import type { MirrorView } from "../../../src/quay/api/mirrors";

describe("repository grants (docs/quay-api.md#repositories, docs/quay-api.md#mirrors)", () => {
  const users = {
    admin: { name: "admin", role: "admin" as const, is_robot: false },
    "acme+mirror": { name: "acme+mirror", role: "write" as const, is_robot: true },
    "acme+ci": { name: "acme+ci", role: "write" as const, is_robot: true },
    "acme-alice": { name: "acme-alice", role: "read" as const, is_robot: false, is_org_member: true },
    "3f2c6a1e-8d7b-4c1a-9e2f-0a1b2c3d4e5f": {
      name: "3f2c6a1e-8d7b-4c1a-9e2f-0a1b2c3d4e5f",
      role: "read" as const,
      is_robot: false,
      is_org_member: false,
    },
  };
  const teams = { developers: { name: "developers", role: "write" as const } };

  it("leaves out the creator's admin grant, the mirror robot's write grant and deleted users' UUID grants", () => {
    expect(permissionsOf(users, teams, { me: "admin", mirrorRobot: "acme+mirror", declared: [] })).toEqual([
      { kind: "robot", name: "acme+ci", role: "write" },
      { kind: "team", name: "developers", role: "write" },
      { kind: "user", name: "acme-alice", role: "read" },
    ]);
  });

  it("keeps an implicit grant once the tenant declares it", () => {
    const got = permissionsOf(users, teams, {
      me: "admin",
      mirrorRobot: "acme+mirror",
      declared: [{ kind: "robot", name: "acme+mirror", role: "write" }],
    });
    expect(got).toContainEqual({ kind: "robot", name: "acme+mirror", role: "write" });
  });

  it("reports the mirror robot when its grant is not the one Quay gives (a real change)", () => {
    const changed = { ...users, "acme+mirror": { ...users["acme+mirror"], role: "admin" as const } };
    expect(
      permissionsOf(changed, {}, { me: "admin", mirrorRobot: "acme+mirror", declared: [] }),
    ).toContainEqual({
      kind: "robot",
      name: "acme+mirror",
      role: "admin",
    });
  });
});

describe("team members (docs/quay-api.md#teams)", () => {
  const view = [
    { name: "admin", kind: "user" as const, is_robot: false, invited: false },
    { name: "acme+ci", kind: "user" as const, is_robot: true, invited: false },
    { name: "acme-bob", kind: "user" as const, is_robot: false, invited: true },
    { name: "", email: "x@y.example", kind: "invite" as const, is_robot: false, invited: true },
  ];

  it("maps robots, counts invited users, ignores e-mail invites, sorts", () => {
    expect(membersOf(view, "developers", "admin", [])).toEqual([
      { kind: "robot", name: "acme+ci" },
      { kind: "user", name: "acme-bob" },
      { kind: "user", name: "admin" },
    ]);
  });

  it("ignores the token's user in owners, where Quay put it when creating the org (docs/quay-api.md#organizations)", () => {
    expect(membersOf(view, "owners", "admin", [])).not.toContainEqual({ kind: "user", name: "admin" });
  });
});

describe("mirror read (docs/quay-api.md#mirrors)", () => {
  const view: MirrorView = {
    is_enabled: true,
    mirror_type: "PULL",
    external_reference: "registry.access.redhat.com/ubi9/ubi",
    external_registry_username: "acme-pull",
    external_registry_config: {
      verify_tls: true,
      proxy: { http_proxy: null, https_proxy: "http://p:3128", no_proxy: null },
    },
    sync_interval: 86400,
    sync_start_date: "2026-11-28T00:00:00.123456Z",
    sync_expiration_date: null,
    sync_retries_remaining: 3,
    sync_status: "SUCCESS",
    root_rule: { rule_kind: "tag_glob_csv", rule_value: ["latest", "9.*"] },
    robot_username: "acme+mirror",
    skopeo_timeout_interval: 300,
    architecture_filter: [],
  };
  const state = {
    namespace: "acme",
    repository: "ubi9",
    password: "s3cret",
    passwordRef: "env:X",
    syncStartDate: "2026-11-27T10:00:00Z",
  } as MirrorState;

  it("keeps the write-once start date and the write-only password, ignores worker fields", () => {
    const live = mirrorOf(view, "MIRROR", state);
    expect(live.syncStartDate).toBe("2026-11-27T10:00:00Z");
    expect(live.password).toBe("s3cret");
    expect(live.tags).toEqual(["9.*", "latest"]);
    expect(live.proxy).toEqual({ https: "http://p:3128" });
    expect(live.enabled).toBe(true);
  });

  it("reports a repository taken out of MIRROR state as a disabled mirror", () => {
    expect(mirrorOf(view, "NORMAL", state).enabled).toBe(false);
  });
});

describe("diff", () => {
  const base = { organization: "acme", shortName: "ci", description: "CI" };

  it("is field-level and replaces only where Quay cannot update", async () => {
    expect(await diff("Robot", "acme+ci", { ...base, token: "T" }, { ...base })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const r = await diff(
      "Team",
      "acme/dev",
      { organization: "acme", name: "dev", role: "member", description: "", members: [] },
      {
        organization: "acme",
        name: "dev",
        role: "admin",
        description: "",
        members: [],
      },
    );
    expect(r).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("ignores __provider and treats unknown values as changes", async () => {
    const r = await diff(
      "Robot",
      "acme+ci",
      { ...base, __provider: "old" },
      { ...base, description: UNKNOWN, __provider: "new" },
    );
    expect(r.changes).toBe(true);
    expect(r.replaces).toEqual(["description"]);
  });

  it("asks for delete-before-replace where Quay allows one object per organization", async () => {
    const pc = { organization: "acme", upstream: "quay.io/acme", expirationSeconds: 86400, insecure: false };
    const r = await diff("ProxyCache", "acme", pc, { ...pc, upstream: "quay.io/other" });
    expect(r).toEqual({ changes: true, replaces: ["upstream"], deleteBeforeReplace: true });
  });

  it("updates a Team or Repository and replaces a DefaultPermission whose robot is created again", async () => {
    const team = { organization: "acme", name: "dev", role: "member", description: "", members: [] };
    const gen = { robotGenerations: { "acme+ci": "g1" } };
    // The engine's own diff of a robot's dependents (docs/pulumi-engine.md#replacements): unknown.
    expect(
      await diff("Team", "acme/dev", { ...team, ...gen }, { ...team, robotGenerations: UNKNOWN }),
    ).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const repo = {
      namespace: "acme",
      name: "app",
      visibility: "private",
      description: "",
      permissions: [{ kind: "robot", name: "acme+ci", role: "write" }],
      deletionPolicy: "retain",
    };
    expect(
      await diff(
        "Repository",
        "acme/app",
        { ...repo, ...gen },
        { ...repo, robotGenerations: { "acme+ci": "g2" } },
      ),
    ).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const dp = { organization: "acme", delegate: { kind: "robot", name: "acme+ci" }, role: "read" };
    expect(
      await diff(
        "DefaultPermission",
        "uuid",
        { ...dp, prototypeId: "uuid", ...gen },
        { ...dp, robotGenerations: UNKNOWN },
      ),
    ).toEqual({ changes: true, replaces: ["robotGenerations"], deleteBeforeReplace: false });
    // A state from before generations, and a robot without one yet: no change at all.
    expect(await diff("Team", "acme/dev", team, { ...team })).toMatchObject({ changes: false });
    expect(await diff("Team", "acme/dev", { ...team, ...gen }, { ...team, ...gen })).toMatchObject({
      changes: false,
    });
  });

  it("treats a missing field and undefined alike", () => {
    expect(sameValue(undefined, undefined)).toBe(true);
    expect(sameValue({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
  });
});
