import { describe, expect, it } from "vitest";
import { ALL, allPages, emulatorOnly, expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

/** The newest superuser log entry about `name` (a shared Quay logs others' writes in between). */
async function newestAbout(
  name: string,
): Promise<{ kind: string; metadata: Record<string, unknown> } | undefined> {
  const logs = (await h.get("/api/v1/superuser/logs")).json.logs as {
    kind: string;
    metadata: Record<string, unknown>;
  }[];
  return logs.find((l) => l.metadata.username === name);
}
const itGc = emulatorOnly("plays Quay's namespace GC worker (/_emulator/gc); the lab's Quay runs no workers");
const itEmpty = emulatorOnly(
  "needs a Quay without any user (the emulator's reset); user/initialize was used up by the lab's first user",
);

describe("users and the superuser user panel (docs/quay-api.md#users)", () => {
  it("docs/quay-api.md#users GET /user/ describes the caller, with super_user only for superusers", async () => {
    const r = await h.get("/api/v1/user/");
    expect(r.json).toMatchObject({
      anonymous: false,
      username: "admin",
      is_me: true,
      super_user: true,
      verified: true,
    });
    expect(r.json.quota_report).toMatchObject({ quota_bytes: 0 });
    const t = await h.user("bob");
    const b = await h.get("/api/v1/user/", { token: t });
    expect(b.json.username).toBe("bob");
    expect("super_user" in b.json).toBe(false);
  });

  it("docs/quay-api.md#organizations GET /user/ lists the caller's organizations", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/user/");
    const mine = r.json.organizations.filter((o: { name: string }) => h.ours(o.name));
    expect(mine).toMatchObject([
      { name: "acme", can_create_repo: true, public: false, is_org_admin: true, preferred_namespace: false },
    ]);
    expect(mine[0].avatar.kind).toBe("org");
  });

  it("docs/quay-api.md#users GET /users/<name>: public view; 404 {message} for orgs, robots and unknown names", async () => {
    await h.user("bob");
    const r = await h.get("/api/v1/users/bob");
    expect(r.json).toMatchObject({ anonymous: false, username: "bob" });
    expect(r.json.email).toBeUndefined();
    await h.org("acme");
    await h.robot("acme", "bot");
    for (const name of ["acme", "acme+bot", "nobody"]) {
      const e = await h.get(`/api/v1/users/${name}`);
      expectMessage(e, 404);
      expect(e.json.message).toMatch(/^The requested URL was not found/);
    }
  });

  it("docs/quay-api.md#users superuser create: 200 with a 32-char password and encrypted_password; logs user_create", async () => {
    const r = await h.post("/api/v1/superuser/users/", { username: "bob", email: "bob@example.com" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(["email", "encrypted_password", "password", "username"]);
    expect(r.json.password).toMatch(/^[A-Z0-9]{32}$/);
    expect(await newestAbout("bob")).toMatchObject({
      kind: "user_create",
      metadata: { email: "bob@example.com", username: "bob", superuser: "admin" },
    });
  });

  it("docs/quay-api.md#users superuser create: the email is optional with mailing off and the user is auto-verified", async () => {
    const r = await h.post("/api/v1/superuser/users/", { username: "bob" });
    expect(r.json.email).toBeNull();
    const u = await h.get("/api/v1/superuser/users/bob");
    expect(u.json.verified).toBe(true);
  });

  it("docs/quay-api.md#users a taken name is a 400 {message} naming who took it", async () => {
    await h.user("bob");
    expectMessage(
      await h.post("/api/v1/superuser/users/", { username: "bob" }),
      400,
      "Username has already been taken by user cannot be reused: bob",
    );
    await h.org("acme");
    expectMessage(
      await h.post("/api/v1/superuser/users/", { username: "acme" }),
      400,
      "Username has already been taken by an organization and cannot be reused: acme",
    );
  });

  it("docs/quay-api.md#users an invalid name is a 400 {message} Invalid namespace", async () => {
    const r = await h.post("/api/v1/superuser/users/", { username: "Bob" });
    expectMessage(r, 400);
    expect(r.json.message).toMatch(/^Invalid namespace Bob: Namespace must match expression/);
  });

  it("docs/quay-api.md#users a missing username is a schema 400", async () => {
    expectApiException(
      await h.post("/api/v1/superuser/users/", { email: "x@example.com" }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#users a non-superuser gets 403", async () => {
    const t = await h.user("bob");
    expect((await h.post("/api/v1/superuser/users/", { username: "carol" }, { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#users the user view has Quay's keys", async () => {
    await h.user("bob");
    const r = await h.get("/api/v1/superuser/users/bob");
    expect(Object.keys(r.json).sort()).toEqual(
      [
        "kind",
        "name",
        "username",
        "email",
        "verified",
        "avatar",
        "super_user",
        "global_readonly_super_user",
        "enabled",
        "quotas",
        "quota_report",
      ].sort(),
    );
    expect(r.json).toMatchObject({ kind: "user", name: "bob", super_user: false, enabled: true });
  });

  it("docs/quay-api.md#users GET of an org, robot or unknown name is a 404 ApiException", async () => {
    await h.org("acme");
    expectApiException(await h.get("/api/v1/superuser/users/acme"), 404, "not_found");
    expectApiException(await h.get("/api/v1/superuser/users/nosuch"), 404, "not_found");
  });

  it("docs/quay-api.md#users PUT password: encrypted_password in the answer, user_change_password logged", async () => {
    await h.user("bob");
    const r = await h.put("/api/v1/superuser/users/bob", { password: "longenough1" });
    expect(r.status).toBe(200);
    // base64 of a 16-byte IV and the AES-CBC ciphertext of {"password": "longenough1"} (32 bytes padded).
    expect(r.json.encrypted_password).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(r.json.encrypted_password, "base64")).toHaveLength(16 + 32);
    expect(await newestAbout("bob")).toMatchObject({
      kind: "user_change_password",
      metadata: { username: "bob", superuser: "admin" },
    });
  });

  it("docs/quay-api.md#users PUT a weak password is a 400 {message}", async () => {
    await h.user("bob");
    expectMessage(
      await h.put("/api/v1/superuser/users/bob", { password: "short" }),
      400,
      "Invalid password, password must be at least 8 characters and contain no whitespace.",
    );
    expect((await h.put("/api/v1/superuser/users/bob", { password: "has space 123" })).status).toBe(400);
  });

  it("docs/quay-api.md#users PUT email: the answer shows the new email; a duplicate is a 400 {message}", async () => {
    await h.user("bob");
    await h.user("carol");
    const r = await h.put("/api/v1/superuser/users/bob", { email: "bob2@example.com" });
    expect(r.json.email).toBe("bob2@example.com");
    expectMessage(
      await h.put("/api/v1/superuser/users/bob", { email: "carol@example.com" }),
      400,
      "E-mail address already used",
    );
  });

  it("docs/quay-api.md#users PUT enabled: logs user_disable; the user list can hide disabled users", async () => {
    await h.user("bob");
    expect((await h.put("/api/v1/superuser/users/bob", { enabled: false })).status).toBe(200);
    expect((await h.get("/api/v1/superuser/users/bob")).json.enabled).toBe(false);
    expect((await newestAbout("bob"))?.kind).toBe("user_disable");
    const names = (q: string) =>
      h
        .get(`/api/v1/superuser/users/${q}`)
        .then((r) => r.json.users.map((u: { name: string }) => u.name).filter((n: string) => h.ours(n)));
    expect(await names("")).toEqual(["admin", "bob"]);
    expect(await names("?disabled=false")).toEqual(["admin"]);
  });

  it("docs/quay-api.md#users a superuser cannot be updated or deleted", async () => {
    expectApiException(
      await h.put("/api/v1/superuser/users/admin", { enabled: false }),
      400,
      "invalid_request",
      "Cannot update a superuser",
    );
    expectApiException(
      await h.del("/api/v1/superuser/users/admin"),
      400,
      "invalid_request",
      "Cannot delete a superuser",
    );
  });

  it("docs/quay-api.md#users DELETE: 204, GET 404 at once, the name free again at once (3.18.0), user_delete logged", async () => {
    await h.user("bob");
    expect((await h.del("/api/v1/superuser/users/bob")).status).toBe(204);
    expectApiException(await h.get("/api/v1/superuser/users/bob"), 404, "not_found");
    expect(await newestAbout("bob")).toMatchObject({
      kind: "user_delete",
      metadata: { username: "bob" },
    });
    expect((await h.post("/api/v1/superuser/users/", { username: "bob" })).status).toBe(200);
  });

  it("docs/quay-api.md#emulator-gotchas drift trap: a deleted user's grants stay under a UUID name, team memberships go", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    await h.member("acme", "devs", "bob");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "user", name: "bob" },
    });
    await h.del("/api/v1/superuser/users/bob");
    expect((await h.get("/api/v1/organization/acme/team/devs/members")).json.members).toEqual([]);
    const perms = (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions;
    const names = Object.keys(perms).filter((n) => n !== "admin");
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(perms[names[0] as string]).toMatchObject({ role: "write", is_robot: false, is_org_member: false });
    const protos = (await h.get("/api/v1/organization/acme/prototypes")).json.prototypes;
    expect(protos[0].delegate.name).toBe(names[0]);
  });

  itGc(
    "docs/quay-api.md#emulator-gotchas the namespace GC purges a deleted user's leftover grants and default permissions",
    async () => {
      await h.org("acme");
      await h.user("bob");
      await h.repo("acme", "app");
      await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
      await h.post("/api/v1/organization/acme/prototypes", {
        role: "read",
        delegate: { kind: "user", name: "bob" },
      });
      await h.del("/api/v1/superuser/users/bob");
      await h.control("POST", "/_emulator/gc");
      expect(
        Object.keys((await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions),
      ).toEqual(["admin"]);
      expect((await h.get("/api/v1/organization/acme/prototypes")).json.prototypes).toEqual([]);
    },
  );

  it("docs/quay-api.md#emulator-gotchas superuser user list: no robots, no orgs; limit=101 is 400; limit paginates", async () => {
    await h.user("bob");
    await h.user("carol");
    await h.org("acme");
    await h.robot("acme", "bot");
    const all = await h.get("/api/v1/superuser/users/");
    const names = all.json.users.map((u: { name: string }) => u.name);
    expect(names.filter((n: string) => h.ours(n))).toEqual(["admin", "bob", "carol"]);
    expect(names.some((n: string) => n.includes("+"))).toBe(false);
    expect(all.json.next_page).toBeUndefined();
    expectApiException(
      await h.get("/api/v1/superuser/users/?limit=101"),
      400,
      "invalid_request",
      "Page limit cannot be above 100",
    );
    const pages = await allPages(h, "/api/v1/superuser/users/", "users", 2);
    expect(pages.sizes.slice(0, -1).every((n) => n === 2)).toBe(true);
    expect(pages.names.filter((n) => h.ours(n))).toEqual(["admin", "bob", "carol"]);
  });

  it("docs/quay-api.md#users an anonymous caller of the superuser panel gets 401", async () => {
    expect((await h.get("/api/v1/superuser/users/", { token: null })).status).toBe(401);
  });

  it("docs/quay-api.md#quotas registry size: GET reports nothing computed; POST queues (201 then 202)", async () => {
    const before = (await h.get("/api/v1/superuser/registrysize/")).json;
    expect(before).toEqual({ size_bytes: 0, last_ran: null, running: false, queued: expect.any(Boolean) });
    // Without Quay's workers a queued computation stays queued: on a shared Quay an earlier run may
    // have queued it already.
    expect((await h.post("/api/v1/superuser/registrysize/")).status).toBe(before.queued ? 202 : 201);
    expect((await h.post("/api/v1/superuser/registrysize/")).status).toBe(202);
    expect((await h.get("/api/v1/superuser/registrysize/")).json.queued).toBe(true);
  });
});

describe("POST /api/v1/user/initialize (docs/quay-api.md#bootstrap)", () => {
  it("docs/quay-api.md#bootstrap refuses a non-empty database with 400 {message}", async () => {
    const r = await h.post(
      "/api/v1/user/initialize",
      { username: "first", password: "password123" },
      { token: null },
    );
    expectMessage(r, 400, "Cannot initialize user in a non-empty database");
  });

  itEmpty(
    "docs/quay-api.md#bootstrap creates the first user and a 2.5 h token with every scope; no CSRF check",
    async () => {
      h.emu().reset({ empty: true });
      const r = await h.post(
        "/api/v1/user/initialize",
        { username: "admin", password: "password123", email: "admin@example.com", access_token: true },
        { token: null },
      );
      expect(r.status).toBe(200);
      expect(Object.keys(r.json).sort()).toEqual(["access_token", "email", "encrypted_password", "username"]);
      expect(r.headers.get("x-next-csrf-token")).toBeTruthy();
      const token = h.emu().store.tokens.get(r.json.access_token);
      expect(token).toMatchObject({ appName: "automation", clientId: "admin", scopes: [...ALL].sort() });
      const ttl = ((token?.expiresAtMs ?? 0) - Date.now()) / 1000;
      expect(ttl).toBeGreaterThan(8990);
      expect(ttl).toBeLessThanOrEqual(9000);
      // admin is in SUPER_USERS: the token is a superuser token.
      const me = await h.get("/api/v1/user/", { token: r.json.access_token });
      expect(me.json.super_user).toBe(true);
    },
  );

  itEmpty("docs/quay-api.md#bootstrap without access_token no token is returned", async () => {
    h.emu().reset({ empty: true });
    const r = await h.post(
      "/api/v1/user/initialize",
      { username: "first", password: "password123" },
      { token: null },
    );
    expect(r.json.access_token).toBeUndefined();
    expect(r.json.email).toBeNull();
  });

  itEmpty(
    "docs/quay-api.md#bootstrap a weak password or bad name is a 400 'Failed to initialize user: ...'",
    async () => {
      h.emu().reset({ empty: true });
      const weak = await h.post(
        "/api/v1/user/initialize",
        { username: "first", password: "short" },
        { token: null },
      );
      expectMessage(
        weak,
        400,
        "Failed to initialize user: Invalid password, password must be at least 8 characters and contain no whitespace.",
      );
      const bad = await h.post(
        "/api/v1/user/initialize",
        { username: "First", password: "password123" },
        { token: null },
      );
      expectMessage(bad, 400);
      expect(bad.json.message).toMatch(/^Failed to initialize user: Invalid namespace First/);
    },
  );

  itEmpty("docs/quay-api.md#bootstrap a missing username is a KeyError: HTML 500", async () => {
    h.emu().reset({ empty: true });
    const r = await h.post("/api/v1/user/initialize", { password: "password123" }, { token: null });
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
  });
});
