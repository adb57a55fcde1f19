import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { QuayApiError } from "../../../src/quay/errors";
import { apiPath, repo } from "../../../src/quay/paths";
import { type Handler, html, json, startServer, type TestServer } from "./servers";

const TOKEN = "sekrit-token-0123456789";
let server: TestServer | undefined;
let client: QuayClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(handler: Handler, opts: Partial<QuayClientOptions> = {}) {
  server = await startServer(handler);
  client = new QuayClient({ url: server.url, token: TOKEN, env: {}, ...opts });
  return { server, client };
}

describe("requests on the wire", () => {
  it("sends the bearer token, JSON headers, and the path exactly as given", async () => {
    const { server, client } = await setup((_req, res) => json(res, 201, "Created"));
    const r = await client.request("POST", "/api/v1/organization/", { body: { name: "acme" } });
    expect(r).toMatchObject({ landed: false, status: 201, data: "Created", attempts: 1 });
    const got = server.received[0];
    expect(got?.url).toBe("/api/v1/organization/");
    expect(got?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers.accept).toBe("application/json");
    expect(got?.headers["user-agent"]).toMatch(/^quay-gitops/);
    expect(JSON.parse(got?.body ?? "")).toEqual({ name: "acme" });
  });

  it("sends no Content-Type without a body, and JSON null when asked", async () => {
    const { server, client } = await setup((_req, res) => json(res, 201, { name: "acme+ci" }));
    await client.request("PUT", apiPath`/api/v1/organization/${"acme"}/robots/${"ci"}`);
    await client.request("POST", "/api/v1/x", { body: null });
    expect(server.received[0]?.headers["content-type"]).toBeUndefined();
    expect(server.received[0]?.body).toBe("");
    expect(server.received[1]?.headers["content-type"]).toBe("application/json");
    expect(server.received[1]?.body).toBe("null");
  });

  it("keeps +, nested repository names, trailing slashes and the query", async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, { permissions: {} }));
    await client.get(apiPath`/api/v1/repository/${repo("acme", "team/app")}/permissions/user/`);
    await client.request(
      "PUT",
      apiPath`/api/v1/repository/${repo("acme", "app")}/permissions/user/${"acme+ci"}`,
      {
        body: { role: "write" },
      },
    );
    await client.get("/api/v1/repository", {
      query: { namespace: "acme", next_page: undefined, public: true },
    });
    expect(server.received.map((r) => r.url)).toEqual([
      "/api/v1/repository/acme/team/app/permissions/user/",
      "/api/v1/repository/acme/app/permissions/user/acme+ci",
      "/api/v1/repository?namespace=acme&public=true",
    ]);
  });

  it("keeps a path prefix of the base URL", async () => {
    server = await startServer((_req, res) => json(res, 200, {}));
    client = new QuayClient({ url: `${server.url}/quay/`, token: TOKEN, env: {} });
    await client.get("/api/v1/user/");
    expect(server.received[0]?.url).toBe("/quay/api/v1/user/");
  });

  it("reuses keep-alive connections instead of opening one per request", async () => {
    const { server, client } = await setup((_req, res) => json(res, 200, {}));
    for (let i = 0; i < 20; i++) await client.get("/api/v1/user/");
    // undici's pool may hand back-to-back requests to a second idle socket (it frees a client
    // asynchronously), so "kept alive" means a couple of connections, not twenty.
    expect(server.connections).toBeLessThanOrEqual(2);
    await Promise.all(Array.from({ length: 20 }, () => client?.get("/api/v1/user/")));
    expect(server.connections).toBeLessThanOrEqual(8);
  });
});

