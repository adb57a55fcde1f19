import { describe, expect, it } from "vitest";
import { allKindInfos } from "../../../src/kinds";
import { missingBeyond, missingRights, neededRights, renderMissingRights } from "../../../src/plan/rights";
import { desiredState, heldRights, repositoryModel, tenantModel } from "../../helpers/models";

// The rights of the kinds that came after the preflight, declared by their descriptors
// (KindInfo.rights, a part's rights): each asks for what its Quay endpoints check
// (quay v3.18.0 endpoints/api/repositorynotification.py, immutability_policy.py, robot.py, team.py).

const NOTIFY = {
  event: "repo_push",
  method: "slack",
  config: {},
  eventConfig: {},
  scope: "repository",
} as const;

/** Each new kind alone in a tenant file of its own. */
const files = {
  notifications: tenantModel({
    name: "n",
    file: "tenants/n.yaml",
    organization: { name: "n", deletionPolicy: "retain" },
    repositories: [repositoryModel("app", { notifications: [NOTIFY] })],
  }),
  orgImmutability: tenantModel({
    name: "oi",
    file: "tenants/oi.yaml",
    organization: { name: "oi", deletionPolicy: "retain" },
    immutability: [{ tagPattern: "v.*", tagPatternMatches: true }],
  }),
  repoImmutability: tenantModel({
    name: "ri",
    file: "tenants/ri.yaml",
    organization: { name: "ri", deletionPolicy: "retain" },
    repositories: [
      repositoryModel("app", { immutability: [{ tagPattern: "v.*", tagPatternMatches: true }] }),
    ],
  }),
  federation: tenantModel({
    name: "f",
    file: "tenants/f.yaml",
    organization: { name: "f", deletionPolicy: "retain" },
    robots: [
      {
        shortName: "ci",
        fullName: "f+ci",
        description: "",
        federation: [{ issuer: "https://token.actions.githubusercontent.com", subject: "repo:f/app" }],
      },
    ],
  }),
  sync: tenantModel({
    name: "s",
    file: "tenants/s.yaml",
    organization: { name: "s", deletionPolicy: "retain" },
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
  }),
};

/** right → file → whats, as plain data. */
const plain = (needs: ReturnType<typeof neededRights>) =>
  Object.fromEntries(
    [...needs].map(([r, f]) => [r, Object.fromEntries([...f].map(([file, w]) => [file, [...w]]))]),
  );

describe("the rights of notifications, immutability policies, robot federation and team sync", () => {
  it("each asks for what its endpoints check, per object where it differs", () => {
    const s = desiredState(...Object.values(files));
    expect(plain(neededRights(s, "read"))).toEqual({
      superuser: { "tenants/s.yaml": ["team sync"] },
      orgAdmin: {
        "tenants/n.yaml": ["organization"],
        "tenants/oi.yaml": ["organization", "immutability policies"],
        "tenants/ri.yaml": ["organization"],
        "tenants/f.yaml": ["organization", "robots", "robot federation"],
        "tenants/s.yaml": ["organization", "teams"],
      },
      repoAdmin: {
        "tenants/n.yaml": ["repositories", "notifications"],
        "tenants/ri.yaml": ["repositories", "repository immutability policies"],
      },
    });
    // Writing adds only the organizations to create.
    expect(plain(neededRights(s, "write")).userAdmin).toEqual({
      "tenants/n.yaml": ["n"],
      "tenants/oi.yaml": ["oi"],
      "tenants/ri.yaml": ["ri"],
      "tenants/f.yaml": ["f"],
      "tenants/s.yaml": ["s"],
    });
  });

  it("a team without syncFrom needs no superuser; a robot without federation no more than a robot", () => {
    const team = files.sync.teams[0]!;
    const { syncFrom: _, ...unsynced } = team;
    const robot = files.federation.robots[0]!;
    const { federation: __, ...plainRobot } = robot;
    const needs = neededRights(
      desiredState(tenantModel({ teams: [unsynced], robots: [plainRobot] })),
      "write",
    );
    expect(needs.has("superuser")).toBe(false);
    expect([...(needs.get("orgAdmin")?.get("tenants/acme.yaml") ?? [])]).toEqual([
      "organization",
      "robots",
      "teams",
    ]);
  });

  it("every need of every registered kind is named, and only userAdmin names an organization", () => {
    const s = desiredState(...Object.values(files));
    for (const k of allKindInfos())
      for (const t of s.tenants) {
        if (k.objects(t).length === 0) continue;
        for (const n of k.rights(t, s)) {
          expect(n.what, `${k.name}`).not.toBe("");
          if (n.right === "userAdmin") expect(n.what).toBe(t.organization.name);
        }
      }
  });

  it("the message for a token with repo:read and user:read", () => {
    const s = desiredState(...Object.values(files));
    const needs = neededRights(s, "write");
    const weak = heldRights({
      superUser: false,
      userAdmin: false,
      orgAdmin: false,
      repoAdmin: false,
      fullAccess: undefined,
    });
    const existing = heldRights({
      ...weak,
      existingOrganizations: new Set(["n", "oi", "ri", "f", "s"]),
    });
    expect(renderMissingRights(missingRights(needs, existing), existing, needs)).toMatchSnapshot();
  });

  it("a preview is refused for what reading needs; what only the apply needs is the rest", () => {
    const s = desiredState(files.sync, tenantModel({ quota: { limitBytes: 1, limits: [] } }));
    const noFull = heldRights({ fullAccess: false, userAdmin: false, orgAdmin: false });
    const read = missingRights(neededRights(s, "read"), noFull);
    const write = missingRights(neededRights(s, "write"), noFull);
    expect(read.map((m) => m.right)).toEqual(["orgAdmin"]);
    const later = missingBeyond(write, read);
    expect(
      later.map((m) => [m.right, Object.fromEntries([...m.files].map(([f, w]) => [f, [...w]]))]),
    ).toEqual([
      ["fullAccess", { "tenants/acme.yaml": ["quota"] }],
      ["userAdmin", { "tenants/s.yaml": ["s"], "tenants/acme.yaml": ["acme"] }],
    ]);
    expect(missingBeyond(write, write)).toEqual([]);
  });
});
