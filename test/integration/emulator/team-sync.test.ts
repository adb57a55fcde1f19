/**
 * Team sync as Quay 3.18.0's source has it (docs/quay-api.md#team-sync): the syncing routes, what
 * each authentication backend accepts, what a synced team refuses, where the group can be read, and
 * the worker and OIDC logins that bring the directory's users in (the emulator's control call).
 */
import { describe, expect, it } from "vitest";
import { ALL, expectApiException, expectHtml, type Harness, useEmulator } from "./helpers";

const SYNCING = "/api/v1/organization/acme/team/devs/syncing";
const MEMBERS = "/api/v1/organization/acme/team/devs/members";

async function logKinds(h: Harness): Promise<{ kind: string; metadata: unknown }[]> {
  return (await h.get("/api/v1/organization/acme/logs")).json.logs;
}

/** Users of an external directory exist once they logged in (the superuser API refuses to create them). */
async function login(h: Harness, user: string, groups?: string[]): Promise<string> {
  const r = await h.control("POST", "/_emulator/team-sync", {
    login: { user, ...(groups ? { groups } : {}) },
  });
  expect(r.status).toBe(200);
  return h.emu().mintToken(user, ALL);
}

async function memberNames(h: Harness): Promise<string[]> {
  return (await h.get(MEMBERS)).json.members.map((m: { name: string }) => m.name).sort();
}

describe("FEATURE_TEAM_SYNCING off (Quay's default)", () => {
  const h = useEmulator({ config: { AUTHENTICATION_TYPE: "LDAP" } });

  it("the syncing routes are not registered: HTML 405; no is_synced, no can_sync", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expectHtml(await h.post(SYNCING, { group_dn: "cn=devs" }), 405);
    expectHtml(await h.del(SYNCING), 405);
    expect((await h.get("/api/v1/organization/acme")).json.teams.devs.is_synced).toBe(false);
    expect(Object.keys((await h.get(MEMBERS)).json).sort()).toEqual(["can_edit", "members", "name"]);
  });
});

describe("FEATURE_TEAM_SYNCING with Database auth", () => {
  const h = useEmulator({ config: { FEATURE_TEAM_SYNCING: true } });

  it("the route exists but the backend refuses every group: 400 'Not supported'", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expectApiException(
      await h.post(SYNCING, { group_dn: "cn=devs" }),
      400,
      "invalid_request",
      "Could not sync to group: Not supported",
    );
    // No federated service: the members list shows nothing about syncing.
    expect((await h.get(MEMBERS)).json.can_sync).toBeUndefined();
    expect(await logKinds(h)).not.toContainEqual(expect.objectContaining({ kind: "enable_team_sync" }));
  });
});

