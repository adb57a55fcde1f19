/**
 * What the Team descriptor knows about team sync and the RobotFederation descriptor about a robot's
 * federation, as the planner and the capability check use it: plan warnings, audit-log attribution,
 * the features a tenant needs; and the pure half of their providers (validate, normalize, diff).
 */
import { describe, expect, it } from "vitest";
import { diff } from "../../../providers/host";
import { robotFederation } from "../../../providers/robot-federation";
import type { AuditEntry } from "../../../src/kinds";
import { attribute } from "../../../src/plan/attribution";
import type { DriftReport } from "../../../src/plan/drift";
import { planWarnings } from "../../../src/plan/safety";
import type { PlannedChange } from "../../../src/plan/types";
import { neededFeatures } from "../../../src/program/capabilities";
import { desiredState, tenantModel } from "../../helpers/models";

const GITHUB = {
  issuer: "https://token.actions.githubusercontent.com",
  subject: "repo:acme/app:ref:refs/heads/main",
};
const GITLAB = { issuer: "https://gitlab.com", subject: "project_path:acme/app:ref_type:branch:ref:main" };
const DEVS = { directory: "ldap", group: "cn=devs,ou=groups" };

const change = (
  kind: string,
  name: string,
  op: PlannedChange["op"],
  fields: PlannedChange["fields"],
): PlannedChange => ({
  tenant: "acme",
  kind,
  name,
  op,
  urn: `urn:${kind}:${name}`,
  fields,
});
const codes = (changes: PlannedChange[]) =>
  planWarnings({ changes }).map((w) => `${w.code} ${w.names.join(",")}`);

describe("plan warnings", () => {
  it("team sync: turned on (with what happens to users), off, to another group; none for other team changes", () => {
    const on = planWarnings({
      changes: [change("Team", "acme/devs", "update", [{ field: "syncFrom", new: DEVS }])],
    });
    expect(on.map((w) => [w.code, w.message])).toEqual([
      [
        "TEAM_SYNC_ENABLED",
        "team acme/devs will be synced from the ldap group cn=devs,ou=groups: from now on Quay keeps its users, the file only its robots. Quay's LDAP sync adds the group's users and removes the others within a minute.",
      ],
    ]);
    const oidc = { directory: "oidc", group: "acme-devs" };
    expect(
      planWarnings({
        changes: [change("Team", "acme/devs", "create", [{ field: "syncFrom", new: oidc }])],
      })[0]?.message,
    ).toBe(
      "team acme/devs is synced from the oidc group acme-devs: from now on Quay keeps its users, the file only its robots. With OIDC, Quay removes every user of the team at once; each comes back at their next login with the group in their token.",
    );
    const off = planWarnings({
      changes: [change("Team", "acme/devs", "update", [{ field: "syncFrom", old: DEVS }])],
    });
    expect(off.map((w) => [w.code, w.message])).toEqual([
      [
        "TEAM_SYNC_DISABLED",
        "team acme/devs stops syncing from the ldap group cn=devs,ou=groups: its members are the file's again, and users it does not list are removed",
      ],
    ]);
    expect(
      codes([
        change("Team", "acme/devs", "update", [
          { field: "syncFrom", old: DEVS, new: { ...DEVS, group: "cn=ops,ou=groups" } },
        ]),
        change("Team", "acme/ops", "update", [{ field: "role", old: "member", new: "admin" }]),
        change("Team", "acme/new", "create", [{ field: "name", new: "new" }]),
      ]),
    ).toEqual(["TEAM_SYNC_CHANGED acme/devs"]);
  });

  it("robot federation: each identity that gains or loses the robot is named; a removed list is grouped", () => {
    const w = planWarnings({
      changes: [
        change("RobotFederation", "acme+ci", "update", [
          { field: "federation", old: [GITHUB], new: [GITLAB] },
        ]),
      ],
    });
    expect(w.map((x) => [x.code, x.message])).toEqual([
      [
        "ROBOT_FEDERATION_ADDED",
        `robot acme+ci will accept the OIDC tokens of (${GITLAB.issuer} ${GITLAB.subject}): a job holding such a token can push and pull as the robot`,
      ],
      [
        "ROBOT_FEDERATION_REMOVED",
        `robot acme+ci will no longer accept the OIDC tokens of (${GITHUB.issuer} ${GITHUB.subject}): CI jobs that trade them for the robot's token stop working`,
      ],
    ]);
    expect(
      codes([
        change("RobotFederation", "acme+ci", "create", [{ field: "federation", new: [GITHUB] }]),
        change("RobotFederation", "acme+none", "create", [{ field: "federation", new: [] }]),
        change("RobotFederation", "acme+a", "delete", [{ field: "federation", old: [GITHUB] }]),
        change("RobotFederation", "acme+b", "delete", [{ field: "federation", old: [GITLAB] }]),
      ]),
    ).toEqual(["ROBOT_FEDERATION_ADDED acme+ci", "ROBOT_FEDERATION_REMOVED acme+a,acme+b"]);
  });
});