describe("responses", () => {
  it("parses 204 (no body), bare strings, arrays and HTML successes defensively", async () => {
    const { client } = await setup((req, res) => {
      if (req.url === "/204") {
        res.writeHead(204);
        res.end();
      } else if (req.url === "/empty201") json(res, 201, "");
      else if (req.url === "/array") json(res, 200, [{ id: 1 }]);
      else html(res, 200, "odd");
    });
    expect((await client.request("DELETE", "/204")).data).toBeUndefined();
    expect((await client.request("POST", "/empty201")).data).toBe("");
    expect((await client.get("/array")).data).toEqual([{ id: 1 }]);
    expect(String((await client.get("/html")).data)).toContain("<title>odd</title>");
  });

  it("maps each error shape of docs/quay-api.md#errors to QuayApiError fields", async () => {
    const shapes: Record<string, [number, unknown]> = {
      "/api-exception": [
        400,
        {
          detail: "Existing robot with name: acme+ci",
          error_message: "Existing robot with name: acme+ci",
          error_type: "invalid_request",
          title: "invalid_request",
          type: "http://x/api/v1/error/invalid_request",
          status: 400,
        },
      ],
      "/data-model": [400, { message: "Could not find robot with specified username" }],
      "/abort": [403, { error: "CSRF token was invalid or missing." }],
      "/detail": [409, { detail: "Mirror configuration already exits for repository acme/app" }],
    };
    const { client } = await setup((req, res) => {
      const s = shapes[req.url];
      if (s) json(res, s[0], s[1]);
      else html(res, 500, "Internal Server Error");
    });
    const err = async (p: string) => {
      try {
        await client.get(p);
      } catch (e) {
        return e as QuayApiError;
      }
      throw new Error("no error");
    };
    const a = await err("/api-exception");
    expect(a).toBeInstanceOf(QuayApiError);
    expect(a).toMatchObject({
      code: "QG_ERR_QUAY_RESPONSE",
      status: 400,
      errorType: "invalid_request",
      quayMessage: "Existing robot with name: acme+ci",
      method: "GET",
      path: "/api-exception",
    });
    expect(await err("/data-model")).toMatchObject({
      status: 400,
      errorType: undefined,
      quayMessage: "Could not find robot with specified username",
    });
    expect(await err("/abort")).toMatchObject({ status: 403, tokenRejected: true });
    expect(await err("/detail")).toMatchObject({
      status: 409,
      quayMessage: expect.stringMatching(/already exits/),
    });
    const h = await err("/boom");
    expect(h).toMatchObject({
      status: 500,
      quayMessage: "Internal Server Error",
      attempts: 6, // a 500 is retried (docs/client.md "Retries")
      unrouted: false,
    });
  });

  it("returns accepted statuses instead of throwing", async () => {
    const { client } = await setup((_req, res) =>
      json(res, 404, { error_message: "Not Found", error_type: "not_found" }),
    );
    const r = await client.get("/api/v1/organization/gone", { accept: [404] });
    expect(r.status).toBe(404);
    expect(r.data).toMatchObject({ error_type: "not_found" });
  });

  it("does not follow Quay's 308 and says why (docs/quay-api.md#routing)", async () => {
    const { server, client } = await setup((req, res) => {
      res.writeHead(308, { location: `http://127.0.0.1/api/v1/organization/`, "content-type": "text/html" });
      res.end(`<a href="${req.url}/">redirect</a>`);
    });
    await expect(client.request("POST", "/api/v1/organization", { body: { name: "a" } })).rejects.toThrow(
      /308 .*redirects to \/api\/v1\/organization\/: routes declared with a trailing slash/,
    );
    expect(server.received).toHaveLength(1);
  });
});

describe("secrets stay out of errors and of the client's printed form", () => {
  it("never shows the token or query values", async () => {
    const { client } = await setup((_req, res) => json(res, 400, { message: `bad token ${TOKEN}` }));
    const e = await client
      .get("/api/v1/organization/acme/logs", { query: { next_page: "PAGE-SECRET" } })
      .catch((x: unknown) => x as QuayApiError);
    expect(e).toBeInstanceOf(QuayApiError);
    const shown = `${(e as Error).message} ${inspect(e)} ${JSON.stringify(e)}`;
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain("PAGE-SECRET");
    expect((e as QuayApiError).path).toBe("/api/v1/organization/acme/logs");
    const printed = `${inspect(client, { depth: 5, showHidden: true })} ${JSON.stringify(client)}`;
    expect(printed).not.toContain(TOKEN);
  });

  it("refuses bad options with ConfigError", () => {
    expect(() => new QuayClient({ url: "ftp://x", token: "t", env: {} })).toThrow(ConfigError);
    expect(() => new QuayClient({ url: "https://u:p@x", token: "t", env: {} })).toThrow(ConfigError);
    expect(() => new QuayClient({ url: "https://x", token: " ", env: {} })).toThrow(ConfigError);
    expect(() => new QuayClient({ url: "https://x", token: "t", maxConcurrency: 0, env: {} })).toThrow(
      ConfigError,
    );
    expect(
      () => new QuayClient({ url: "https://x", token: "t", caFile: "/nonexistent/ca.pem", env: {} }),
    ).toThrow(/cannot read the Quay CA bundle/);
  });
});

describe("request counter", () => {
  it("counts by route template, reads vs writes, and resets", async () => {
    const { client } = await setup((req, res) =>
      req.method === "GET" ? json(res, 200, {}) : json(res, 201, { name: "acme+ci" }),
    );
    await client.get(apiPath`/api/v1/organization/${"acme"}`);
    await client.get(apiPath`/api/v1/organization/${"other"}`);
    await client.request("PUT", apiPath`/api/v1/organization/${"acme"}/robots/${"ci"}`);
    await client.get("/not/a/quay/route?secret=1");
    const s = client.stats.snapshot();
    expect(s).toMatchObject({ total: 4, calls: 4, reads: 3, writes: 1, retries: 0 });
    expect(s.byRoute).toEqual({
      "GET /api/v1/organization/{orgname}": 2,
      "GET /not/a/quay/route": 1,
      "PUT /api/v1/organization/{orgname}/robots/{robot_shortname}": 1,
    });
    expect(client.stats.reset().total).toBe(4);
    expect(client.stats.snapshot().total).toBe(0);
  });
});
