import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

beforeEach(async () => {
  await h.org("acme");
  await h.repo("acme", "app");
});

describe("repository permissions (docs/quay-api.md#permissions)", () => {
  it("docs/quay-api.md#permissions PUT user permission creates and updates (200), view with is_org_member; lists are keyed by name", async () => {
    await h.user("bob");
    const r = await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ role: "read", name: "bob", is_robot: false, is_org_member: false });
    expect(
      (await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "admin" })).json.role,
    ).toBe("admin");
    const list = (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions;
    expect(Object.keys(list).sort()).toEqual(["admin", "bob"]);
    expect(list.bob.role).toBe("admin");
  });

  it("docs/quay-api.md#permissions is_org_member is true for robots and users in any team; absent in user namespaces", async () => {
    await h.robot("acme", "ci");
    await h.put("/api/v1/repository/acme/app/permissions/user/acme+ci", { role: "write" });
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/acme+ci")).json).toMatchObject({
      is_robot: true,
      is_org_member: true,
    });
    const t = await h.user("bob");
    await h.repo("bob", "own", "private", t);
    const own = (await h.get("/api/v1/repository/bob/own/permissions/user/", { token: t })).json.permissions;
    expect(own.bob).toEqual({ role: "admin", name: "bob", is_robot: false, avatar: expect.any(Object) });
  });

  it("docs/quay-api.md#permissions PUT for an unknown user is a 400 ApiException 'Invalid username'", async () => {
    expectApiException(
      await h.put("/api/v1/repository/acme/app/permissions/user/nobody", { role: "read" }),
      400,
      "invalid_request",
      "Invalid username: nobody",
    );
  });

  it("docs/quay-api.md#permissions docs/quay-api.md#robots a robot of another namespace is refused", async () => {
    await h.org("other");
    await h.robot("other", "bot");
    expectApiException(
      await h.put("/api/v1/repository/acme/app/permissions/user/other+bot", { role: "read" }),
      400,
      "invalid_request",
      "Cannot add robot other+bot under namespace acme",
    );
  });

  it("docs/quay-api.md#permissions the namespace owner must always be admin (user namespaces)", async () => {
    const t = await h.user("bob");
    await h.repo("bob", "own", "private", t);
    expectApiException(
      await h.put("/api/v1/repository/bob/own/permissions/user/bob", { role: "read" }, { token: t }),
      400,
      "invalid_request",
      "Namespace owner must always be admin.",
    );
    expectApiException(
      await h.del("/api/v1/repository/bob/own/permissions/user/bob", { token: t }),
      400,
      "invalid_request",
      "Namespace owner must always be admin.",
    );
  });

  it("docs/quay-api.md#permissions the role is required and must be read, write or admin", async () => {
    await h.user("bob");
    expectApiException(
      await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "owner" }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.put("/api/v1/repository/acme/app/permissions/user/bob", {}),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#emulator-gotchas PUT on a missing repository is an HTML 500 and nothing is stored", async () => {
    await h.user("bob");
    const r = await h.put("/api/v1/repository/acme/nope/permissions/user/bob", { role: "read" });
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
    const t = await h.put("/api/v1/repository/acme/nope/permissions/team/owners", { role: "read" });
    expect(t.status).toBe(500);
  });

  it("docs/quay-api.md#permissions GET of a user without a permission row is a 400 {message}, not 404", async () => {
    await h.user("bob");
    expectMessage(
      await h.get("/api/v1/repository/acme/app/permissions/user/bob"),
      400,
      "User does not have permission for repo.",
    );
  });

  it("docs/quay-api.md#permissions DELETE without a permission row is a 400 ApiException", async () => {
    await h.user("bob");
    expectApiException(
      await h.del("/api/v1/repository/acme/app/permissions/user/bob"),
      400,
      "invalid_request",
      "User does not have permission for repo.",
    );
  });

  it("docs/quay-api.md#permissions DELETE: 204 and delete_repo_permission logged", async () => {
    await h.user("bob");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    expect((await h.del("/api/v1/repository/acme/app/permissions/user/bob")).status).toBe(204);
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0]).toMatchObject({
      kind: "delete_repo_permission",
      metadata: { username: "bob", repo: "app", namespace: "acme" },
    });
  });

  it("docs/quay-api.md#permissions create and update both log change_repo_permission", async () => {
    await h.user("bob");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
    const logs = (await h.get("/api/v1/repository/acme/app/logs")).json.logs;
    expect(logs.slice(0, 2).map((l: { kind: string }) => l.kind)).toEqual([
      "change_repo_permission",
      "change_repo_permission",
    ]);
    expect(logs[0].metadata).toMatchObject({
      username: "bob",
      repo: "app",
      namespace: "acme",
      role: "write",
    });
  });

  it("docs/quay-api.md#permissions users outside the org can be granted permissions (outside collaborators)", async () => {
    await h.user("bob");
    expect((await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" })).status).toBe(
      200,
    );
  });

  it("docs/quay-api.md#permissions transitive: roles via teams; 404 when none", async () => {
    await h.team("acme", "devs");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    expectApiException(
      await h.get("/api/v1/repository/acme/app/permissions/user/bob/transitive"),
      404,
      "not_found",
    );
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "write" });
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/bob/transitive")).json).toEqual({
      permissions: [{ role: "write" }],
    });
  });

  it("docs/quay-api.md#permissions team permission: PUT view {role, name, avatar}; single GET only {role}; list keyed by team", async () => {
    await h.team("acme", "devs");
    const r = await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "read" });
    expect(r.json).toMatchObject({ role: "read", name: "devs" });
    expect(r.json.avatar.kind).toBe("team");
    expect((await h.get("/api/v1/repository/acme/app/permissions/team/devs")).json).toEqual({ role: "read" });
    expect(
      Object.keys((await h.get("/api/v1/repository/acme/app/permissions/team/")).json.permissions),
    ).toEqual(["devs"]);
  });

  it("docs/quay-api.md#permissions team not in the org: 400 ApiException 'No team ...'", async () => {
    expectApiException(
      await h.put("/api/v1/repository/acme/app/permissions/team/nope", { role: "read" }),
      400,
      "invalid_request",
      "No team nope in organization acme",
    );
  });

  it("docs/quay-api.md#permissions team GET/DELETE without a row: 400 {message} / 400 ApiException", async () => {
    await h.team("acme", "devs");
    expectMessage(
      await h.get("/api/v1/repository/acme/app/permissions/team/devs"),
      400,
      "Team does not have permission for repo.",
    );
    expectApiException(
      await h.del("/api/v1/repository/acme/app/permissions/team/devs"),
      400,
      "invalid_request",
      "Team does not have permission for repo.",
    );
  });

  it("docs/quay-api.md#permissions the team log has no namespace key", async () => {
    await h.team("acme", "devs");
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "read" });
    const md = (await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].metadata;
    expect(md).toMatchObject({ team: "devs", repo: "app", role: "read" });
    expect(md.namespace).toBeUndefined();
  });

  it("docs/quay-api.md#emulator-gotchas lists on a missing repository are 200 {permissions: {}}; a single GET there is 400", async () => {
    expect((await h.get("/api/v1/repository/acme/nope/permissions/user/")).json).toEqual({ permissions: {} });
    expect((await h.get("/api/v1/repository/acme/nope/permissions/team/")).json).toEqual({ permissions: {} });
    expectMessage(await h.get("/api/v1/repository/acme/nope/permissions/user/admin"), 400);
  });

  it("docs/quay-api.md#permissions no permission on the repo: 403 authenticated, 401 anonymous", async () => {
    const t = await h.user("bob");
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/", { token: t })).status).toBe(403);
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/", { token: null })).status).toBe(401);
  });

  it("docs/quay-api.md#permissions a repository admin (not org admin) manages permissions", async () => {
    const t = await h.user("bob");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "admin" });
    await h.user("carol");
    expect(
      (await h.put("/api/v1/repository/acme/app/permissions/user/carol", { role: "read" }, { token: t }))
        .status,
    ).toBe(200);
  });
});
