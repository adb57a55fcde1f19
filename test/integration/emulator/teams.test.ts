import { describe, expect, it } from "vitest";
import { ALL, expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

describe("teams and members (docs/quay-api.md#teams)", () => {
  it("docs/quay-api.md#teams PUT creates a team: 200 (not 201) with new_team true; logs org_create_team", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme/team/devs", { role: "creator", description: "Devs" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      name: "devs",
      role: "creator",
      description: "Devs",
      can_view: true,
      new_team: true,
    });
    expect(r.json.avatar.kind).toBe("team");
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_create_team",
      metadata: { team: "devs" },
    });
  });

  it("docs/quay-api.md#teams PUT on an existing team updates it: new_team false, only changed fields logged", async () => {
    await h.org("acme");
    await h.team("acme", "devs", "member");
    const r = await h.put("/api/v1/organization/acme/team/devs", { role: "admin", description: "x" });
    expect(r.json).toMatchObject({ new_team: false, role: "admin", description: "x" });
    const kinds = (await h.get("/api/v1/organization/acme/logs")).json.logs.map(
      (l: { kind: string }) => l.kind,
    );
    expect(kinds.slice(0, 2).sort()).toEqual(["org_set_team_description", "org_set_team_role"]);
    await h.put("/api/v1/organization/acme/team/devs", { role: "admin", description: "x" });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs.length).toBe(kinds.length);
  });

  it("docs/quay-api.md#teams role is required and must be member, creator or admin", async () => {
    await h.org("acme");
    expectApiException(
      await h.put("/api/v1/organization/acme/team/devs", { description: "x" }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.put("/api/v1/organization/acme/team/devs", { role: "owner" }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#teams an invalid team name is a DataModelException 400", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme/team/Devs", { role: "member" });
    expectMessage(
      r,
      400,
      "Invalid team name Devs: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$",
    );
    expectMessage(
      await h.put("/api/v1/organization/acme/team/d", { role: "member" }),
      400,
      "Invalid team name d: Team must be between 2 and 255 characters in length",
    );
  });

  it("docs/quay-api.md#teams a missing org (FULL_ACCESS superuser) is a DataModelException 400", async () => {
    expectMessage(
      await h.put("/api/v1/organization/nosuch/team/devs", { role: "member" }),
      400,
      "Organization does not exist: nosuch",
    );
  });

  it("docs/quay-api.md#teams demoting the caller's only admin team is refused", async () => {
    const t = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: t });
    const r = await h.put("/api/v1/organization/alices/team/owners", { role: "member" }, { token: t });
    expectMessage(
      r,
      400,
      "Cannot remove admin from team 'owners' because calling user would no longer have admin on org 'alices'",
    );
  });

  it("docs/quay-api.md#emulator-gotchas changing a team's role keeps its members, permissions and description", async () => {
    await h.org("acme");
    await h.put("/api/v1/organization/acme/team/devs", { role: "member", description: "keep" });
    await h.member("acme", "devs", "admin");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "write" });
    await h.put("/api/v1/organization/acme/team/devs", { role: "creator" });
    expect((await h.get("/api/v1/organization/acme/team/devs/members")).json.members).toHaveLength(1);
    expect((await h.get("/api/v1/repository/acme/app/permissions/team/devs")).json).toEqual({
      role: "write",
    });
    expect((await h.get("/api/v1/organization/acme")).json.teams.devs.description).toBe("keep");
  });

  it("docs/quay-api.md#teams team management needs org admin", async () => {
    await h.org("acme");
    const t = await h.user("bob");
    expect(
      (await h.put("/api/v1/organization/acme/team/devs", { role: "member" }, { token: t })).status,
    ).toBe(403);
  });

  it("docs/quay-api.md#teams delete: 204 and org_delete_team; an unknown team is a 400 {message}", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expect((await h.del("/api/v1/organization/acme/team/devs")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_delete_team",
      metadata: { team: "devs" },
    });
    expectMessage(
      await h.del("/api/v1/organization/acme/team/devs"),
      400,
      "Team 'devs' is not a team in org 'acme'",
    );
  });

  it("docs/quay-api.md#teams deleting the caller's only admin team is refused", async () => {
    const t = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: t });
    expectMessage(
      await h.del("/api/v1/organization/alices/team/owners", { token: t }),
      400,
      "Deleting team 'owners' would remove admin ability for user 'alice' in organization 'alices'",
    );
  });

  it("docs/quay-api.md#emulator-gotchas a FULL_ACCESS superuser in no admin team deleting an admin team: 500, the team stays", async () => {
    const t = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: t });
    const r = await h.del("/api/v1/organization/alices/team/owners");
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
    expect((await h.get("/api/v1/organization/alices")).json.teams.owners).toBeDefined();
  });

  it("docs/quay-api.md#teams the owners team can be deleted when the caller has another admin team", async () => {
    await h.org("acme");
    await h.team("acme", "admins", "admin");
    await h.member("acme", "admins", "admin");
    expect((await h.del("/api/v1/organization/acme/team/owners")).status).toBe(204);
  });

  it("docs/quay-api.md#emulator-gotchas deleting a team deletes its permissions and the prototypes that delegate to it", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "read" });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "team", name: "devs" },
    });
    await h.del("/api/v1/organization/acme/team/devs");
    expect((await h.get("/api/v1/repository/acme/app/permissions/team/")).json.permissions).toEqual({});
    expect((await h.get("/api/v1/organization/acme/prototypes")).json.prototypes).toEqual([]);
  });

  it("docs/quay-api.md#emulator-gotchas members view {name, members, can_edit}; robots are kind user with is_robot and a robot avatar", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.robot("acme", "ci");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    await h.member("acme", "devs", "acme+ci");
    const r = await h.get("/api/v1/organization/acme/team/devs/members");
    expect(Object.keys(r.json).sort()).toEqual(["can_edit", "members", "name"]);
    expect(r.json.can_edit).toBe(true);
    // No ORDER BY in Quay's member query (data/model/organization.py get_organization_team_members).
    const byName = [...r.json.members].sort((a: { name: string }, b: { name: string }) =>
      a.name.localeCompare(b.name),
    );
    expect(byName).toMatchObject([
      { name: "acme+ci", kind: "user", is_robot: true, invited: false, avatar: { kind: "robot" } },
      { name: "bob", kind: "user", is_robot: false, invited: false },
    ]);
  });

  it("docs/quay-api.md#teams members of an unknown team: 404", async () => {
    await h.org("acme");
    expectApiException(await h.get("/api/v1/organization/acme/team/nope/members"), 404, "not_found");
  });

  it("docs/quay-api.md#teams a team member may list their team (can_edit false); others get 403", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.team("acme", "ops");
    const t = await h.user("bob");
    await h.member("acme", "devs", "bob");
    expect((await h.get("/api/v1/organization/acme/team/devs/members", { token: t })).json.can_edit).toBe(
      false,
    );
    expect((await h.get("/api/v1/organization/acme/team/ops/members", { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#teams adding a member: 200 member view, org_add_team_member logged", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    const r = await h.put("/api/v1/organization/acme/team/devs/members/bob");
    expect(r.json).toMatchObject({ name: "bob", kind: "user", is_robot: false, invited: false });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_add_team_member",
      metadata: { member: "bob", team: "devs" },
    });
  });

  it("docs/quay-api.md#teams docs/quay-api.md#emulator-gotchas re-adding a member is not idempotent: 400 {message}", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    expectMessage(
      await h.put("/api/v1/organization/acme/team/devs/members/bob"),
      400,
      "User bob is already a member of team devs",
    );
  });

  it("docs/quay-api.md#teams an unknown user is a 400 ApiException; an unknown team a 404", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expectApiException(
      await h.put("/api/v1/organization/acme/team/devs/members/nobody"),
      400,
      "invalid_request",
      "Unknown user",
    );
    expectApiException(await h.put("/api/v1/organization/acme/team/nope/members/admin"), 404, "not_found");
  });

  it("docs/quay-api.md#teams live 3.18.0: with mailing off a robot of another org is added as a member", async () => {
    await h.org("acme");
    await h.org("other");
    await h.team("acme", "devs");
    await h.robot("other", "bot");
    const r = await h.put("/api/v1/organization/acme/team/devs/members/other+bot");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "other+bot", kind: "user", is_robot: true });
    const members = (await h.get("/api/v1/organization/acme/team/devs/members")).json.members;
    expect(members.map((m: { name: string }) => m.name)).toEqual(["other+bot"]);
  });

  it("docs/quay-api.md#teams removing a member: 204 and org_remove_team_member; not in team → 400 {message}", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    expect((await h.del("/api/v1/organization/acme/team/devs/members/bob")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0].kind).toBe("org_remove_team_member");
    expectMessage(
      await h.del("/api/v1/organization/acme/team/devs/members/bob"),
      400,
      "User bob does not belong to team devs",
    );
    expectApiException(await h.del("/api/v1/organization/acme/team/devs/members/nobody"), 404, "not_found");
  });

  it("docs/quay-api.md#teams removing yourself from your only admin team is refused", async () => {
    const t = await h.user("alice", ALL);
    await h.post("/api/v1/organization/", { name: "alices" }, { token: t });
    expectMessage(
      await h.del("/api/v1/organization/alices/team/owners/members/alice", { token: t }),
      400,
      "User cannot remove themselves from their only admin team.",
    );
  });

  it("docs/quay-api.md#teams team permissions list the repositories of the team", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "admin" });
    expect((await h.get("/api/v1/organization/acme/team/devs/permissions")).json).toEqual({
      permissions: [{ repository: { name: "app", is_public: false }, role: "admin" }],
    });
    expectApiException(await h.get("/api/v1/organization/acme/team/nope/permissions"), 404, "not_found");
  });

  it("docs/quay-api.md#teams there is no GET on a single team: the web catch-all answers (308, then HTML 404)", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expect((await h.get("/api/v1/organization/acme/team/devs")).status).toBe(308);
    expect((await h.get("/api/v1/organization/acme/team/devs/")).status).toBe(404);
  });

  it("docs/quay-api.md#features team invites by email are not registered with mailing off", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    expect((await h.put("/api/v1/organization/acme/team/devs/invite/x@example.com")).status).toBe(405);
  });
});
