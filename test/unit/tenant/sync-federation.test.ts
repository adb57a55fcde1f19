/**
 * Team sync (`teams[].syncFrom`) and robot federation (`robots[].federation`) in the tenant and
 * registry files: schema, rules with file:line:col and stable codes, and the model they normalize to.
 */
import { describe, expect, it } from "vitest";
import { codes, lines, load } from "./helpers";

const LDAP = `users:
  mode: external
  directory: ldap
features: { teamSyncing: true }
`;

const SYNCED = `teams:
  - name: developers
    syncFrom: { group: "cn=acme-developers,ou=groups" }
    members:
      - robot: ci
robots:
  - name: ci
`;

describe("teams[].syncFrom", () => {
  it("normalizes to the registry's directory and the group; members keep the robots", () => {
    const r = load({ acme: SYNCED }, { registry: LDAP });
    expect(lines(r)).toEqual([]);
    const team = r.state?.tenants[0]?.teams.find((t) => t.name === "developers");
    expect(team).toEqual({
      name: "developers",
      role: "member",
      description: "",
      syncFrom: { directory: "ldap", group: "cn=acme-developers,ou=groups" },
      members: [{ kind: "robot", name: "acme+ci" }],
      origin: "tenant",
    });
    // A team without syncFrom has no such key: older states compare equal.
    const plain = load({ acme: "teams: [{ name: ops }]\n" }, { registry: LDAP });
    expect(Object.keys(plain.state?.tenants[0]?.teams[0] ?? {})).not.toContain("syncFrom");
  });

  it("a user member of a synced team is refused where it is written", () => {
    const r = load(
      { acme: SYNCED.replace("      - robot: ci\n", "      - robot: ci\n      - user: acme-alice\n") },
      { registry: LDAP },
    );
    expect(lines(r)).toEqual([
      "QG_TENANT_TEAM_SYNC tenants/acme.yaml:11:17 spec.teams[0].members[1].user: team developers is synced from group cn=acme-developers,ou=groups: its users come from the directory, so members may list robots only; remove user acme-alice (add it to the group instead) or remove syncFrom",
    ]);
  });

  it("needs external users, a directory and FEATURE_TEAM_SYNCING", () => {
    const managed = load({ acme: SYNCED }, { registry: "features: { teamSyncing: true }\n" });
    expect(lines(managed)).toEqual([
      "QG_TENANT_TEAM_SYNC tenants/acme.yaml:8:7 spec.teams[0].syncFrom: team sync needs users from a directory, but this registry manages its users (users.mode: managed in stacks/test.registry.yaml); Quay refuses to sync with Database auth",
    ]);
    const noDirectory = load(
      { acme: SYNCED },
      { registry: "users: { mode: external }\nfeatures: { teamSyncing: true }\n" },
    );
    expect(lines(noDirectory)).toEqual([
      "QG_TENANT_TEAM_SYNC tenants/acme.yaml:8:7 spec.teams[0].syncFrom: team sync needs to know the directory (users.directory: ldap, oidc or keystone in stacks/test.registry.yaml): it decides what the group names",
    ]);
    const off = load({ acme: SYNCED }, { registry: "users: { mode: external, directory: ldap }\n" });
    expect(lines(off)).toEqual([
      "QG_TENANT_FEATURE tenants/acme.yaml:8:7 spec.teams[0].syncFrom: team sync needs FEATURE_TEAM_SYNCING in Quay, which is off in this registry (features.teamSyncing in stacks/test.registry.yaml); remove it or ask the lab admins to turn the feature on",
    ]);
  });

  it("with LDAP the group is a DN; with OIDC any group name", () => {
    const tenant = 'teams: [{ name: developers, syncFrom: { group: "acme developers" } }]\n';
    expect(lines(load({ acme: tenant }, { registry: LDAP }))).toEqual([
      'QG_TENANT_TEAM_SYNC tenants/acme.yaml:6:50 spec.teams[0].syncFrom.group: "acme developers" is not an LDAP DN; with LDAP the group is its DN relative to the base DN, e.g. cn=acmedevelopers,ou=groups (Quay appends LDAP_BASE_DN)',
    ]);
    const oidc = load({ acme: tenant }, { registry: LDAP.replace("ldap", "oidc") });
    expect(lines(oidc)).toEqual([]);
    expect(oidc.state?.tenants[0]?.teams[0]?.syncFrom).toEqual({
      directory: "oidc",
      group: "acme developers",
    });
  });

  it("the schema wants a group and nothing else", () => {
    expect(codes(load({ acme: "teams: [{ name: dev, syncFrom: {} }]\n" }, { registry: LDAP }))).toEqual([
      "QG_TENANT_SCHEMA",
    ]);
    expect(
      codes(
        load(
          { acme: 'teams: [{ name: dd, syncFrom: { group: "cn=x", groupDn: "cn=x" } }]\n' },
          { registry: LDAP },
        ),
      ),
    ).toEqual(["QG_TENANT_UNKNOWN_FIELD"]);
  });

  it("the registry refuses a directory with managed users", () => {
    const r = load({ acme: "{}" }, { registry: "users: { directory: ldap }\n" });
    expect(lines(r)).toEqual([
      "QG_REGISTRY_INVALID stacks/test.registry.yaml:6:12 spec.users.directory: users.directory ldap says Quay reads users from a directory, but users.mode is managed (Database auth, users created through the superuser API); set users.mode: external or remove users.directory",
    ]);
  });
});