describe("audit-log attribution", () => {
  const at = (
    kind: string,
    metadata: Record<string, unknown>,
    minute: number,
    performer = "bob",
  ): AuditEntry => ({
    kind,
    metadata,
    datetime: new Date(Date.UTC(2026, 5, 1, 12, minute)).toUTCString().replace("GMT", "-0000"),
    performer: { kind: "user", name: performer },
  });
  const report = (objects: DriftReport["objects"]): DriftReport => ({ stack: "local", objects, checked: 1 });

  it("a synced team's group changed by hand is told by its disable_team_sync/enable_team_sync entries", () => {
    const log = [
      at("enable_team_sync", { team: "devs" }, 5),
      at("disable_team_sync", { team: "devs" }, 4),
      at("org_set_team_role", { team: "devs", role: "admin" }, 9, "carol"),
      at("enable_team_sync", { team: "ops" }, 6, "mallory"),
    ];
    const r = attribute(
      report([
        {
          tenant: "acme",
          kind: "Team",
          name: "acme/devs",
          status: "changed",
          identity: { organization: "acme", name: "devs" },
          fields: [{ field: "syncFrom", desired: DEVS, live: { ...DEVS, group: "cn=ops,ou=groups" } }],
        },
      ]),
      { logs: new Map([["org:acme", log]]) },
    );
    expect(r.objects[0]?.fields[0]?.attribution?.actor).toBe("bob");
  });

  it("a federation list changed by hand is told by create_robot_federation of that robot; gone with the robot by delete_robot", () => {
    const log = [
      at("create_robot_federation", { robot: "ci", config: [] }, 5, "bob"),
      at("create_robot_federation", { robot: "other", config: [] }, 6, "mallory"),
    ];
    const changed = attribute(
      report([
        {
          tenant: "acme",
          kind: "RobotFederation",
          name: "acme+ci",
          status: "changed",
          identity: { organization: "acme", shortName: "ci" },
          fields: [{ field: "federation", desired: [GITHUB], live: [] }],
        },
      ]),
      { logs: new Map([["org:acme", log]]) },
    );
    expect(changed.objects[0]?.fields[0]?.attribution?.actor).toBe("bob");
    const gone = attribute(
      report([
        {
          tenant: "acme",
          kind: "RobotFederation",
          name: "acme+ci",
          status: "deleted",
          identity: { organization: "acme", shortName: "ci" },
          fields: [],
        },
      ]),
      { logs: new Map([["org:acme", [at("delete_robot", { robot: "ci" }, 7, "carol")]]]) },
    );
    expect(gone.objects[0]?.attribution).toMatchObject({ actor: "carol" });
  });
});

describe("features a tenant needs", () => {
  it("a synced team needs FEATURE_TEAM_SYNCING and a superuser; other teams and federated robots nothing", () => {
    const plain = tenantModel({
      teams: [{ name: "ops", role: "member", description: "", members: [], origin: "tenant" }],
      robots: [{ shortName: "ci", fullName: "acme+ci", description: "", federation: [GITHUB] }],
    });
    expect([...neededFeatures(desiredState(plain)).keys()]).toEqual([]);
    const synced = tenantModel({
      teams: [
        {
          name: "devs",
          role: "member",
          description: "",
          members: [],
          origin: "tenant",
          syncFrom: { directory: "ldap", group: "cn=devs" },
        },
      ],
    });
    const needs = neededFeatures(desiredState(plain, { ...synced, name: "b", file: "tenants/b.yaml" }));
    expect(
      Object.fromEntries(
        [...needs].map(([f, files]) => [f, Object.fromEntries([...files].map(([k, v]) => [k, [...v]]))]),
      ),
    ).toEqual({
      FEATURE_TEAM_SYNCING: { "tenants/b.yaml": ["syncFrom"] },
      FEATURE_SUPER_USERS: { "tenants/b.yaml": ["team sync"] },
    });
  });
});

describe("the RobotFederation provider's pure half", () => {
  const d = { organization: "acme", shortName: "ci", federation: [GITHUB, GITLAB] };

  it("validates issuers, subjects and duplicates as Quay and the token exchange need them", () => {
    expect(robotFederation.validate(d)).toEqual([]);
    expect(
      robotFederation.validate({
        ...d,
        federation: [{ issuer: "http://keycloak.lab", subject: "" }, GITHUB, GITHUB],
      }),
    ).toEqual([
      ["federation[0].issuer", "must be an https:// URL without query or fragment"],
      ["federation[0].subject", "must be a non-empty string"],
      ["federation[2]", "is listed twice (Quay refuses duplicates)"],
    ]);
  });

  it("normalizes the order, so a reordered list is no change", async () => {
    expect(robotFederation.normalize!(d).federation).toEqual([GITLAB, GITHUB]);
    expect(
      await diff(
        "RobotFederation",
        "acme+ci",
        { ...d, federation: [GITLAB, GITHUB] },
        robotFederation.normalize!(d),
      ),
    ).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("another list is an update; another robot a replacement, old one first; a robot's new description too", async () => {
    expect(await diff("RobotFederation", "acme+ci", d, { ...d, federation: [GITHUB] })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await diff("RobotFederation", "acme+ci", d, { ...d, shortName: "cd" })).toEqual({
      changes: true,
      replaces: ["shortName"],
      deleteBeforeReplace: true,
    });
    const robot = { organization: "acme", shortName: "ci", description: "CI" };
    expect(await diff("Robot", "acme+ci", robot, { ...robot, description: "CD" })).toEqual({
      changes: true,
      replaces: ["description"],
      deleteBeforeReplace: true,
    });
  });

  it("a team's sync is an update of the team, never a replacement; a team without one compares equal to an older state", async () => {
    const team = { organization: "acme", name: "devs", role: "member", description: "", members: [] };
    expect(await diff("Team", "acme/devs", team, { ...team, syncFrom: DEVS })).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await diff("Team", "acme/devs", team, { ...team })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