describe("LDAP", () => {
  const h = useEmulator({
    config: {
      FEATURE_TEAM_SYNCING: true,
      AUTHENTICATION_TYPE: "LDAP",
      LDAP_BASE_DN: ["dc=lab", "dc=example"],
      EMULATOR_DIRECTORY_GROUPS: { "cn=devs,ou=groups": ["alice", "bob"], "cn=empty,ou=groups": [] },
    },
  });

  it("checks the group: group_dn required, the group must have a user", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    const refused = async (body: unknown, reason: string) =>
      expectApiException(
        await h.post(SYNCING, body),
        400,
        "invalid_request",
        `Could not sync to group: ${reason}`,
      );
    await refused({}, "Missing group_dn");
    await refused({ group_dn: "" }, "Missing group_dn");
    await refused({ group_dn: "cn=empty,ou=groups" }, "Group does not exist or is empty");
    await refused({ group_dn: "cn=nobody,ou=groups" }, "Group does not exist or is empty");
    // The full DN is wrong: Quay appends LDAP_BASE_DN itself.
    await refused({ group_dn: "cn=devs,ou=groups,dc=lab,dc=example" }, "Group does not exist or is empty");
  });

  it("enables: the team view, enable_team_sync, is_synced and the group in the members list", async () => {
    await h.org("acme");
    await h.team("acme", "devs", "creator");
    const r = await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "devs", role: "creator", new_team: false, can_view: true });
    expect((await logKinds(h))[0]).toMatchObject({ kind: "enable_team_sync", metadata: { team: "devs" } });
    expect((await h.get("/api/v1/organization/acme")).json.teams.devs.is_synced).toBe(true);
    const members = (await h.get(MEMBERS)).json;
    expect(members.can_sync).toEqual({ service: "ldap", base_dn: "dc=lab,dc=example" });
    expect(members.synced).toEqual({
      service: "ldap",
      last_updated: null,
      config: { group_dn: "cn=devs,ou=groups" },
    });
  });

  it("a second enable is Quay's uncaught IntegrityError (500); changing the group is DELETE then POST", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expect((await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" })).status).toBe(200);
    expectHtml(await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" }), 500);
    expect((await h.del(SYNCING)).status).toBe(200);
    expect((await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" })).status).toBe(200);
  });

  it("a synced team refuses user members (robots pass) and e-mail invites", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await login(h, "carol");
    await h.member("acme", "devs", "carol");
    await h.robot("acme", "ci");
    await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" });
    const refused = "Cannot call this method on an auth-synced team";
    expectApiException(await h.put(`${MEMBERS}/carol`), 400, "invalid_request", refused);
    expectApiException(await h.del(`${MEMBERS}/carol`), 400, "invalid_request", refused);
    // Refused before the user is even looked up.
    expectApiException(await h.put(`${MEMBERS}/nobody`), 400, "invalid_request", refused);
    expect((await h.put(`${MEMBERS}/acme+ci`)).status).toBe(200);
    expect((await h.del(`${MEMBERS}/acme+ci`)).status).toBe(204);
    expect(await memberNames(h)).toEqual(["carol"]);
  });

  it("the worker pass brings the group's users in and removes other users; robots stay", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await login(h, "carol");
    await login(h, "alice");
    await h.member("acme", "devs", "carol");
    await h.robot("acme", "ci");
    await h.member("acme", "devs", "acme+ci");
    await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" });
    const before = (await logKinds(h)).length;
    const pass = await h.control("POST", "/_emulator/team-sync", { now: "2026-03-01T10:00:00Z" });
    expect(pass.json.synced).toEqual([
      {
        team: "acme/devs",
        added: ["alice", "bob"],
        removed: ["carol"],
        last_updated: "2026-03-01T10:00:00.000Z",
      },
    ]);
    expect(await memberNames(h)).toEqual(["acme+ci", "alice", "bob"]);
    expect((await h.get(MEMBERS)).json.synced.last_updated).toBe("Sun, 01 Mar 2026 10:00:00 -0000");
    // The worker writes no audit log; bob became a Quay user.
    expect((await logKinds(h)).length).toBe(before);
    expect((await h.get("/api/v1/users/bob")).status).toBe(200);
  });

  it("disabling keeps the members and logs disable_team_sync, even for a team that is not synced", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" });
    await h.control("POST", "/_emulator/team-sync");
    const r = await h.del(SYNCING);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "devs", new_team: false });
    expect(await memberNames(h)).toEqual(["alice", "bob"]);
    expect((await h.get(MEMBERS)).json.synced).toBeUndefined();
    expect((await h.get("/api/v1/organization/acme")).json.teams.devs.is_synced).toBe(false);
    expect((await h.del(SYNCING)).status).toBe(200);
    expect((await logKinds(h)).slice(0, 2).map((l) => l.kind)).toEqual([
      "disable_team_sync",
      "disable_team_sync",
    ]);
    // Users may be managed again.
    expect((await h.del(`${MEMBERS}/alice`)).status).toBe(204);
  });

  it("who: an org admin who is no superuser gets 403 and sees no group; a missing team is 404", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" });
    const dave = await login(h, "dave");
    await h.member("acme", "owners", "dave");
    expectApiException(
      await h.post(SYNCING, { group_dn: "cn=devs,ou=groups" }, { token: dave }),
      403,
      "insufficient_scope",
    );
    expectApiException(await h.del(SYNCING, { token: dave }), 403, "insufficient_scope");
    const seen = (await h.get(MEMBERS, { token: dave })).json;
    expect(seen.synced).toEqual({ service: "ldap" });
    expect(seen.can_sync).toBeUndefined();
    // The superuser's token without super:user is no superuser either.
    const noSuper = h.emu().mintToken(
      "admin",
      ALL.filter((s) => s !== "super:user"),
    );
    expectApiException(await h.del(SYNCING, { token: noSuper }), 403, "insufficient_scope");
    expect((await h.post("/api/v1/organization/acme/team/nope/syncing", { group_dn: "x" })).status).toBe(404);
    expect((await h.post("/api/v1/organization/nope/team/devs/syncing", { group_dn: "x" })).status).toBe(404);
  });

  it("the body is read with get_json(): 415 without a JSON content type, 400 when unparseable", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expect((await h.req("POST", SYNCING, { raw: "group_dn=x", contentType: "text/plain" })).status).toBe(415);
    expect((await h.req("POST", SYNCING, { raw: "{", contentType: "application/json" })).status).toBe(400);
    // A JSON value that is no object: LDAP calls .get() on it, an uncaught AttributeError.
    expectHtml(await h.post(SYNCING, ["cn=devs,ou=groups"]), 500);
  });
});

