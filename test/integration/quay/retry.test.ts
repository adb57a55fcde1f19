import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { QuayApiError, QuayConnectionError } from "../../../src/quay/errors";
import { type Handler, json, reset, startServer, type TestServer } from "./servers";

let server: TestServer | undefined;
let client: QuayClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const FAST = { baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 };

async function setup(handler: Handler, opts: Partial<QuayClientOptions> = {}) {
  server = await startServer(handler);
  client = new QuayClient({ url: server.url, token: "t0ken-abcdef", env: {}, retry: FAST, ...opts });
  return { server, client };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

describe("retryable statuses", () => {
  it("retries 429/502/503/504 on GET until it succeeds, and counts the retries", async () => {
    const { server, client } = await setup((_req, res, n) => {
      const status = [429, 502, 503, 504][n - 1];
      if (status) json(res, status, { message: "busy" });
      else json(res, 200, { ok: true });
    });
    const r = await client.get("/api/v1/user/");
    expect(r).toMatchObject({ status: 200, attempts: 5, data: { ok: true } });
    expect(server.received).toHaveLength(5);
    expect(client.stats.snapshot()).toMatchObject({ total: 5, calls: 1, retries: 4, reads: 5 });
    expect(client.stats.snapshot().byStatus).toMatchObject({
      "429": 1,
      "502": 1,
      "503": 1,
      "504": 1,
      "200": 1,
    });
  });

  it("gives up after maxAttempts with the last status (unreachable timeout off)", async () => {
    const { server, client } = await setup((_req, res) => json(res, 503, { message: "down" }), {
      retry: { ...FAST, maxAttempts: 3 },
      unreachableTimeoutMs: 0,
    });
    const e = await failure(client.get("/api/v1/user/"));
    expect(e).toBeInstanceOf(QuayApiError);
    expect(e).toMatchObject({ status: 503, attempts: 3 });
    expect(server.received).toHaveLength(3);
  });

  it("retries a 500 of an idempotent call (a transient database error), never a 4xx", async () => {
    let n = 0;
    const { server, client } = await setup(
      (req, res) =>
        req.url === "/a" && n++ === 0
          ? json(res, 500, { message: "db" })
          : json(res, req.url === "/a" ? 200 : 400, { message: "no" }),
      { retry: { ...FAST, maxAttempts: 3 } },
    );
    await client.get("/a");
    await failure(client.get("/b"));
    expect(server.received).toHaveLength(3);
  });

  it("does not retry a read-only 503 (docs/quay-api.md#authentication, docs/quay-api.md#repositories)", async () => {
    const { server, client } = await setup((_req, res) =>
      json(res, 503, { message: "System is currently read-only", is_readonly: true }),
    );
    await failure(client.request("DELETE", "/api/v1/organization/acme"));
    expect(server.received).toHaveLength(1);
  });

  it("retry: false sends once", async () => {
    const { server, client } = await setup((_req, res) => json(res, 503, {}), { retry: false });
    await failure(client.get("/x"));
    expect(server.received).toHaveLength(1);
  });
});

describe("Retry-After", () => {
  it("waits the seconds Quay asks for", async () => {
    const { client } = await setup((_req, res, n) =>
      n === 1 ? json(res, 429, { message: "slow down" }, { "retry-after": "1" }) : json(res, 200, {}),
    );
    const t0 = Date.now();
    await client.get("/api/v1/user/");
    const dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(1000);
    // generous upper bound: CI machines are slow, the point is "about 1 s, not the backoff cap"
    expect(dt).toBeLessThan(2500);
  });

  it("reads an HTTP date", async () => {
    let until = 0;
    const { client } = await setup((_req, res, n) => {
      if (n === 1) {
        // A whole second ahead at least: HTTP dates have one-second resolution.
        until = (Math.floor(Date.now() / 1000) + 2) * 1000;
        json(res, 503, { message: "later" }, { "retry-after": new Date(until).toUTCString() });
      } else json(res, 200, {});
    });
    await client.get("/api/v1/user/");
    expect(Date.now()).toBeGreaterThanOrEqual(until - 5);
  });

  it("caps a long Retry-After at maxRetryAfterMs", async () => {
    const { client } = await setup(
      (_req, res, n) => (n === 1 ? json(res, 429, {}, { "retry-after": "3600" }) : json(res, 200, {})),
      { retry: { ...FAST, maxRetryAfterMs: 200 } },
    );
    const t0 = Date.now();
    await client.get("/x");
    const dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(200);
    expect(dt).toBeLessThan(1500);
  });

  it("exposes Retry-After on the final error", async () => {
    const { client } = await setup((_req, res) => json(res, 429, {}, { "retry-after": "0" }), {
      retry: { ...FAST, maxAttempts: 2 },
    });
    expect(await failure(client.get("/x"))).toMatchObject({ status: 429, retryAfterMs: 0, attempts: 2 });
  });
});

describe("backoff bounds", () => {
  // Four failures then success: the waits are jitter in [0, 50], [0, 100], [0, 200], [0, 200].
  const opts = { baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 1000 };
  const flaky: Handler = (_req, res, n) => (n <= 4 ? json(res, 502, {}) : json(res, 200, {}));

  it("waits at most the exponential ceiling", async () => {
    const { client } = await setup(flaky, { retry: { ...opts, random: () => 0.999999 } });
    const t0 = Date.now();
    await client.get("/x");
    const dt = Date.now() - t0;
    expect(dt).toBeGreaterThanOrEqual(49 + 99 + 199 + 199 - 5);
    expect(dt).toBeLessThan(550 + 1000);
  });

  it("full jitter can wait nothing at all", async () => {
    const { client } = await setup(flaky, { retry: { ...opts, random: () => 0 } });
    const t0 = Date.now();
    await client.get("/x");
    // well under the ~546 ms of the test above
    expect(Date.now() - t0).toBeLessThan(450);
  });
});

describe("connection failures", () => {
  it("retries a GET whose connection is reset", async () => {
    const { server, client } = await setup((_req, res, n) =>
      n <= 2 ? reset(res) : json(res, 200, { ok: 1 }),
    );
    const r = await client.get("/api/v1/user/");
    expect(r).toMatchObject({ status: 200, attempts: 3 });
    expect(server.received).toHaveLength(3);
    expect(client.stats.snapshot()).toMatchObject({ transportErrors: 2, retries: 2 });
  });

  it("reports a refused connection as QuayConnectionError after the retries (unreachable timeout off)", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    client = new QuayClient({
      url: `http://127.0.0.1:${port}`,
      token: "t0ken-abcdef",
      env: {},
      retry: { ...FAST, maxAttempts: 3 },
      unreachableTimeoutMs: 0,
    });
    const e = await failure(client.request("POST", "/api/v1/organization/", { body: { name: "a" } }));
    expect(e).toBeInstanceOf(QuayConnectionError);
    // A refused connection carried nothing, so even a POST is re-sent (and mayHaveLanded is false).
    expect(e).toMatchObject({
      code: "QG_ERR_QUAY_CONNECTION",
      causeCode: "ECONNREFUSED",
      attempts: 3,
      mayHaveLanded: false,
    });
    expect(e.message).toMatch(
      /^POST \/api\/v1\/organization\/: no answer from Quay after 3 attempts \(ECONNREFUSED/,
    );
  });

  it("times out a response whose headers never come, then retries", async () => {
    const { server, client } = await setup(
      (_req, res, n) => {
        if (n === 1) return; // never answer
        json(res, 200, { ok: 1 });
      },
      { timeoutMs: { headers: 300 } },
    );
    const t0 = Date.now();
    const r = await client.get("/slow");
    expect(r.attempts).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(server.received).toHaveLength(2);
  });

  it("reports UND_ERR_HEADERS_TIMEOUT when every attempt times out (unreachable timeout off)", async () => {
    const { client } = await setup(() => undefined, {
      timeoutMs: 150,
      retry: { ...FAST, maxAttempts: 2 },
      unreachableTimeoutMs: 0,
    });
    expect(await failure(client.get("/slow"))).toMatchObject({
      causeCode: "UND_ERR_HEADERS_TIMEOUT",
      attempts: 2,
    });
  });

  it("times out a stalled body and retries", async () => {
    const { client } = await setup(
      (_req, res, n) => {
        if (n === 1) {
          res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
          res.write('{"partial":');
          return; // stall
        }
        json(res, 200, { ok: 2 });
      },
      { timeoutMs: { body: 300 } },
    );
    expect(await client.get("/body")).toMatchObject({ attempts: 2, data: { ok: 2 } });
  });

  it("honours an AbortSignal without retrying", async () => {
    const { server, client } = await setup(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("cancelled by caller")), 100);
    await expect(client.get("/hang", { signal: ac.signal })).rejects.toThrow("cancelled by caller");
    expect(server.received).toHaveLength(1);
  });
});

