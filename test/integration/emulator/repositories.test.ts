import { describe, expect, it } from "vitest";
import { expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();
const NEW = { namespace: "acme", repository: "app", visibility: "private", description: "d" };

describe("repositories (docs/quay-api.md#repositories)", () => {
  it("docs/quay-api.md#repositories create: 201 {namespace, name, kind}; logs create_repo", async () => {
    await h.org("acme");
    const r = await h.post("/api/v1/repository", NEW);
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ namespace: "acme", name: "app", kind: "image" });
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0]).toMatchObject({
      kind: "create_repo",
      metadata: { repo: "app", namespace: "acme" },
    });
  });

  it("docs/quay-api.md#repositories docs/quay-api.md#emulator-gotchas the creating user gets an explicit admin permission, even in an org", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    const perms = (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions;
    expect(perms.admin).toMatchObject({ role: "admin", name: "admin", is_robot: false, is_org_member: true });
  });

  it("docs/quay-api.md#repositories namespace defaults to the caller's own", async () => {
    const t = await h.user("bob");
    const r = await h.post(
      "/api/v1/repository",
      { repository: "mine", visibility: "public", description: "" },
      { token: t },
    );
    expect(r.json).toEqual({ namespace: "bob", name: "mine", kind: "image" });
  });

  it("docs/quay-api.md#repositories required fields and enums are validated", async () => {
    await h.org("acme");
    expectApiException(
      await h.post("/api/v1/repository", { namespace: "acme", repository: "a", visibility: "private" }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.post("/api/v1/repository", { ...NEW, visibility: "internal" }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.post("/api/v1/repository", { ...NEW, repo_kind: "application" }),
      400,
      "invalid_request",
    );
    expect((await h.post("/api/v1/repository", { ...NEW, repo_kind: null })).status).toBe(201);
  });

  it("docs/quay-api.md#repositories an existing repository is a 400, checked before the name", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expectApiException(
      await h.post("/api/v1/repository", NEW),
      400,
      "invalid_request",
      "Repository already exists",
    );
  });

  it("docs/quay-api.md#names docs/quay-api.md#repositories an invalid repository name is a 400 'Invalid repository name'", async () => {
    await h.org("acme");
    for (const bad of ["App", "-app", "a//b", "a/", "x".repeat(256)]) {
      expectApiException(
        await h.post("/api/v1/repository", { ...NEW, repository: bad }),
        400,
        "invalid_request",
        "Invalid repository name",
      );
    }
    expect((await h.post("/api/v1/repository", { ...NEW, repository: "a.b_c-d/e" })).status).toBe(201);
  });

  it("docs/quay-api.md#repositories no create permission is 403, also for a nonexistent namespace", async () => {
    await h.org("acme");
    const t = await h.user("bob");
    expect((await h.post("/api/v1/repository", NEW, { token: t })).status).toBe(403);
    expect((await h.post("/api/v1/repository", { ...NEW, namespace: "nosuch" }, { token: t })).status).toBe(
      403,
    );
  });

  it("docs/quay-api.md#emulator-gotchas a FULL_ACCESS superuser creating in a nonexistent namespace gets an HTML 500, nothing stored", async () => {
    const r = await h.post("/api/v1/repository", { ...NEW, namespace: "nosuch" });
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
  });

  it("docs/quay-api.md#repositories docs/quay-api.md#default-permissions prototypes apply to repositories created later, user-specific winning", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.user("carol");
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "team", name: "devs" },
    });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "admin",
      delegate: { kind: "team", name: "devs" },
      activating_user: { name: "admin" },
    });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "write",
      delegate: { kind: "user", name: "bob" },
    });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "user", name: "carol" },
      activating_user: { name: "bob" },
    });
    // A prototype for the creator itself is skipped (it is admin already).
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "user", name: "admin" },
    });
    await h.post("/api/v1/repository", NEW);
    const users = (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions;
    expect(
      Object.fromEntries(Object.entries(users).map(([k, v]) => [k, (v as { role: string }).role])),
    ).toEqual({
      admin: "admin",
      bob: "write",
    });
    const teams = (await h.get("/api/v1/repository/acme/app/permissions/team/")).json.permissions;
    expect(teams.devs.role).toBe("admin");
  });

  it("docs/quay-api.md#default-permissions prototypes are never applied retroactively", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    await h.team("acme", "devs");
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "team", name: "devs" },
    });
    expect((await h.get("/api/v1/repository/acme/app/permissions/team/")).json.permissions).toEqual({});
  });

  it("docs/quay-api.md#repositories GET view fields; can_write false unless NORMAL", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    const r = await h.get("/api/v1/repository/acme/app");
    expect(r.json).toMatchObject({
      namespace: "acme",
      name: "app",
      kind: "image",
      description: "d",
      is_public: false,
      is_organization: true,
      is_starred: false,
      trust_enabled: false,
      tag_expiration_s: 1209600,
      is_free_account: true,
      state: "NORMAL",
      tags: {},
      can_write: true,
      can_admin: true,
    });
    expect(r.json.status_token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await h.put("/api/v1/repository/acme/app/changestate", { state: "READ_ONLY" });
    expect((await h.get("/api/v1/repository/acme/app")).json.can_write).toBe(false);
  });

  it("docs/quay-api.md#repositories includeTags=false drops tags; includeStats adds 91 days of stats", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    const r = await h.get("/api/v1/repository/acme/app?includeTags=false&includeStats=true");
    expect(r.json.tags).toBeUndefined();
    expect(r.json.stats).toHaveLength(91);
    expect(r.json.stats[0]).toMatchObject({ count: 0 });
  });

  it("docs/quay-api.md#repositories status_token is empty for public repositories; anonymous callers may read them", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", { ...NEW, visibility: "public" });
    const r = await h.get("/api/v1/repository/acme/app", { token: null });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status_token: "", can_write: false, can_admin: false });
  });

  it("docs/quay-api.md#repositories a missing repo: 404 for callers who could read it, 403/401 otherwise", async () => {
    await h.org("acme");
    expectApiException(await h.get("/api/v1/repository/acme/nope"), 404, "not_found");
    const t = await h.user("bob");
    expectApiException(await h.get("/api/v1/repository/acme/nope", { token: t }), 403, "insufficient_scope");
    expectApiException(await h.get("/api/v1/repository/acme/nope", { token: null }), 401, "invalid_token");
  });

  it("docs/quay-api.md#repositories list needs namespace, starred or public", async () => {
    expectApiException(
      await h.get("/api/v1/repository"),
      400,
      "invalid_request",
      "namespace, starred or public are required for this API call",
    );
  });

  it("docs/quay-api.md#emulator-gotchas list items have exactly Quay's keys (+ last_modified and popularity when asked)", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    const r = await h.get("/api/v1/repository?namespace=acme");
    expect(Object.keys(r.json.repositories[0]).sort()).toEqual(
      ["namespace", "name", "description", "is_public", "kind", "state", "is_starred", "quota_report"].sort(),
    );
    expect(r.json.repositories[0].quota_report).toEqual({ quota_bytes: 0, configured_quota: null });
    const r2 = await h.get("/api/v1/repository?namespace=acme&last_modified=true&popularity=true");
    expect(r2.json.repositories[0]).toMatchObject({ last_modified: null, popularity: 0 });
  });

  it("docs/quay-api.md#repositories list shows only what the caller can see; public=true adds public repositories", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    await h.post("/api/v1/repository", { ...NEW, repository: "open", visibility: "public" });
    const t = await h.user("bob");
    const names = async (q: string) =>
      (await h.get(`/api/v1/repository?${q}`, { token: t })).json.repositories.map(
        (x: { name: string }) => x.name,
      );
    expect(await names("namespace=acme")).toEqual([]);
    expect(await names("namespace=acme&public=true")).toEqual(["open"]);
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "read" });
    expect(await names("namespace=acme")).toEqual(["app"]);
  });

  it("docs/quay-api.md#repositories 100 repositories a page, then next_page", async () => {
    await h.org("acme");
    for (let i = 0; i < 101; i++)
      await h.post("/api/v1/repository", { ...NEW, repository: `r${String(i).padStart(3, "0")}` });
    const p1 = await h.get("/api/v1/repository?namespace=acme");
    expect(p1.json.repositories).toHaveLength(100);
    const p2 = await h.get(`/api/v1/repository?namespace=acme&next_page=${p1.json.next_page}`);
    expect(p2.json.repositories.map((r: { name: string }) => r.name)).toEqual(["r100"]);
    expect(p2.json.next_page).toBeUndefined();
  });

  it("docs/quay-api.md#repositories update description: {success: true}, logs set_repo_description; 404 when missing", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expect((await h.put("/api/v1/repository/acme/app", { description: "new" })).json).toEqual({
      success: true,
    });
    expect((await h.get("/api/v1/repository/acme/app")).json.description).toBe("new");
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0]).toMatchObject({
      kind: "set_repo_description",
      metadata: { description: "new" },
    });
    expectApiException(await h.put("/api/v1/repository/acme/nope", { description: "x" }), 404, "not_found");
    expectApiException(await h.put("/api/v1/repository/acme/app", {}), 400, "invalid_request");
  });

  it("docs/quay-api.md#repositories changevisibility: {success: true}; a missing repo answers 200 null", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expect(
      (await h.post("/api/v1/repository/acme/app/changevisibility", { visibility: "public" })).json,
    ).toEqual({ success: true });
    expect((await h.get("/api/v1/repository/acme/app")).json.is_public).toBe(true);
    const missing = await h.post("/api/v1/repository/acme/nope/changevisibility", { visibility: "public" });
    expect(missing.status).toBe(200);
    expect(missing.text.trim()).toBe("null");
  });

  it("docs/quay-api.md#repositories changevisibility needs repo admin and a valid value", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expectApiException(
      await h.post("/api/v1/repository/acme/app/changevisibility", { visibility: "x" }),
      400,
      "invalid_request",
    );
    const t = await h.user("bob");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
    expect(
      (await h.post("/api/v1/repository/acme/app/changevisibility", { visibility: "public" }, { token: t }))
        .status,
    ).toBe(403);
  });

  it("docs/quay-api.md#repositories changestate: sets the state without a mirror config, logs change_repo_state", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expect((await h.put("/api/v1/repository/acme/app/changestate", { state: "MIRROR" })).json).toEqual({
      success: true,
    });
    expect((await h.get("/api/v1/repository/acme/app")).json.state).toBe("MIRROR");
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0]).toMatchObject({
      kind: "change_repo_state",
      metadata: { state_changed: "MIRROR" },
    });
    expectApiException(await h.get("/api/v1/repository/acme/app/mirror"), 404, "not_found");
  });

  it("docs/quay-api.md#repositories ORG_MIRROR or unknown states are schema errors; a missing repo is 404", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expectApiException(
      await h.put("/api/v1/repository/acme/app/changestate", { state: "ORG_MIRROR" }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.put("/api/v1/repository/acme/nope/changestate", { state: "NORMAL" }),
      404,
      "not_found",
    );
  });

  it("docs/quay-api.md#repositories tag operations on a non-NORMAL repository answer 503 with the state number", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    await h.put("/api/v1/repository/acme/app/changestate", { state: "MIRROR" });
    expectMessage(
      await h.put("/api/v1/repository/acme/app/tag/latest", { expiration: null }),
      503,
      "Repository is in read only or mirror mode: 2",
    );
  });

  it("docs/quay-api.md#repositories tags: the emulator stores no images, so no tag exists (list empty, expiry 404)", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expect((await h.get("/api/v1/repository/acme/app/tag/")).json).toEqual({
      tags: [],
      page: 1,
      has_additional: false,
    });
    expectApiException(
      await h.put("/api/v1/repository/acme/app/tag/latest", { expiration: null }),
      404,
      "not_found",
    );
    expectMessage(await h.put("/api/v1/repository/acme/app/tag/-bad", {}), 400);
  });

  it("docs/quay-api.md#repositories delete: 204, name reusable at once, logs delete_repo; a missing repo is still 204", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    expect((await h.del("/api/v1/repository/acme/app")).status).toBe(204);
    expectApiException(await h.get("/api/v1/repository/acme/app"), 404, "not_found");
    expect((await h.post("/api/v1/repository", NEW)).status).toBe(201);
    expect((await h.del("/api/v1/repository/acme/nope")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "delete_repo",
      metadata: { repo: "nope" },
    });
  });

  it("docs/quay-api.md#repositories delete needs repo admin", async () => {
    await h.org("acme");
    await h.post("/api/v1/repository", NEW);
    const t = await h.user("bob");
    expect((await h.del("/api/v1/repository/acme/app", { token: t })).status).toBe(403);
  });
});
