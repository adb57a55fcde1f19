import { describe, expect, it } from "vitest";
import { ALL, expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

describe("robot accounts (docs/quay-api.md#robots)", () => {
  it("docs/quay-api.md#robots robot create returns 201 with a 64-char token", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme/robots/ci", {
      description: "CI",
      unstructured_metadata: { a: 1 },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      name: "acme+ci",
      last_accessed: null,
      description: "CI",
      unstructured_metadata: { a: 1 },
    });
    expect(r.json.token).toMatch(/^[A-Z0-9]{64}$/);
    expect(r.json.created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000$/);
  });

  it("docs/quay-api.md#robots create echoes unstructured_metadata as null when omitted; GET then shows {}", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme/robots/ci");
    expect(r.json.unstructured_metadata).toBeNull();
    expect(r.json.description).toBe("");
    expect((await h.get("/api/v1/organization/acme/robots/ci")).json.unstructured_metadata).toEqual({});
  });

  it("docs/quay-api.md#emulator-gotchas create accepts a text/plain, malformed or null body (201, empty description)", async () => {
    await h.org("acme");
    const plain = await h.req("PUT", "/api/v1/organization/acme/robots/a1", {
      raw: "hello",
      contentType: "text/plain",
    });
    expect(plain.status).toBe(201);
    const bad = await h.req("PUT", "/api/v1/organization/acme/robots/a2", {
      raw: "{x",
      contentType: "application/json",
    });
    expect(bad.status).toBe(201);
    const nul = await h.req("PUT", "/api/v1/organization/acme/robots/a3", {
      raw: "null",
      contentType: "application/json",
    });
    expect(nul.json.description).toBe("");
  });

  it("docs/quay-api.md#emulator-gotchas create with a JSON array body is a 400", async () => {
    await h.org("acme");
    expectApiException(
      await h.req("PUT", "/api/v1/organization/acme/robots/a1", {
        raw: "[]",
        contentType: "application/json",
      }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#robots description is limited to 255 characters (schema)", async () => {
    await h.org("acme");
    expectApiException(
      await h.put("/api/v1/organization/acme/robots/ci", { description: "x".repeat(256) }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#robots docs/quay-api.md#emulator-gotchas robot create is create-only: existing → 400 ApiException", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    expectApiException(
      await h.put("/api/v1/organization/acme/robots/ci"),
      400,
      "invalid_request",
      "Existing robot with name: acme+ci",
    );
  });

  it("docs/quay-api.md#robots an invalid short name is a 400 ApiException", async () => {
    await h.org("acme");
    expectApiException(
      await h.put("/api/v1/organization/acme/robots/CI"),
      400,
      "invalid_request",
      "The name for the robot 'CI' is invalid: Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$",
    );
    expectApiException(
      await h.put("/api/v1/organization/acme/robots/c"),
      400,
      "invalid_request",
      "The name for the robot 'c' is invalid: Namespace must be between 2 and 255 characters in length",
    );
  });

  it("docs/quay-api.md#robots a missing org (FULL_ACCESS superuser) is a DataModelException 400", async () => {
    expectMessage(
      await h.put("/api/v1/organization/nosuch/robots/ci"),
      400,
      "Organization does not exist: nosuch",
    );
  });

  it("docs/quay-api.md#robots create needs org admin: 403 for others", async () => {
    await h.org("acme");
    const t = await h.user("bob");
    expect((await h.put("/api/v1/organization/acme/robots/ci", undefined, { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#robots create logs create_robot with the short name", async () => {
    await h.org("acme");
    await h.put("/api/v1/organization/acme/robots/ci", { description: "d" });
    const log = (await h.get("/api/v1/organization/acme/logs")).json.logs[0];
    expect(log).toMatchObject({
      kind: "create_robot",
      metadata: { robot: "ci", description: "d", unstructured_metadata: null },
    });
  });

  it("docs/quay-api.md#robots get includes the token; an unknown robot is a 400 {message}, not 404", async () => {
    await h.org("acme");
    const token = await h.robot("acme", "ci");
    expect((await h.get("/api/v1/organization/acme/robots/ci")).json.token).toBe(token);
    expectMessage(
      await h.get("/api/v1/organization/acme/robots/nope"),
      400,
      "Could not find robot with specified username",
    );
  });

  it("docs/quay-api.md#emulator-gotchas list items are exactly {name, created, last_accessed, description, token} by default", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    const r = await h.get("/api/v1/organization/acme/robots");
    expect(Object.keys(r.json.robots[0]).sort()).toEqual([
      "created",
      "description",
      "last_accessed",
      "name",
      "token",
    ]);
  });

  it("docs/quay-api.md#emulator-gotchas list with permissions=true&token=false: teams and repositories, no token", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.team("acme", "devs");
    await h.member("acme", "devs", "acme+ci");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/acme+ci", { role: "read" });
    const r = await h.get("/api/v1/organization/acme/robots?permissions=true&token=false");
    const robot = r.json.robots[0];
    expect(Object.keys(robot).sort()).toEqual([
      "created",
      "description",
      "last_accessed",
      "name",
      "repositories",
      "teams",
    ]);
    expect(robot.teams).toMatchObject([{ name: "devs" }]);
    expect(robot.repositories).toEqual(["app"]);
    const withToken = await h.get("/api/v1/organization/acme/robots?permissions=true");
    expect(withToken.json.robots[0].token).toBeDefined();
  });

  it("docs/quay-api.md#emulator-gotchas limit truncates the robot list and never adds next_page", async () => {
    await h.org("acme");
    for (const r of ["r1", "r2", "r3"]) await h.robot("acme", r);
    const r = await h.get("/api/v1/organization/acme/robots?limit=2");
    expect(r.json.robots).toHaveLength(2);
    expect(r.json.next_page).toBeUndefined();
  });

  it("docs/quay-api.md#robots org members may list robots but see no tokens; non-members get 403", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.team("acme", "devs");
    const t = await h.user("bob");
    expect((await h.get("/api/v1/organization/acme/robots", { token: t })).status).toBe(403);
    await h.member("acme", "devs", "bob");
    const r = await h.get("/api/v1/organization/acme/robots", { token: t });
    expect(r.json.robots[0].token).toBeUndefined();
  });

  it("docs/quay-api.md#robots delete: 204, immediate, name reusable with a new token; logs delete_robot", async () => {
    await h.org("acme");
    const first = await h.robot("acme", "ci");
    expect((await h.del("/api/v1/organization/acme/robots/ci")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "delete_robot",
      metadata: { robot: "ci" },
    });
    const second = await h.robot("acme", "ci");
    expect(second).not.toBe(first);
  });

  it("docs/quay-api.md#robots delete of an unknown robot is a 400 {message}", async () => {
    await h.org("acme");
    expectMessage(
      await h.del("/api/v1/organization/acme/robots/nope"),
      400,
      "Could not find robot with specified username",
    );
  });

  it("docs/quay-api.md#emulator-gotchas deleting a robot removes its memberships, permissions and prototypes", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.team("acme", "devs");
    await h.member("acme", "devs", "acme+ci");
    await h.repo("acme", "app");
    await h.put("/api/v1/repository/acme/app/permissions/user/acme+ci", { role: "write" });
    await h.post("/api/v1/organization/acme/prototypes", {
      role: "read",
      delegate: { kind: "user", name: "acme+ci" },
    });
    await h.del("/api/v1/organization/acme/robots/ci");
    expect((await h.get("/api/v1/organization/acme/team/devs/members")).json.members).toEqual([]);
    expect(
      (await h.get("/api/v1/repository/acme/app/permissions/user/")).json.permissions["acme+ci"],
    ).toBeUndefined();
    expect((await h.get("/api/v1/organization/acme/prototypes")).json.prototypes).toEqual([]);
  });

  it("docs/quay-api.md#robots a robot used by a mirror cannot be deleted", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.repo("acme", "app");
    await h.post("/api/v1/repository/acme/app/mirror", {
      external_reference: "quay.io/foo/bar",
      sync_interval: 3600,
      sync_start_date: "2024-01-01T00:00:00Z",
      root_rule: { rule_kind: "tag_glob_csv", rule_value: ["*"] },
      skopeo_timeout_interval: 300,
      robot_username: "acme+ci",
    });
    expectApiException(
      await h.del("/api/v1/organization/acme/robots/ci"),
      400,
      "invalid_request",
      "Robot is being used by a mirror",
    );
  });

  it("docs/quay-api.md#robots regenerate: 200 with a new token and no unstructured_metadata", async () => {
    await h.org("acme");
    const old = await h.robot("acme", "ci");
    const r = await h.post("/api/v1/organization/acme/robots/ci/regenerate");
    expect(r.status).toBe(200);
    expect(r.json.token).toMatch(/^[A-Z0-9]{64}$/);
    expect(r.json.token).not.toBe(old);
    expect(r.json.unstructured_metadata).toBeUndefined();
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0].kind).toBe("regenerate_robot_token");
    expectMessage(
      await h.post("/api/v1/organization/acme/robots/nope/regenerate"),
      400,
      "Could not find robot with specified username",
    );
  });

  it("docs/quay-api.md#robots robot permissions list repositories and roles", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    await h.repo("acme", "app", "public");
    await h.put("/api/v1/repository/acme/app/permissions/user/acme+ci", { role: "write" });
    const r = await h.get("/api/v1/organization/acme/robots/ci/permissions");
    expect(r.json).toEqual({
      permissions: [{ repository: { name: "app", is_public: true }, role: "write" }],
    });
  });

  it("docs/quay-api.md#robots robot permissions need user:admin in the token too", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    const t = await h.token(
      "admin",
      ALL.filter((s) => s !== "user:admin"),
    );
    expectApiException(
      await h.get("/api/v1/organization/acme/robots/ci/permissions", { token: t }),
      403,
      "insufficient_scope",
    );
  });

  it("docs/quay-api.md#robots robot permissions for a non-admin: a Flask-abort 403 {message}", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    const t = await h.user("bob");
    const r = await h.get("/api/v1/organization/acme/robots/ci/permissions", { token: t });
    expectMessage(r, 403);
    expect(r.json.message).toMatch(/^You don't have the permission/);
  });

  it("docs/quay-api.md#robots federation: POST replaces the list, GET returns it, DELETE clears; bad entries 400", async () => {
    await h.org("acme");
    await h.robot("acme", "ci");
    const cfg = [{ issuer: "https://issuer.example.com", subject: "sub" }];
    expect((await h.post("/api/v1/organization/acme/robots/ci/federation", cfg)).json).toEqual(cfg);
    expect((await h.get("/api/v1/organization/acme/robots/ci/federation")).json).toEqual(cfg);
    expectApiException(
      await h.post("/api/v1/organization/acme/robots/ci/federation", [{ issuer: "issuer", subject: "s" }]),
      400,
      "invalid_request",
      "Issuer must be a URL (http:// or https://)",
    );
    expectApiException(
      await h.post("/api/v1/organization/acme/robots/ci/federation", [...cfg, ...cfg]),
      400,
      "invalid_request",
      "Duplicate federation config entry",
    );
    expect((await h.del("/api/v1/organization/acme/robots/ci/federation")).status).toBe(204);
    expect((await h.get("/api/v1/organization/acme/robots/ci/federation")).json).toEqual([]);
  });

  it("docs/quay-api.md#robots user-namespace robots under /user/robots", async () => {
    const t = await h.user("bob");
    const c = await h.put("/api/v1/user/robots/ci", { description: "mine" }, { token: t });
    expect(c.status).toBe(201);
    expect(c.json.name).toBe("bob+ci");
    expect(
      (await h.get("/api/v1/user/robots", { token: t })).json.robots.map((r: { name: string }) => r.name),
    ).toEqual(["bob+ci"]);
    expect((await h.get("/api/v1/user/robots/ci", { token: t })).json.description).toBe("mine");
    expect((await h.post("/api/v1/user/robots/ci/regenerate", undefined, { token: t })).status).toBe(200);
    expect((await h.del("/api/v1/user/robots/ci", { token: t })).status).toBe(204);
    const noAdmin = await h.token("bob", ["user:read"]);
    expect((await h.get("/api/v1/user/robots", { token: noAdmin })).status).toBe(403);
  });
});