describe("non-idempotent calls", () => {
  /** A create endpoint: POST /items stores the item, GET /items/<name> finds it. */
  function store(lose: (n: number) => "before" | "after" | "status" | undefined): {
    handler: Handler;
    items: Map<string, number>;
  } {
    const items = new Map<string, number>();
    let posts = 0;
    const handler: Handler = (req, res) => {
      if (req.method === "POST") {
        posts++;
        const mode = lose(posts);
        if (mode === "before") return reset(res); // lost before processing
        const name = (JSON.parse(req.body) as { name: string }).name;
        if (items.has(name))
          return json(res, 400, { error_message: "already exists", error_type: "invalid_request" });
        items.set(name, (items.get(name) ?? 0) + 1);
        if (mode === "after") return reset(res); // processed, answer lost
        if (mode === "status") return json(res, 502, {}); // processed, gateway lost the answer
        return json(res, 201, "Created");
      }
      const name = req.url.split("/").pop() ?? "";
      return items.has(name) ? json(res, 200, { name }) : json(res, 404, { error_message: "Not Found" });
    };
    return { handler, items };
  }
  const exists = (name: string) => async () => {
    const r = await client?.get(`/items/${name}`, { accept: [404] });
    return r?.status === 200;
  };

  it("a POST whose answer was lost is not re-sent without a landed() check", async () => {
    const s = store((n) => (n === 1 ? "after" : undefined));
    const { server, client } = await setup(s.handler);
    const e = await failure(client.request("POST", "/items", { body: { name: "a" } }));
    expect(e).toBeInstanceOf(QuayConnectionError);
    expect(e).toMatchObject({ mayHaveLanded: true, attempts: 1 });
    expect(e.message).toMatch(/may have reached Quay and was not re-sent/);
    expect(server.received.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("landed() = true: returns a QuayLanded result and sends nothing twice", async () => {
    const s = store((n) => (n === 1 ? "after" : undefined));
    const { server, client } = await setup(s.handler);
    const r = await client.request("POST", "/items", { body: { name: "a" }, retry: { landed: exists("a") } });
    expect(r.landed).toBe(true);
    if (r.landed) {
      expect(r.lostResponse).toBeInstanceOf(QuayConnectionError);
      expect(r.attempts).toBe(1);
    }
    expect(s.items.get("a")).toBe(1);
    expect(server.received.map((x) => x.method)).toEqual(["POST", "GET"]);
    expect(client.stats.snapshot()).toMatchObject({ landedChecks: 1, writes: 1, reads: 1 });
  });

  it("landed() = false: re-sends, and the object exists once", async () => {
    const s = store((n) => (n === 1 ? "before" : undefined));
    const { server, client } = await setup(s.handler);
    const r = await client.request("POST", "/items", { body: { name: "b" }, retry: { landed: exists("b") } });
    expect(r).toMatchObject({ landed: false, status: 201, data: "Created", attempts: 2 });
    expect(s.items.get("b")).toBe(1);
    expect(server.received.map((x) => x.method)).toEqual(["POST", "GET", "POST"]);
  });

  it("a 502 after processing is settled by landed() too", async () => {
    const s = store((n) => (n === 1 ? "status" : undefined));
    const { client } = await setup(s.handler);
    const r = await client.request("POST", "/items", { body: { name: "c" }, retry: { landed: exists("c") } });
    expect(r.landed).toBe(true);
    if (r.landed) expect(r.lostResponse).toMatchObject({ status: 502 });
    expect(s.items.get("c")).toBe(1);
  });

  it("a 429 is re-sent without asking (nothing was processed)", async () => {
    let posts = 0;
    const { client } = await setup((_req, res) => {
      posts++;
      return posts === 1 ? json(res, 429, {}, { "retry-after": "0" }) : json(res, 201, "Created");
    });
    let checks = 0;
    const r = await client.request("POST", "/items", {
      body: { name: "d" },
      retry: {
        landed: async () => {
          checks++;
          return false;
        },
      },
    });
    expect(r).toMatchObject({ landed: false, status: 201, attempts: 2 });
    expect(checks).toBe(0);
  });

  it("a PUT declared non-idempotent is not re-sent after a reset", async () => {
    const { server, client } = await setup((_req, res) => reset(res));
    const e = await failure(
      client.request("PUT", "/api/v1/organization/acme/team/devs/members/bob", { idempotent: false }),
    );
    expect(e).toMatchObject({ mayHaveLanded: true, attempts: 1 });
    expect(server.received).toHaveLength(1);
  });
});
