import { describe, expect, it } from "vitest";
import { ALL, allPages, expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

async function lastLog(org: string) {
  return (await h.get(`/api/v1/organization/${org}/logs`)).json.logs[0];
}

describe("organizations (docs/quay-api.md#organizations)", () => {
  it('docs/quay-api.md#organizations create answers 201 "Created" and adds team owners (admin) with the creator', async () => {
    const r = await h.post("/api/v1/organization/", { name: "acme", email: "acme@example.com" });
    expect(r.status).toBe(201);
    expect(r.json).toBe("Created");
    const team = await h.get("/api/v1/organization/acme/team/owners/members");
    expect(team.json.members.map((m: { name: string }) => m.name)).toEqual(["admin"]);
    const view = await h.get("/api/v1/organization/acme");
    expect(view.json.teams.owners).toMatchObject({ role: "admin", member_count: 1 });
  });

  it("docs/quay-api.md#organizations create logs org_create {email, namespace}", async () => {
    await h.post("/api/v1/organization/", { name: "acme", email: "acme@example.com" });
    const log = await lastLog("acme");
    expect(log.kind).toBe("org_create");
    expect(log.metadata).toMatchObject({ email: "acme@example.com", namespace: "acme" });
    expect(log.performer.name).toBe("admin");
  });

  it("docs/quay-api.md#organizations an existing org or user name is a 400 ApiException", async () => {
    await h.org("acme");
    await h.user("bob");
    for (const name of ["acme", "bob"]) {
      expectApiException(
        await h.post("/api/v1/organization/", { name }),
        400,
        "invalid_request",
        "A user or organization with this name already exists",
      );
    }
  });

  it("docs/quay-api.md#organizations docs/quay-api.md#names an invalid name is a 400 ApiException naming the regex", async () => {
    expectApiException(
      await h.post("/api/v1/organization/", { name: "Foo" }),
      400,
      "invalid_request",
      "Invalid namespace Foo: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$",
    );
    for (const bad of ["a..b", "-ab", "ab-", "a_-b"]) {
      expect((await h.post("/api/v1/organization/", { name: bad })).status).toBe(400);
    }
  });

  it("docs/quay-api.md#names names must be 2 to 255 characters", async () => {
    expectApiException(
      await h.post("/api/v1/organization/", { name: "a" }),
      400,
      "invalid_request",
      "Invalid namespace a: Namespace must be between 2 and 255 characters in length",
    );
    expect((await h.post("/api/v1/organization/", { name: "a".repeat(256) })).status).toBe(400);
    expect((await h.post("/api/v1/organization/", { name: "a".repeat(255) })).status).toBe(201);
  });

  it('docs/quay-api.md#organizations an invalid email is a 400 "Invalid email address"', async () => {
    expectApiException(
      await h.post("/api/v1/organization/", { name: "acme", email: "nope" }),
      400,
      "invalid_request",
      "Invalid email address",
    );
  });

  it("docs/quay-api.md#organizations contact_email takes precedence over email", async () => {
    await h.post("/api/v1/organization/", {
      name: "acme",
      email: "a@example.com",
      contact_email: "c@example.com",
    });
    expect((await h.get("/api/v1/organization/acme")).json.email).toBe("c@example.com");
  });

  it("docs/quay-api.md#organizations an email already used by a user is refused; orgs may share emails", async () => {
    await h.user("bob");
    expectApiException(
      await h.post("/api/v1/organization/", { name: "acme", email: "bob@example.com" }),
      400,
      "invalid_request",
      "Email has already been used: bob@example.com",
    );
    await h.post("/api/v1/organization/", { name: "one", email: "shared@example.com" });
    expect((await h.post("/api/v1/organization/", { name: "two", email: "shared@example.com" })).status).toBe(
      201,
    );
  });

  it("docs/quay-api.md#emulator-gotchas the admin view has exactly Quay's keys", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme");
    expect(Object.keys(r.json).sort()).toEqual(
      [
        "name",
        "email",
        "avatar",
        "is_admin",
        "is_member",
        "teams",
        "ordered_teams",
        "invoice_email",
        "invoice_email_address",
        "tag_expiration_s",
        "is_free_account",
        "quotas",
        "quota_report",
      ].sort(),
    );
    expect(r.json).toMatchObject({
      invoice_email_address: null,
      tag_expiration_s: 1209600,
      is_free_account: true,
    });
    expect(Object.keys(r.json.avatar).sort()).toEqual(["color", "hash", "kind", "name"]);
    expect(r.json.avatar.kind).toBe("user");
  });

  it('docs/quay-api.md#organizations an org created without email shows "" (the UUID placeholder is hidden)', async () => {
    await h.org("acme");
    expect((await h.get("/api/v1/organization/acme")).json.email).toBe("");
  });

  it("docs/quay-api.md#organizations GET of a missing org, or of a user's name, is a 404 ApiException", async () => {
    expectApiException(await h.get("/api/v1/organization/nosuch"), 404, "not_found", "Not Found");
    await h.user("bob");
    expectApiException(await h.get("/api/v1/organization/bob"), 404, "not_found");
  });

  it("docs/quay-api.md#organizations a plain member sees teams (can_view only on their own) but no admin fields", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    const t = await h.user("bob");
    await h.member("acme", "devs", "bob");
    const r = await h.get("/api/v1/organization/acme", { token: t });
    expect(r.json).toMatchObject({ is_admin: false, is_member: true, email: "" });
    expect(r.json.teams.devs.can_view).toBe(true);
    expect(r.json.teams.owners.can_view).toBe(false);
    expect(r.json.tag_expiration_s).toBeUndefined();
    expect(r.json.quotas).toEqual([]);
  });

  it("docs/quay-api.md#emulator-gotchas member_count includes robots; repo_count counts repositories with a team permission; ordered_teams is creation order", async () => {
    await h.org("acme");
    await h.team("acme", "zeta");
    await h.team("acme", "alpha");
    await h.robot("acme", "bot");
    await h.member("acme", "zeta", "acme+bot");
    await h.member("acme", "zeta", "admin");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/team/zeta", { role: "read" });
    const r = await h.get("/api/v1/organization/acme");
    expect(r.json.ordered_teams).toEqual(["owners", "zeta", "alpha"]);
    expect(r.json.teams.zeta).toMatchObject({
      member_count: 2,
      repo_count: 1,
      is_synced: false,
      description: "",
    });
  });

  it("docs/quay-api.md#organizations update email logs org_change_email; the same email again is a no-op without log", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme", { email: "new@example.com" });
    expect(r.status).toBe(200);
    expect(r.json.email).toBe("new@example.com");
    expect(await lastLog("acme")).toMatchObject({
      kind: "org_change_email",
      metadata: { email: "new@example.com", namespace: "acme", old_email: "" },
    });
    await h.put("/api/v1/organization/acme", { email: "new@example.com" });
    expect((await lastLog("acme")).kind).toBe("org_change_email");
    expect(
      (await h.get("/api/v1/organization/acme/logs")).json.logs.filter(
        (l: { kind: string }) => l.kind === "org_change_email",
      ),
    ).toHaveLength(1);
  });

  it('docs/quay-api.md#organizations contact_email null clears the email (shown as "")', async () => {
    await h.post("/api/v1/organization/", { name: "acme", email: "a@example.com" });
    const r = await h.put("/api/v1/organization/acme", { contact_email: null });
    expect(r.json.email).toBe("");
  });

  it("docs/quay-api.md#organizations an invalid email is a 400 ApiException", async () => {
    await h.org("acme");
    expectApiException(
      await h.put("/api/v1/organization/acme", { email: "bad" }),
      400,
      "invalid_request",
      "Invalid email address",
    );
  });

  it("docs/quay-api.md#organizations tag_expiration_s: 0 is allowed, 100 is a 400 {message}; logged even when unchanged", async () => {
    await h.org("acme");
    expect((await h.put("/api/v1/organization/acme", { tag_expiration_s: 0 })).json.tag_expiration_s).toBe(0);
    expectMessage(
      await h.put("/api/v1/organization/acme", { tag_expiration_s: 100 }),
      400,
      "Invalid tag expiration option",
    );
    await h.put("/api/v1/organization/acme", { tag_expiration_s: 0 });
    expect(await lastLog("acme")).toMatchObject({
      kind: "org_change_tag_expiration",
      metadata: { tag_expiration: 0 },
    });
  });

  it("docs/quay-api.md#organizations tag_expiration_s must be a non-negative integer (schema)", async () => {
    await h.org("acme");
    expectApiException(
      await h.put("/api/v1/organization/acme", { tag_expiration_s: -1 }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#organizations invoice settings are logged as org_change_invoicing", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme", {
      invoice_email: true,
      invoice_email_address: "bill@example.com",
    });
    expect(r.json).toMatchObject({ invoice_email: true, invoice_email_address: "bill@example.com" });
    const kinds = (await h.get("/api/v1/organization/acme/logs")).json.logs.map(
      (l: { kind: string }) => l.kind,
    );
    expect(kinds.filter((k: string) => k === "org_change_invoicing")).toHaveLength(2);
  });

  it("docs/quay-api.md#organizations update by a non-admin is 403; a missing org is 404 for a superuser", async () => {
    await h.org("acme");
    const t = await h.user("bob");
    expect((await h.put("/api/v1/organization/acme", { email: "x@example.com" }, { token: t })).status).toBe(
      403,
    );
    expectApiException(
      await h.put("/api/v1/organization/nosuch", { email: "x@example.com" }),
      404,
      "not_found",
    );
  });

  it("docs/quay-api.md#organizations delete: 204, then 404 at once, and the name is free again at once (3.18.0)", async () => {
    await h.org("acme");
    expect((await h.del("/api/v1/organization/acme")).status).toBe(204);
    expectApiException(await h.get("/api/v1/organization/acme"), 404, "not_found");
    // Quay 3.18.0 renames the deleted row to a UUID and checks no deleted names (newer Quay does:
    // "Username is not available" until its GC).
    expect((await h.post("/api/v1/organization/", { name: "acme" })).status).toBe(201);
  });

  it("docs/quay-api.md#organizations delete logs org_delete before the deletion", async () => {
    await h.org("acme");
    await h.del("/api/v1/organization/acme");
    const logs = (await h.get("/api/v1/superuser/logs")).json.logs as { metadata: { namespace?: string } }[];
    // The newest entry about acme (a shared Quay logs others' writes in between).
    expect(logs.find((l) => l.metadata.namespace === "acme")).toMatchObject({
      kind: "org_delete",
      metadata: { namespace: "acme" },
    });
  });

  it("docs/quay-api.md#organizations delete by a non-admin is 403", async () => {
    await h.org("acme");
    const t = await h.user("bob");
    expect((await h.del("/api/v1/organization/acme", { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#organizations superuser org list: short quota view, raw email placeholder, org avatars, no deleted orgs", async () => {
    await h.org("acme");
    await h.org("gone");
    await h.del("/api/v1/organization/gone");
    await h.post("/api/v1/organization/acme/quota", { limit_bytes: 1000 });
    const r = await h.get("/api/v1/superuser/organizations/");
    const mine = r.json.organizations.filter((o: { name: string }) => h.ours(o.name));
    expect(mine).toHaveLength(1);
    const org = mine[0];
    expect(org.name).toBe("acme");
    expect(org.email).toMatch(/^[0-9a-f-]{36}$/);
    expect(org.avatar.kind).toBe("org");
    expect(org.quotas).toEqual([{ id: expect.any(Number), limit_bytes: 1000, limits: [] }]);
    expect(org.quota_report).toMatchObject({ quota_bytes: 0, configured_quota: 1000 });
    expect(r.json.next_page).toBeUndefined();
  });

  it("docs/quay-api.md#pagination superuser org list: limit paginates with next_page; limit > 100 is 400", async () => {
    for (const n of ["o1", "o2", "o3"]) await h.org(n);
    // Pages of at most 2, the last without next_page; the test's organizations come in creation order.
    const { sizes, names } = await allPages(h, "/api/v1/superuser/organizations/", "organizations", 2);
    expect(sizes.slice(0, -1).every((n) => n === 2)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThan(0);
    expect(names.filter((n) => h.ours(n))).toEqual(["o1", "o2", "o3"]);
    expectApiException(
      await h.get("/api/v1/superuser/organizations/?limit=101"),
      400,
      "invalid_request",
      "Page limit cannot be above 100",
    );
  });

  it("docs/quay-api.md#organizations superuser rename renames the robots and logs org_change_name", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    const r = await h.put("/api/v1/superuser/organizations/acme", { name: "acme2" });
    expect(r.status).toBe(200);
    expect(r.json.name).toBe("acme2");
    expect((await h.get("/api/v1/organization/acme2/robots")).json.robots[0].name).toBe("acme2+ci");
    expect((await h.get("/api/v1/organization/acme2/logs")).json.logs[0]).toMatchObject({
      kind: "org_change_name",
      metadata: { old_name: "acme", new_name: "acme2", superuser: "admin" },
    });
  });

  it("docs/quay-api.md#organizations superuser delete: 204, name reserved; a missing org is a DataModelException 400", async () => {
    await h.org("acme");
    expect((await h.del("/api/v1/superuser/organizations/acme")).status).toBe(204);
    expectApiException(await h.get("/api/v1/organization/acme"), 404, "not_found");
    expectMessage(
      await h.del("/api/v1/superuser/organizations/acme"),
      400,
      "Organization does not exist: acme",
    );
  });

  it("docs/quay-api.md#organizations the superuser panel needs super:user", async () => {
    const t = await h.user("bob");
    expect((await h.get("/api/v1/superuser/organizations/", { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#emulator-gotchas members: users only (no robots), with their teams and direct repositories", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.robot("acme", "bot");
    await h.member("acme", "devs", "bob");
    await h.member("acme", "devs", "acme+bot");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    const r = await h.get("/api/v1/organization/acme/members");
    expect(r.json.members.map((m: { name: string }) => m.name).sort()).toEqual(["admin", "bob"]);
    const bob = r.json.members.find((m: { name: string }) => m.name === "bob");
    expect(bob).toMatchObject({ kind: "user", teams: [{ name: "devs" }], repositories: ["app"] });
    const admin = r.json.members.find((m: { name: string }) => m.name === "admin");
    expect(admin.repositories).toEqual(["app"]);
  });

  it("docs/quay-api.md#organizations member GET: a robot of the org with no team is a member; a non-member user is 404", async () => {
    await h.org("acme");
    await h.robot("acme", "bot");
    const r = await h.get("/api/v1/organization/acme/members/acme+bot");
    expect(r.json).toMatchObject({ name: "acme+bot", kind: "robot", teams: [], repositories: [] });
    await h.user("bob");
    expectApiException(await h.get("/api/v1/organization/acme/members/bob"), 404, "not_found");
  });

  it("docs/quay-api.md#organizations member DELETE removes team memberships and direct permissions, writes no log", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
    const before = (await h.get("/api/v1/organization/acme/logs")).json.logs.length;
    expect((await h.del("/api/v1/organization/acme/members/bob")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/team/devs/members")).json.members).toEqual([]);
    expect(
      (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions.bob,
    ).toBeUndefined();
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs.length).toBe(before);
  });

  it("docs/quay-api.md#emulator-gotchas removing the only org admin is a 400 {message}; robots and unknown names are 404", async () => {
    await h.org("acme");
    expectMessage(
      await h.del("/api/v1/organization/acme/members/admin"),
      400,
      "Cannot remove user as they are the only organization admin",
    );
    await h.robot("acme", "bot");
    expectApiException(await h.del("/api/v1/organization/acme/members/acme+bot"), 404, "not_found");
    expectApiException(await h.del("/api/v1/organization/acme/members/nobody"), 404, "not_found");
  });

  it("docs/quay-api.md#organizations collaborators: users with direct permissions who are in no team", async () => {
    await h.org("acme");
    await h.user("bob");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    const r = await h.get("/api/v1/organization/acme/collaborators");
    expect(r.json.collaborators).toMatchObject([{ kind: "user", name: "bob", repositories: ["app"] }]);
  });

  it("docs/quay-api.md#organizations takeownership: the superuser joins the org's admin team", async () => {
    const alice = await h.user("alice", ALL);
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    const r = await h.post("/api/v1/superuser/takeownership/alices");
    expect(r.json).toEqual({ namespace: "alices" });
    const members = (await h.get("/api/v1/organization/alices/team/owners/members")).json.members;
    // Quay's member query has no ORDER BY (data/model/organization.py get_organization_team_members).
    expect(members.map((m: { name: string }) => m.name).sort()).toEqual(["admin", "alice"]);
    expectApiException(
      await h.post("/api/v1/superuser/takeownership/admin"),
      400,
      "invalid_request",
      "Cannot take ownership of a superuser",
    );
    expectApiException(await h.post("/api/v1/superuser/takeownership/nosuch"), 404, "not_found");
  });

  it("docs/quay-api.md#organizations takeownership of a user converts it into an organization", async () => {
    await h.user("bob");
    await h.post("/api/v1/superuser/takeownership/bob");
    const r = await h.get("/api/v1/organization/bob");
    expect(r.status).toBe(200);
    expect(r.json.teams.owners.member_count).toBe(1);
  });
});
