import { describe, expect, it } from "vitest";
import { expectApiException, expectHtml, expectMessage, useEmulator, emulatorOnly } from "./helpers";

const h = useEmulator();
const itLimit = emulatorOnly(
  "EMULATOR_BODY_LIMIT_BYTES is the emulator's own limit; Quay has none on the API",
);

describe("request bodies and error shapes (docs/quay-api.md#requests, docs/quay-api.md#errors)", () => {
  it("docs/quay-api.md#emulator-gotchas a validated body without a JSON content type is a 415 {message}", async () => {
    const r = await h.req("POST", "/api/v1/organization/", {
      raw: '{"name":"acme"}',
      contentType: "text/plain",
    });
    expectMessage(
      r,
      415,
      "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.",
    );
  });

  it("docs/quay-api.md#requests no content type and no body at all is also a 415", async () => {
    expect((await h.req("POST", "/api/v1/organization/")).status).toBe(415);
  });

  it("docs/quay-api.md#emulator-gotchas malformed JSON is a 400 with Werkzeug's text", async () => {
    const r = await h.req("POST", "/api/v1/organization/", {
      raw: "{not json",
      contentType: "application/json",
    });
    expectMessage(r, 400, "The browser (or proxy) sent a request that this server could not understand.");
  });

  it("docs/quay-api.md#emulator-gotchas an empty JSON body is the same 400", async () => {
    const r = await h.req("POST", "/api/v1/organization/", { raw: "", contentType: "application/json" });
    expectMessage(r, 400, "The browser (or proxy) sent a request that this server could not understand.");
  });

  it("docs/quay-api.md#emulator-gotchas a literal null body is an ApiException 'Missing JSON body'", async () => {
    const r = await h.req("POST", "/api/v1/organization/", { raw: "null", contentType: "application/json" });
    expectApiException(r, 400, "invalid_request", "Missing JSON body");
  });

  it("docs/quay-api.md#requests a schema failure is a 400 invalid_request ApiException", async () => {
    expectApiException(
      await h.post("/api/v1/organization/", { email: "x@example.com" }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#requests application/*+json counts as JSON", async () => {
    const r = await h.req("POST", "/api/v1/organization/", {
      raw: '{"name":"acme"}',
      contentType: "application/vnd.api+json; charset=utf-8",
    });
    expect(r.status).toBe(201);
  });

  it("docs/quay-api.md#requests unknown extra properties are accepted", async () => {
    expect((await h.post("/api/v1/organization/", { name: "acme", whatever: 1 })).status).toBe(201);
  });

  it("docs/quay-api.md#requests additionalProperties: false is enforced where Quay's schema says so (quota update)", async () => {
    await h.org("acme");
    await h.post("/api/v1/organization/acme/quota", { limit_bytes: 1000 });
    const id = (await h.get("/api/v1/organization/acme/quota")).json[0].id;
    expectApiException(
      await h.put(`/api/v1/organization/acme/quota/${id}`, { limit_bytes: 5, x: 1 }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#errors the ApiException type URL is absolute, built from the request host", async () => {
    const r = await h.post("/api/v1/organization/", {});
    expect(r.json.type).toBe(`${h.url()}/api/v1/error/invalid_request`);
  });

  it("docs/quay-api.md#discovery the ApiException type URL resolves to Quay's error description", async () => {
    const e = await h.post("/api/v1/organization/", {});
    const r = await h.get(new URL(e.json.type).pathname, { token: null });
    expect(r.json).toEqual({
      type: `${h.url()}/api/v1/error/invalid_request`,
      title: "invalid_request",
      description:
        "The request was invalid. It may have contained invalid values or was improperly formatted.",
    });
    expectApiException(await h.get("/api/v1/error/nope"), 404, "not_found");
  });

  it("docs/quay-api.md#robots docs/quay-api.md#emulator-gotchas a robot create body over 1 MiB is an HTML 500 and nothing is created", async () => {
    await h.org("acme");
    const big = JSON.stringify({ description: "x", pad: "y".repeat(1024 * 1024) });
    const r = await h.req("PUT", "/api/v1/organization/acme/robots/big", {
      raw: big,
      contentType: "application/json",
    });
    expectHtml(r, 500);
    expect(r.text).toContain("<title>Internal Server Error</title>");
    expect((await h.get("/api/v1/organization/acme/robots")).json.robots).toEqual([]);
  });

  itLimit(
    "docs/quay-api.md#requests a body beyond the emulator's limit is refused with 413 and the server keeps serving",
    async () => {
      const huge = new Uint8Array(9 * 1024 * 1024).fill(32);
      const r = await h.req("POST", "/api/v1/organization/", { raw: huge, contentType: "application/json" });
      expectMessage(r, 413, "The data value transmitted exceeds the capacity limit.");
      expect((await h.get("/api/v1/user/")).status).toBe(200);
    },
  );

  it("docs/quay-api.md#requests bodies of non-validating endpoints are ignored (sync-now with garbage)", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    const r = await h.req("POST", "/api/v1/repository/acme/app/mirror/sync-now", {
      raw: "{{{",
      contentType: "application/json",
    });
    expectApiException(r, 404, "not_found");
  });

  it("docs/quay-api.md#errors intQuery: a non-integer limit is a 400 with the argument's message", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme/robots?limit=abc");
    expect(r.status).toBe(400);
    // Flask-RESTful answers the parameter's help text, not the conversion error.
    expect(r.json).toEqual({ message: { limit: "If specified, the number of robots to return." } });
  });
});
