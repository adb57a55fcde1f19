import { describe, expect, it } from "vitest";
import { expectApiException, expectHtml, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();

describe("routing (docs/quay-api.md#routing, docs/quay-api.md#features)", () => {
  it("docs/quay-api.md#routing a slash-declared route called without the slash answers 308 with an absolute Location", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    const r = await h.get("/api/v1/repository/acme/app/permissions/user?x=1");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe(`${h.url()}/api/v1/repository/acme/app/permissions/user/?x=1`);
  });

  it("docs/quay-api.md#routing the 308 replays the method: POST /organization redirects to /organization/", async () => {
    const r = await h.post("/api/v1/organization", { name: "acme" });
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe(`${h.url()}/api/v1/organization/`);
  });

  it("docs/quay-api.md#routing a route declared without a slash, called with one, is an HTML 404", async () => {
    await h.org("acme");
    expectHtml(await h.get("/api/v1/organization/acme/"), 404);
  });

  it("docs/quay-api.md#emulator-gotchas wrong method on a registered route: 405 JSON {message} with Allow", async () => {
    await h.org("acme");
    const r = await h.req("PATCH", "/api/v1/organization/acme");
    expectMessage(r, 405, "The method is not allowed for the requested URL.");
    expect(r.headers.get("allow")).toContain("PUT");
  });

  it("docs/quay-api.md#features an unknown API path: GET 308 to the slash form, which is an HTML 404", async () => {
    const r = await h.get("/api/v1/nosuchthing");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe(`${h.url()}/api/v1/nosuchthing/`);
    expectHtml(await h.get("/api/v1/nosuchthing/"), 404);
  });

  it("docs/quay-api.md#features an unknown API path with POST is an HTML 405", async () => {
    expectHtml(await h.post("/api/v1/nosuchthing", {}), 405);
  });

  it("docs/quay-api.md#routing nested repository names: the namespace is split on the first slash", async () => {
    await h.org("acme");
    await h.repo("acme", "team/app");
    const r = await h.get("/api/v1/repository/acme/team/app");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ namespace: "acme", name: "team/app" });
  });

  it("docs/quay-api.md#routing robot names with + work literally and as %2B in paths", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    await h.robot("acme", "bot");
    expect(
      (await h.put("/api/v1/repository/acme/app/permissions/user/acme+bot", { role: "read" })).status,
    ).toBe(200);
    const r = await h.get("/api/v1/repository/acme/app/permissions/user/acme%2Bbot");
    expect(r.status).toBe(200);
    expect(r.json.name).toBe("acme+bot");
  });

  it("docs/quay-api.md#routing the more specific route wins over the greedy repository route", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    const r = await h.get("/api/v1/repository/acme/app/mirror");
    expectApiException(r, 404, "not_found");
    // A method only the repository route has falls to it, as Werkzeug does: repository acme/app/mirror.
    const put = await h.put("/api/v1/repository/acme/app/mirror/sync-now", { description: "x" });
    expectApiException(put, 404, "not_found");
  });

  it("docs/quay-api.md#requests successful responses are JSON, bare strings included", async () => {
    const r = await h.post("/api/v1/organization/", { name: "acme" });
    expect(r.status).toBe(201);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.json).toBe("Created");
  });

  it("docs/quay-api.md#requests a 204 carries no body", async () => {
    await h.org("acme");
    const r = await h.del("/api/v1/organization/acme");
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
  });

  it("docs/quay-api.md#routing HEAD on a GET route answers like GET without a body", async () => {
    await h.org("acme");
    const r = await h.req("HEAD", "/api/v1/organization/acme");
    expect(r.status).toBe(200);
    expect(r.text).toBe("");
  });
});
