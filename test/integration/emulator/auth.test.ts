import { describe, expect, it } from "vitest";
import { ALL, emulatorOnly, expectAbort, expectApiException, useEmulator } from "./helpers";

const h = useEmulator();

describe("authentication, scopes and superusers (docs/quay-api.md#authentication)", () => {
  it("docs/quay-api.md#authentication an anonymous GET of a public endpoint gets the reduced org view", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme", { token: null });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "acme", email: "", is_admin: false, is_member: false });
    expect(r.json.teams).toBeUndefined();
    expect(r.json.tag_expiration_s).toBeUndefined();
  });

  it("docs/quay-api.md#authentication an unknown bearer token is not rejected: the request proceeds as anonymous", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme", { token: "nope" });
    expect(r.status).toBe(200);
    expect(r.json.is_admin).toBe(false);
  });

  it("docs/quay-api.md#authentication GET /user/ without a usable token: 401 invalid_token with session_required false", async () => {
    const r = await h.get("/api/v1/user/", { token: "nope" });
    expectApiException(r, 401, "invalid_token", "Requires authentication");
    expect(r.json.session_required).toBe(false);
  });

  it("docs/quay-api.md#authentication GET /user/ needs user:read or user:admin", async () => {
    const t = await h.user("alice", ["org:admin"]);
    expect((await h.get("/api/v1/user/", { token: t })).status).toBe(401);
    const t2 = await h.token("alice", ["user:read"]);
    expect((await h.get("/api/v1/user/", { token: t2 })).json.username).toBe("alice");
  });

  it("docs/quay-api.md#authentication a non-GET without a valid token hits the CSRF check first: 403 {error}", async () => {
    const r = await h.post("/api/v1/organization/", { name: "acme" }, { token: "nope" });
    expectAbort(r, 403, "CSRF token was invalid or missing.");
  });

  it("docs/quay-api.md#authentication CSRF comes before body validation (malformed JSON, no token: still 403)", async () => {
    const r = await h.req("POST", "/api/v1/organization/", {
      token: null,
      raw: "{",
      contentType: "application/json",
    });
    expect(r.status).toBe(403);
  });

  it("docs/quay-api.md#authentication basic auth is not accepted by the API", async () => {
    const r = await h.get("/api/v1/user/", {
      token: null,
      headers: { Authorization: "Basic YWRtaW46cGFzc3dvcmQ=" },
    });
    expect(r.status).toBe(401);
  });

  it("docs/quay-api.md#errors missing permission: 401 for anonymous callers", async () => {
    await h.org("acme");
    expectApiException(
      await h.get("/api/v1/organization/acme/members", { token: null }),
      401,
      "invalid_token",
    );
  });

  it("docs/quay-api.md#errors missing permission: 403 insufficient_scope for authenticated callers", async () => {
    await h.org("acme");
    const t = await h.user("alice");
    expectApiException(
      await h.get("/api/v1/organization/acme/members", { token: t }),
      403,
      "insufficient_scope",
      "Unauthorized",
    );
  });

  it("docs/quay-api.md#authentication creating an organization needs user:admin, not org:admin", async () => {
    const orgOnly = await h.user("alice", ["org:admin"]);
    expect((await h.post("/api/v1/organization/", { name: "a1" }, { token: orgOnly })).status).toBe(403);
    const userAdmin = await h.token("alice", ["user:admin"]);
    expect((await h.post("/api/v1/organization/", { name: "a2" }, { token: userAdmin })).status).toBe(201);
  });

  it("docs/quay-api.md#authentication an org admin with only org:admin gets no repository rights", async () => {
    const full = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "acme" }, { token: full });
    await h.repo("acme", "app", "private", full);
    const orgOnly = await h.token("alice", ["org:admin"]);
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/", { token: orgOnly })).status).toBe(
      403,
    );
    const repoAdmin = await h.token("alice", ["repo:admin"]);
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/", { token: repoAdmin })).status).toBe(
      200,
    );
  });

  it("docs/quay-api.md#authentication repo:read caps an admin to reading; repo:write allows the description", async () => {
    const full = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "acme" }, { token: full });
    await h.repo("acme", "app", "private", full);
    const read = await h.token("alice", ["repo:read"]);
    expect((await h.get("/api/v1/repository/acme/app", { token: read })).status).toBe(200);
    expect((await h.put("/api/v1/repository/acme/app", { description: "x" }, { token: read })).status).toBe(
      403,
    );
    const write = await h.token("alice", ["repo:write"]);
    expect((await h.put("/api/v1/repository/acme/app", { description: "x" }, { token: write })).status).toBe(
      200,
    );
    expect((await h.get("/api/v1/repository/acme/app", { token: write })).json.can_admin).toBe(false);
  });

  it("docs/quay-api.md#authentication org membership needs org:admin or repo:create in the token to show teams", async () => {
    const full = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "acme" }, { token: full });
    const readOnly = await h.token("alice", ["repo:read"]);
    const r = await h.get("/api/v1/organization/acme", { token: readOnly });
    expect(r.json.is_member).toBe(false);
    expect(r.json.teams).toBeUndefined();
    const creator = await h.token("alice", ["repo:create"]);
    const r2 = await h.get("/api/v1/organization/acme", { token: creator });
    expect(r2.json.is_member).toBe(true);
    expect(r2.json.is_admin).toBe(false);
    expect(Object.keys(r2.json.teams)).toEqual(["owners"]);
  });

  it("docs/quay-api.md#authentication repo:create in a creator team creates repositories; a member team does not", async () => {
    await h.org("acme");
    await h.user("bob");
    await h.team("acme", "builders", "creator");
    await h.team("acme", "readers", "member");
    await h.member("acme", "builders", "bob");
    const t = await h.token("bob", ["repo:create"]);
    const body = { namespace: "acme", repository: "app", visibility: "private", description: "" };
    expect((await h.post("/api/v1/repository", body, { token: t })).status).toBe(201);
    await h.user("carol");
    await h.member("acme", "readers", "carol");
    const tc = await h.token("carol", ALL);
    expect((await h.post("/api/v1/repository", { ...body, repository: "app2" }, { token: tc })).status).toBe(
      403,
    );
  });

  it("docs/quay-api.md#authentication FULL_ACCESS superuser with super:user passes namespace checks of others' orgs", async () => {
    const alice = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    const r = await h.get("/api/v1/organization/alices/members");
    expect(r.status).toBe(200);
    expect(r.json.members.map((m: { name: string }) => m.name)).toEqual(["alice"]);
  });

  it("docs/quay-api.md#authentication without the super:user scope a superuser has no bypass", async () => {
    const alice = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    const noSuper = await h.token(
      "admin",
      ALL.filter((s) => s !== "super:user"),
    );
    expect((await h.get("/api/v1/organization/alices/members", { token: noSuper })).status).toBe(403);
    expect((await h.get("/api/v1/superuser/users/", { token: noSuper })).status).toBe(403);
  });

  it("docs/quay-api.md#authentication the bypass holds for nonexistent namespaces (404, not 403)", async () => {
    expectApiException(await h.get("/api/v1/organization/nosuch/members"), 404, "not_found");
    const t = await h.user("alice");
    expect((await h.get("/api/v1/organization/nosuch/members", { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#authentication superusers are shown is_admin and is_member on others' orgs (FULL_ACCESS)", async () => {
    const alice = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    const r = await h.get("/api/v1/organization/alices");
    expect(r.json).toMatchObject({ is_admin: true, is_member: true });
  });

  emulatorOnly("it expires a token by editing the emulator's token row")(
    "docs/quay-api.md#authentication an expired token is anonymous",
    async () => {
      await h.user("alice");
      const t = h.emu().mintToken("alice", ALL, { expiresInSeconds: 60 });
      expect((await h.get("/api/v1/user/", { token: t })).status).toBe(200);
      // Let the clock run past the expiry without sleeping: the token row says when it expires.
      const row = h.emu().store.tokens.get(t);
      if (row) row.expiresAtMs = Date.now() - 1;
      expect((await h.get("/api/v1/user/", { token: t })).status).toBe(401);
    },
  );

  it("docs/quay-api.md#authentication a disabled user's token is anonymous", async () => {
    const t = await h.user("alice");
    await h.put("/api/v1/superuser/users/alice", { enabled: false });
    expect((await h.get("/api/v1/user/", { token: t })).status).toBe(401);
  });

  it("docs/quay-api.md#authentication fresh login is satisfied by any OAuth token (org delete)", async () => {
    await h.org("acme");
    expect((await h.del("/api/v1/organization/acme")).status).toBe(204);
  });
});