describe("FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP", () => {
  const h = useEmulator({
    config: {
      FEATURE_TEAM_SYNCING: true,
      FEATURE_NONSUPERUSER_TEAM_SYNCING_SETUP: true,
      AUTHENTICATION_TYPE: "LDAP",
      EMULATOR_DIRECTORY_GROUPS: { "cn=devs": ["alice"] },
    },
  });

  it("an org admin who is no superuser may enable it and read the group", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    const dave = await login(h, "dave");
    await h.member("acme", "owners", "dave");
    expect((await h.post(SYNCING, { group_dn: "cn=devs" }, { token: dave })).status).toBe(200);
    const seen = (await h.get(MEMBERS, { token: dave })).json;
    expect(seen.synced).toEqual({ service: "ldap", last_updated: null, config: { group_dn: "cn=devs" } });
    expect(seen.can_sync).toEqual({ service: "ldap", base_dn: "" });
  });
});

describe("OIDC", () => {
  const h = useEmulator({
    config: {
      FEATURE_TEAM_SYNCING: true,
      AUTHENTICATION_TYPE: "OIDC",
      SSO_LOGIN_CONFIG: { OIDC_SERVER: "https://sso.lab.example/realms/lab/", CLIENT_ID: "quay" },
    },
  });

  it("any group_name is accepted; enabling removes every user member at once, robots stay", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await login(h, "carol");
    await h.member("acme", "devs", "carol");
    await h.robot("acme", "ci");
    await h.member("acme", "devs", "acme+ci");
    expect((await h.post(SYNCING, { group_name: "acme-devs" })).status).toBe(200);
    expect(await memberNames(h)).toEqual(["acme+ci"]);
    const members = (await h.get(MEMBERS)).json;
    expect(members.can_sync).toEqual({ service: "oidc", issuer_domain: "sso.lab.example" });
    expect(members.synced).toMatchObject({ service: "oidc", config: { group_name: "acme-devs" } });
  });

  it("a login with the group joins the team, a later login without it leaves; the worker does nothing", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.post(SYNCING, { group_name: "acme-devs" });
    expect((await h.control("POST", "/_emulator/team-sync")).json.synced).toEqual([]);
    const erin = (groups: string[]) =>
      h.control("POST", "/_emulator/team-sync", { login: { user: "erin", groups } });
    expect((await erin(["acme-devs", "other"])).json.synced).toEqual([
      { team: "acme/devs", added: ["erin"], removed: [], last_updated: null },
    ]);
    expect(await memberNames(h)).toEqual(["erin"]);
    expect((await erin(["other"])).json.synced).toEqual([
      { team: "acme/devs", added: [], removed: ["erin"], last_updated: null },
    ]);
    expect(await memberNames(h)).toEqual([]);
  });
});

describe("Keystone", () => {
  const v2 = useEmulator({ config: { FEATURE_TEAM_SYNCING: true, AUTHENTICATION_TYPE: "Keystone" } });

  it("v2 (Quay's default KEYSTONE_AUTH_VERSION) cannot sync", async () => {
    await v2.org("acme");
    await v2.team("acme", "devs");
    expectApiException(
      await v2.post(SYNCING, { group_id: "g1" }),
      400,
      "invalid_request",
      "Could not sync to group: Not supported",
    );
  });
});

describe("Keystone v3", () => {
  const h = useEmulator({
    config: {
      FEATURE_TEAM_SYNCING: true,
      AUTHENTICATION_TYPE: "Keystone",
      KEYSTONE_AUTH_VERSION: 3,
      EMULATOR_DIRECTORY_GROUPS: { "0a1b2c": [] },
    },
  });

  it("needs a group_id that exists (an empty group is fine)", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    const refused = async (body: unknown, reason: string) =>
      expectApiException(
        await h.post(SYNCING, body),
        400,
        "invalid_request",
        `Could not sync to group: ${reason}`,
      );
    await refused({ group_dn: "0a1b2c" }, "Missing group_id");
    await refused({ group_id: "ffff" }, "Group not found");
    expect((await h.post(SYNCING, { group_id: "0a1b2c" })).status).toBe(200);
    expect((await h.get(MEMBERS)).json.synced.service).toBe("keystone");
  });
});

describe("JWT", () => {
  const h = useEmulator({ config: { FEATURE_TEAM_SYNCING: true, AUTHENTICATION_TYPE: "JWT" } });

  it("external JWT auth has a service but cannot sync", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expectApiException(
      await h.post(SYNCING, { group_name: "devs" }),
      400,
      "invalid_request",
      "Could not sync to group: Not supported",
    );
    expect((await h.get(MEMBERS)).json.can_sync).toEqual({ service: "jwtauthn" });
  });
});