describe("robots[].federation", () => {
  const GITHUB = "https://token.actions.githubusercontent.com";

  it("normalizes to a list sorted by issuer and subject; absent stays absent", () => {
    const r = load({
      acme: `robots:
  - name: ci
    federation:
      - { issuer: "${GITHUB}", subject: "repo:acme/app:ref:refs/heads/main" }
      - { issuer: "https://gitlab.com", subject: "project_path:acme/app:ref_type:branch:ref:main" }
      - { issuer: "${GITHUB}", subject: "repo:acme/app:environment:release" }
  - name: pull
  - name: none
    federation: []
`,
    });
    expect(lines(r)).toEqual([]);
    const robots = r.state?.tenants[0]?.robots ?? [];
    expect(robots.find((x) => x.shortName === "ci")?.federation).toEqual([
      { issuer: "https://gitlab.com", subject: "project_path:acme/app:ref_type:branch:ref:main" },
      { issuer: GITHUB, subject: "repo:acme/app:environment:release" },
      { issuer: GITHUB, subject: "repo:acme/app:ref:refs/heads/main" },
    ]);
    expect(robots.find((x) => x.shortName === "none")?.federation).toEqual([]);
    expect(Object.keys(robots.find((x) => x.shortName === "pull") ?? {})).not.toContain("federation");
  });

  it("the issuer must be an https URL without query or fragment", () => {
    for (const issuer of [
      "http://keycloak.lab/realms/ci",
      "token.actions.githubusercontent.com",
      "https://x/?a=b",
      "https://",
    ]) {
      const r = load({ acme: `robots: [{ name: ci, federation: [{ issuer: "${issuer}", subject: s }] }]\n` });
      expect(lines(r), issuer).toEqual([
        `QG_TENANT_SCHEMA tenants/acme.yaml:6:47 spec.robots[0].federation[0].issuer: "${issuer}" is not an https:// URL without query or fragment, exactly as the token's \`iss\` claim (a trailing / matters): Quay checks the token's signature through <issuer>/.well-known/openid-configuration and refuses an issuer that is not https`,
      ]);
    }
  });

  it("the same issuer and subject twice is refused, pointing at the first", () => {
    const r = load({
      acme: `robots:
  - name: ci
    federation:
      - { issuer: "${GITHUB}", subject: a }
      - { issuer: "${GITHUB}", subject: b }
      - { issuer: "${GITHUB}", subject: a }
`,
    });
    expect(lines(r)).toEqual([
      `QG_TENANT_DUPLICATE tenants/acme.yaml:11:11 spec.robots[0].federation[2]: issuer ${GITHUB} with subject a is listed twice (first at line 9); Quay refuses a federation list with duplicates`,
    ]);
  });

  it("issuer and subject are required, the subject not empty", () => {
    expect(codes(load({ acme: `robots: [{ name: ci, federation: [{ issuer: "${GITHUB}" }] }]\n` }))).toEqual([
      "QG_TENANT_SCHEMA",
    ]);
    expect(
      codes(load({ acme: `robots: [{ name: ci, federation: [{ issuer: "${GITHUB}", subject: "" }] }]\n` })),
    ).toEqual(["QG_TENANT_SCHEMA"]);
  });
});
