import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();
const P = "/api/v1/organization/acme/prototypes";

beforeEach(async () => {
  await h.org("acme");
});

describe("default permissions / prototypes (docs/quay-api.md#default-permissions)", () => {
  it("docs/quay-api.md#default-permissions create answers 200 (not 201) with the prototype view", async () => {
    await h.team("acme", "devs");
    const r = await h.post(P, { role: "write", delegate: { kind: "team", name: "devs" } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      role: "write",
      activating_user: null,
      delegate: { name: "devs", kind: "team" },
    });
    expect(r.json.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("docs/quay-api.md#default-permissions user and robot delegates; activating user view", async () => {
    await h.user("bob");
    await h.robot("acme", "ci");
    const r = await h.post(P, {
      role: "read",
      delegate: { kind: "user", name: "acme+ci" },
      activating_user: { name: "bob" },
    });
    expect(r.json.delegate).toMatchObject({
      name: "acme+ci",
      kind: "user",
      is_robot: true,
      is_org_member: true,
    });
    expect(r.json.activating_user).toMatchObject({
      name: "bob",
      kind: "user",
      is_robot: false,
      is_org_member: false,
    });
  });

  it("docs/quay-api.md#default-permissions no duplicate detection: the same body twice makes two prototypes", async () => {
    await h.team("acme", "devs");
    const body = { role: "read", delegate: { kind: "team", name: "devs" } };
    const a = await h.post(P, body);
    const b = await h.post(P, body);
    expect(a.json.id).not.toBe(b.json.id);
    expect((await h.get(P)).json.prototypes).toHaveLength(2);
  });

  it("docs/quay-api.md#default-permissions an unknown activating user is a 400 ApiException", async () => {
    await h.team("acme", "devs");
    expectApiException(
      await h.post(P, {
        role: "read",
        delegate: { kind: "team", name: "devs" },
        activating_user: { name: "nobody" },
      }),
      400,
      "invalid_request",
      "Unknown activating user",
    );
  });

  it("docs/quay-api.md#default-permissions an unknown delegate user is a 400 ApiException", async () => {
    expectApiException(
      await h.post(P, { role: "read", delegate: { kind: "user", name: "nobody" } }),
      400,
      "invalid_request",
      "Missing delegate user or team",
    );
  });

  it("docs/quay-api.md#default-permissions an unknown delegate team is a 400 {message} with the tuple repr", async () => {
    expectMessage(
      await h.post(P, { role: "read", delegate: { kind: "team", name: "nope" } }),
      400,
      "('Team does not exist: %s/%s', 'acme', 'nope')",
    );
  });

  it("docs/quay-api.md#default-permissions role, delegate and delegate.kind are schema-validated", async () => {
    expectApiException(
      await h.post(P, { delegate: { kind: "team", name: "owners" } }),
      400,
      "invalid_request",
    );
    expectApiException(
      await h.post(P, { role: "read", delegate: { kind: "robot", name: "x" } }),
      400,
      "invalid_request",
    );
    expectApiException(await h.post(P, { role: "read", delegate: { kind: "team" } }), 400, "invalid_request");
  });

  it("docs/quay-api.md#default-permissions activating_user null is refused by the schema (type object); omit it instead", async () => {
    expectApiException(
      await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" }, activating_user: null }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#default-permissions logs create_prototype_permission with delegate and caller", async () => {
    await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" } });
    const log = (await h.get("/api/v1/organization/acme/logs")).json.logs[0];
    expect(log.kind).toBe("create_prototype_permission");
    expect(log.metadata).toMatchObject({
      username: "admin",
      activating_username: null,
      role: "read",
      delegate_team: "owners",
    });
    expect(log.metadata.prototypeid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("docs/quay-api.md#default-permissions PUT changes the role only; logs modify_prototype_permission with original_role", async () => {
    const id = (await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" } })).json.id;
    const r = await h.put(`${P}/${id}`, { role: "admin" });
    expect(r.json).toMatchObject({ id, role: "admin" });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "modify_prototype_permission",
      metadata: { role: "admin", original_role: "read" },
    });
    expectApiException(await h.put(`${P}/nope`, { role: "admin" }), 404, "not_found");
  });

  it("docs/quay-api.md#default-permissions DELETE: 204; an unknown id is 404", async () => {
    const id = (await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" } })).json.id;
    expect((await h.del(`${P}/${id}`)).status).toBe(204);
    expectApiException(await h.del(`${P}/${id}`), 404, "not_found");
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0].kind).toBe(
      "delete_prototype_permission",
    );
  });

  it("docs/quay-api.md#default-permissions org admin only; a missing org is 404", async () => {
    const t = await h.user("bob");
    expect((await h.get(P, { token: t })).status).toBe(403);
    expect(
      (await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" } }, { token: t })).status,
    ).toBe(403);
    expectApiException(await h.get("/api/v1/organization/nosuch/prototypes"), 404, "not_found");
  });

  it("docs/quay-api.md#default-permissions there is no single-prototype GET", async () => {
    const id = (await h.post(P, { role: "read", delegate: { kind: "team", name: "owners" } })).json.id;
    expect((await h.get(`${P}/${id}`)).status).toBe(308);
  });
});
