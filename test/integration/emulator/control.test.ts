import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers";

const h = useEmulator({}, { emulatorOnly: "the emulator's control routes (/_emulator/...) and store" });

async function statuses(n: number, path = "/api/v1/user/"): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await h.get(path)).status);
  return out;
}

describe("control API /_emulator/ (docs/emulator.md)", () => {
  it("POST /_emulator/reset restores the bootstrap state; the admin token survives", async () => {
    await h.org("acme");
    const r = await h.control("POST", "/_emulator/reset");
    expect(r.json).toEqual({ reset: true, empty: false });
    expect((await h.get("/api/v1/organization/acme")).status).toBe(404);
    expect((await h.get("/api/v1/user/")).json.username).toBe("admin");
  });

  it("POST /_emulator/reset {empty: true} leaves a database without any user", async () => {
    await h.control("POST", "/_emulator/reset", { empty: true });
    expect((await h.get("/api/v1/user/")).status).toBe(401);
    expect(h.emu().store.accounts.size).toBe(0);
  });

  it("GET /_emulator/state returns the whole state with every secret redacted", async () => {
    await h.org("acme");
    const robotToken = await h.robot("acme", "ci");
    await h.repo("acme", "app");
    await h.post("/api/v1/repository/acme/app/mirror", {
      external_reference: "quay.io/a/b",
      sync_interval: 60,
      sync_start_date: "2024-01-01T00:00:00Z",
      root_rule: { rule_kind: "tag_glob_csv", rule_value: ["*"] },
      skopeo_timeout_interval: 300,
      robot_username: "acme+ci",
      external_registry_username: "u",
      external_registry_password: "mirror-secret",
    });
    await h.org("cache");
    await h.post("/api/v1/organization/cache/proxycache", {
      upstream_registry: "quay.io",
      upstream_registry_password: "proxy-secret",
    });
    const r = await h.control("GET", "/_emulator/state");
    expect(r.status).toBe(200);
    expect(r.json.format).toBe("quay-gitops-emulator-state");
    expect(r.json.accounts.map((a: { username: string }) => a.username)).toEqual(
      expect.arrayContaining(["admin", "acme", "acme+ci"]),
    );
    for (const secret of [robotToken, h.emu().token, "mirror-secret", "proxy-secret"])
      expect(r.text).not.toContain(secret);
    expect(r.text).toContain("<redacted>");
  });

  it("GET /_emulator/stats counts requests by method and route template, with read and write totals", async () => {
    await h.org("acme");
    await h.get("/api/v1/organization/acme");
    await h.get("/api/v1/organization/acme");
    await h.get("/api/v1/nosuch");
    const s = (await h.control("GET", "/_emulator/stats")).json;
    expect(s.byRoute).toEqual({
      "POST /api/v1/organization/": 1,
      "GET /api/v1/organization/{orgname}": 2,
      "GET (unrouted)": 1,
    });
    expect(s).toMatchObject({ total: 4, reads: 3, writes: 1, byStatus: { "200": 2, "201": 1, "308": 1 } });
  });

  it("POST /_emulator/stats/reset zeroes the counters; control calls are never counted", async () => {
    await h.org("acme");
    await h.control("POST", "/_emulator/stats/reset");
    await h.control("GET", "/_emulator/stats");
    expect((await h.control("GET", "/_emulator/stats")).json.total).toBe(0);
  });

  it("faults: latency with jitter delays every request by latency ± jitter", async () => {
    await h.control("POST", "/_emulator/faults", { seed: 1, latencyMs: 60, jitterMs: 20 });
    const start = Date.now();
    await h.get("/api/v1/user/");
    const elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(38);
    expect(elapsed).toBeLessThan(400);
  });

  it("faults: an error rate by method and route answers 500/502/503 for matching requests only", async () => {
    await h.org("acme");
    await h.control("POST", "/_emulator/faults", {
      seed: 3,
      errors: [{ method: "GET", route: "/api/v1/organization/{orgname}", rate: 1, status: 502 }],
    });
    const r = await h.get("/api/v1/organization/acme");
    expect(r.status).toBe(502);
    expect(r.contentType).toMatch(/^text\/html/);
    expect((await h.get("/api/v1/user/")).status).toBe(200);
    expect((await h.control("GET", "/_emulator/stats")).json.faults).toEqual({ "502": 1 });
  });

  it("faults: route globs match templates and paths", async () => {
    await h.org("acme");
    await h.control("POST", "/_emulator/faults", {
      errors: [{ route: "/api/v1/organization/*", rate: 1, status: 500 }],
    });
    expect((await h.get("/api/v1/organization/acme")).status).toBe(500);
    expect((await h.get("/api/v1/organization/acme/robots")).status).toBe(500);
  });

  it("faults: 429 bursts carry Retry-After", async () => {
    await h.control("POST", "/_emulator/faults", {
      seed: 5,
      throttle: { rate: 1, burst: 3, retryAfterSeconds: 2 },
    });
    const r = await h.get("/api/v1/user/");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("2");
    await h.control("POST", "/_emulator/faults", { seed: 5, throttle: { rate: 0, burst: 3 } });
    expect(await statuses(2)).toEqual([200, 200]);
  });

  it("faults: a 429 burst covers the next requests of the burst", async () => {
    // rate 0.5 with a fixed seed: find the first throttled request and check the burst after it.
    await h.control("POST", "/_emulator/faults", {
      seed: 11,
      throttle: { rate: 0.3, burst: 3, retryAfterSeconds: 1 },
    });
    const seq = await statuses(30);
    const first = seq.indexOf(429);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(seq.slice(first, first + 3)).toEqual([429, 429, 429]);
  });

  it("faults: the connection-reset rate drops the socket without an answer", async () => {
    await h.control("POST", "/_emulator/faults", { resets: { rate: 1, method: "GET" } });
    await expect(h.get("/api/v1/user/")).rejects.toThrow();
    await h.control("DELETE", "/_emulator/faults");
    expect((await h.get("/api/v1/user/")).status).toBe(200);
    expect((await h.control("GET", "/_emulator/stats")).json.faults.reset).toBe(1);
  });

  it("faults: fail the next N requests matching X, then back to normal", async () => {
    await h.org("acme");
    await h.control("POST", "/_emulator/faults", {
      failNext: [
        { method: "PUT", route: "/api/v1/organization/{orgname}/team/{teamname}", count: 2, status: 503 },
      ],
    });
    expect((await h.get("/api/v1/organization/acme")).status).toBe(200);
    const put = () => h.put("/api/v1/organization/acme/team/devs", { role: "member" });
    expect([(await put()).status, (await put()).status, (await put()).status]).toEqual([503, 503, 200]);
    expect((await h.control("GET", "/_emulator/faults")).json.failNextRemaining).toEqual([0]);
  });

  it("faults: the same seed gives the same faults for the same request sequence", async () => {
    const spec = {
      seed: 42,
      errors: [{ rate: 0.3, status: 503 }],
      throttle: { rate: 0.1, burst: 2, retryAfterSeconds: 0 },
    };
    await h.control("POST", "/_emulator/faults", spec);
    const a = await statuses(40);
    await h.control("POST", "/_emulator/faults", spec);
    const b = await statuses(40);
    expect(a).toEqual(b);
    expect(a.some((s) => s !== 200)).toBe(true);
    await h.control("POST", "/_emulator/faults", { ...spec, seed: 43 });
    expect(await statuses(40)).not.toEqual(a);
  });

  it("faults: a seed is chosen and reported when none is given; {clear: true} and {} clear", async () => {
    const r = await h.control("POST", "/_emulator/faults", { errors: [{ rate: 1 }] });
    expect(r.json.seed).toEqual(expect.any(Number));
    expect((await h.get("/api/v1/user/")).status).toBe(503);
    await h.control("POST", "/_emulator/faults", { clear: true });
    expect((await h.get("/api/v1/user/")).status).toBe(200);
    await h.control("POST", "/_emulator/faults", { errors: [{ rate: 1 }] });
    await h.control("POST", "/_emulator/faults", {});
    expect((await h.get("/api/v1/user/")).status).toBe(200);
  });

  it("faults: an invalid specification is a 400 {error}", async () => {
    for (const bad of [
      { errors: [{ rate: 2 }] },
      { errors: [{ rate: 1, status: 404 }] },
      { latencyMs: -1 },
      { failNext: [{ count: 0 }] },
    ]) {
      const r = await h.control("POST", "/_emulator/faults", bad);
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual(expect.any(String));
    }
  });

  it("faults never touch the control API", async () => {
    await h.control("POST", "/_emulator/faults", { errors: [{ rate: 1 }], resetRate: 1 });
    expect((await h.control("GET", "/_emulator/stats")).status).toBe(200);
    await h.control("DELETE", "/_emulator/faults");
  });

  it("POST /_emulator/tokens mints a token for any user with the given scopes", async () => {
    await h.user("bob", []);
    const r = await h.control("POST", "/_emulator/tokens", { user: "bob", scopes: ["user:read"] });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ token: expect.any(String), user: "bob", scopes: ["user:read"] });
    expect((await h.get("/api/v1/user/", { token: r.json.token })).json.username).toBe("bob");
    expect((await h.post("/api/v1/organization/", { name: "x" }, { token: r.json.token })).status).toBe(403);
  });

  it("POST /_emulator/tokens refuses unknown users and scopes", async () => {
    expect((await h.control("POST", "/_emulator/tokens", { user: "nobody", scopes: [] })).status).toBe(404);
    expect(
      (await h.control("POST", "/_emulator/tokens", { user: "admin", scopes: ["god:mode"] })).status,
    ).toBe(400);
    expect((await h.control("POST", "/_emulator/tokens", { scopes: [] })).status).toBe(400);
  });

  it("POST /_emulator/mirror/sync validates its body", async () => {
    expect((await h.control("POST", "/_emulator/mirror/sync", { outcome: "maybe" })).status).toBe(400);
    expect((await h.control("POST", "/_emulator/mirror/sync", { now: "not a date" })).status).toBe(400);
    expect((await h.control("POST", "/_emulator/mirror/sync", {})).json).toEqual({ synced: [] });
  });

  it("unknown control paths are 404 and wrong methods 405, as JSON", async () => {
    expect((await h.control("GET", "/_emulator/nope")).status).toBe(404);
    const r = await h.control("GET", "/_emulator/reset");
    expect(r.status).toBe(405);
    expect(r.json.error).toMatch(/POST/);
    expect(
      (await h.req("POST", "/_emulator/reset", { token: null, raw: "[1]", contentType: "application/json" }))
        .status,
    ).toBe(400);
  });

  it("GET /_emulator/config shows the effective Quay config; GET /_emulator/errors the internal errors", async () => {
    const c = (await h.control("GET", "/_emulator/config")).json;
    expect(c).toMatchObject({
      FEATURE_SUPERUSERS_FULL_ACCESS: true,
      FEATURE_MAILING: false,
      SUPER_USERS: ["admin"],
    });
    expect((await h.control("GET", "/_emulator/errors")).json).toEqual({ errors: [] });
  });
});
