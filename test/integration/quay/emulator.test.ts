/**
 * The client against the Quay emulator (emulator/, docs/emulator.md): Quay's error shapes become
 * QuayApiError fields, scope hints on 401/403, convergence under the emulator's fault injection,
 * creates that are not duplicated when an answer is lost, and a request counter that agrees with
 * the emulator's own.
 */
import { request as undiciRequest } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { allRoutes } from "../../../emulator/routes/index";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { QuayApiError, QuayConnectionError } from "../../../src/quay/errors";
import { apiPath, repo } from "../../../src/quay/paths";
import { ROUTES } from "../../../src/quay/scopes";
import { type Relay, startDroppingRelay } from "./servers";

let emu: RunningEmulator;
const clients: QuayClient[] = [];
let relay: Relay | undefined;

/** The emulator's control API, over plain HTTP (not through the client under test). */
async function control(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<unknown> {
  const res = await undiciRequest(`${emu.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

interface EmuStats {
  total: number;
  reads: number;
  writes: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
}

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 10 };

function client(opts: Partial<QuayClientOptions> = {}): QuayClient {
  const c = new QuayClient({ url: emu.url, token: emu.token, env: {}, retry: FAST_RETRY, ...opts });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

async function createOrg(quay: QuayClient, name: string): Promise<void> {
  await quay.request("POST", "/api/v1/organization/", { body: { name } });
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
});

afterAll(async () => {
  await emu.close();
});

beforeEach(async () => {
  await control("POST", "/_emulator/reset", { faults: true, stats: true });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await relay?.close();
  relay = undefined;
  expect(emu.internalErrors).toEqual([]);
});

describe("route table", () => {
  it("knows every API route of the emulator, under the same template", () => {
    const mine = new Set(ROUTES.map((r) => `${r.method} ${r.template}`));
    const missing: string[] = [];
    for (const def of allRoutes) {
      if (def.kind !== "api") continue;
      for (const m of Object.keys(def.methods))
        if (!mine.has(`${m} ${def.template}`)) missing.push(`${m} ${def.template}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("Quay's error shapes (docs/quay-api.md#errors) as QuayApiError", () => {
  it("ApiException: status, error_message, error_type", async () => {
    const quay = client();
    await createOrg(quay, "shapes");
    const robot = apiPath`/api/v1/organization/${"shapes"}/robots/${"ci"}`;
    await quay.request("PUT", robot);
    const e = await failure(quay.request("PUT", robot));
    expect(e).toBeInstanceOf(QuayApiError);
    expect(e).toMatchObject({
      status: 400,
      errorType: "invalid_request",
      quayMessage: "Existing robot with name: shapes+ci",
      method: "PUT",
      path: "/api/v1/organization/shapes/robots/ci",
      route: "/api/v1/organization/{orgname}/robots/{robot_shortname}",
      attempts: 1,
    });
  });

  it("DataModelException: {message}, no error_type", async () => {
    const quay = client();
    await createOrg(quay, "shapes2");
    const e = await failure(quay.get(apiPath`/api/v1/organization/${"shapes2"}/robots/${"nobody"}`));
    expect(e).toMatchObject({
      status: 400,
      errorType: undefined,
      quayMessage: "Could not find robot with specified username",
    });
  });

  it("util.http.abort: {error} — a write with a token Quay does not accept hits the CSRF check", async () => {
    const quay = client({ token: "not-a-token-quay-knows" });
    const e = await failure(quay.request("POST", "/api/v1/organization/", { body: { name: "nope" } }));
    expect(e).toMatchObject({
      status: 403,
      tokenRejected: true,
      quayMessage: "CSRF token was invalid or missing.",
    });
    expect(e.message).toMatch(/did not accept the token/);
    expect(e.message).not.toContain("not-a-token-quay-knows");
  });

  it("Flask abort: {message} on 404", async () => {
    const e = await failure(client().get(apiPath`/api/v1/users/${"nosuchuser"}`));
    expect(e).toMatchObject({ status: 404, errorType: undefined });
    expect((e as QuayApiError).quayMessage).toMatch(/not found/i);
  });

  it("ad-hoc {detail}: a second mirror config is 409", async () => {
    const quay = client();
    await createOrg(quay, "mirrors");
    await quay.request("PUT", apiPath`/api/v1/organization/${"mirrors"}/robots/${"sync"}`);
    await quay.request("POST", "/api/v1/repository", {
      body: { namespace: "mirrors", repository: "alpine", visibility: "private", description: "" },
    });
    const mirror = apiPath`/api/v1/repository/${repo("mirrors", "alpine")}/mirror`;
    const body = {
      external_reference: "quay.io/library/alpine",
      sync_interval: 3600,
      sync_start_date: "2026-01-01T00:00:00Z",
      root_rule: { rule_kind: "tag_glob_csv", rule_value: ["latest"] },
      skopeo_timeout_interval: 300,
      robot_username: "mirrors+sync",
    };
    await quay.request("POST", mirror, { body });
    const e = await failure(quay.request("POST", mirror, { body }));
    expect(e).toMatchObject({ status: 409, errorType: undefined });
    expect((e as QuayApiError).quayMessage).toMatch(/^Mirror configuration already exits/);
  });

  it("HTML 500 (docs/quay-api.md#emulator-gotchas): parsed defensively, not retried", async () => {
    const quay = client();
    await createOrg(quay, "html500");
    await quay.request("PUT", apiPath`/api/v1/organization/${"html500"}/robots/${"sync"}`);
    await quay.request("POST", "/api/v1/repository", {
      body: { namespace: "html500", repository: "r", visibility: "private", description: "" },
    });
    quay.stats.reset();
    const e = await failure(
      quay.request("POST", apiPath`/api/v1/repository/${repo("html500", "r")}/mirror`, {
        body: {
          external_reference: "quay.io/library/alpine",
          sync_interval: 3600,
          sync_start_date: "2026-01-01", // malformed: Quay 3.18.0 answers an HTML 500 (docs/quay-api.md#mirrors)
          root_rule: { rule_kind: "tag_glob_csv", rule_value: ["latest"] },
          skopeo_timeout_interval: 300,
          robot_username: "html500+sync",
        },
      }),
    );
    expect(e).toMatchObject({
      status: 500,
      quayMessage: "Internal Server Error",
      unrouted: false,
      attempts: 1,
    });
    expect(e.message).toMatch(/unhandled exception/);
    expect(quay.stats.snapshot().total).toBe(1);
  });

  it("HTML 404 for a wrong trailing slash, 308 for a missing one, JSON 405 for a wrong method", async () => {
    const quay = client();
    await createOrg(quay, "routing");
    const slash = await failure(quay.get("/api/v1/organization/routing/"));
    expect(slash).toMatchObject({ status: 404, unrouted: true });
    const redirect = await failure(quay.get("/api/v1/superuser/users"));
    expect(redirect).toMatchObject({ status: 308 });
    expect(redirect.message).toMatch(/redirects to \/api\/v1\/superuser\/users\//);
    const method = await failure(quay.request("PATCH", "/api/v1/organization/routing"));
    expect(method).toMatchObject({
      status: 405,
      unrouted: false,
      quayMessage: expect.stringMatching(/method is not allowed/),
    });
  });

  it("a disabled feature's endpoint is unrouted HTML", async () => {
    const off = await startEmulator({ port: 0, config: { FEATURE_PROXY_CACHE: false } });
    try {
      const quay = new QuayClient({ url: off.url, token: off.token, env: {}, retry: false });
      clients.push(quay);
      await quay.request("POST", "/api/v1/organization/", { body: { name: "flags" } });
      const e = await failure(
        quay.request("POST", "/api/v1/organization/flags/proxycache", {
          body: { upstream_registry: "quay.io" },
        }),
      );
      expect(e).toMatchObject({ status: 405, unrouted: true });
      expect(e.message).toMatch(/feature flag is off/);
    } finally {
      await off.close();
    }
  });
});

describe("scope hints", () => {
  it("a 403 names the scope the route needs", async () => {
    await createOrg(client(), "scoped");
    const { token } = (await control("POST", "/_emulator/tokens", {
      user: "admin",
      scopes: ["user:read", "repo:read"],
    })) as {
      token: string;
    };
    const weak = client({ token });
    const e = await failure(weak.request("PUT", apiPath`/api/v1/organization/${"scoped"}/robots/${"ci"}`));
    expect(e).toBeInstanceOf(QuayApiError);
    expect(e).toMatchObject({ status: 403, requiredScopes: ["org:admin"], tokenRejected: false });
    expect(e.message).toBe(
      "PUT /api/v1/organization/scoped/robots/ci: 403 Unauthorized — this needs a token with scope org:admin (docs/quay-api.md#scopes)",
    );
    const org = await failure(weak.request("POST", "/api/v1/organization/", { body: { name: "another" } }));
    expect(org).toMatchObject({ status: 403, requiredScopes: ["user:admin"] });
    const perm = await failure(
      weak.request("PUT", apiPath`/api/v1/repository/${repo("scoped", "x")}/permissions/user/${"admin"}`, {
        body: { role: "read" },
      }),
    );
    expect(perm.message).toMatch(/scope repo:admin/);
  });

  it("a 401 says the token is not accepted or lacks the scope", async () => {
    const { token } = (await control("POST", "/_emulator/tokens", {
      user: "admin",
      scopes: ["repo:read"],
    })) as {
      token: string;
    };
    const e = await failure(client({ token }).get("/api/v1/user/"));
    expect(e).toMatchObject({ status: 401, requiredScopes: ["user:read"] });
    expect(e.message).toMatch(/missing, invalid or expired, or this needs a token with scope user:read/);
  });
});

describe("under fault injection", () => {
  const FAULTS = {
    seed: 20260101,
    latencyMs: 5,
    jitterMs: 4,
    errors: [
      { rate: 0.12, status: 503 },
      { rate: 0.05, status: 502 },
    ],
    resets: { rate: 0.05 },
    throttle: { rate: 0.02, burst: 3, retryAfterSeconds: 1 },
  };

  it("converges: every object exists exactly once, none lost, none duplicated", async () => {
    const setup = client();
    await createOrg(setup, "flaky");
    await control("POST", "/_emulator/faults", FAULTS);
    const quay = client();
    const org = "flaky";
    const teams = ["t1", "t2", "t3", "t4"];
    const robots = ["r1", "r2", "r3"];
    const repos = ["a", "b", "c", "d", "e"];

    // Idempotent writes: teams are create-or-update (docs/quay-api.md#teams).
    await Promise.all(
      teams.map((t) =>
        quay.request("PUT", apiPath`/api/v1/organization/${org}/team/${t}`, { body: { role: "member" } }),
      ),
    );
    // Robot create is create-only (docs/quay-api.md#robots, docs/quay-api.md#emulator-gotchas): non-idempotent, with a landed() check.
    await Promise.all(
      robots.map((r) =>
        quay.request("PUT", apiPath`/api/v1/organization/${org}/robots/${r}`, {
          retry: {
            landed: async () =>
              (await quay.get(apiPath`/api/v1/organization/${org}/robots/${r}`, { accept: [400] })).status ===
              200,
          },
        }),
      ),
    );
    // Repository create: POST, with a landed() check.
    await Promise.all(
      repos.map((name) =>
        quay.request("POST", "/api/v1/repository", {
          body: { namespace: org, repository: name, visibility: "private", description: `repo ${name}` },
          retry: {
            landed: async () =>
              (await quay.get(apiPath`/api/v1/repository/${repo(org, name)}`, { accept: [404] })).status ===
              200,
          },
        }),
      ),
    );
    // Team member add is not repeatable (400 "already a member", docs/quay-api.md#emulator-gotchas).
    await Promise.all(
      robots.map((r) =>
        quay.request("PUT", apiPath`/api/v1/organization/${org}/team/${"t1"}/members/${`${org}+${r}`}`, {
          retry: {
            landed: async () => {
              const m = await quay.get<{ members: { name: string }[] }>(
                apiPath`/api/v1/organization/${org}/team/${"t1"}/members`,
              );
              return m.data.members.some((x) => x.name === `${org}+${r}`);
            },
          },
        }),
      ),
    );
    // Prototypes: POST with no duplicate detection at all (docs/quay-api.md#default-permissions) — the sharpest case.
    const delegates = ["t2", "t3", "t4"];
    await Promise.all(
      delegates.map((t) =>
        quay.request("POST", apiPath`/api/v1/organization/${org}/prototypes`, {
          body: { role: "read", delegate: { kind: "team", name: t } },
          retry: {
            landed: async () => {
              const p = await quay.get<{ prototypes: { delegate: { name: string } }[] }>(
                apiPath`/api/v1/organization/${org}/prototypes`,
              );
              return p.data.prototypes.some((x) => x.delegate.name === t);
            },
          },
        }),
      ),
    );
    // Idempotent permission PUTs (docs/quay-api.md#permissions).
    await Promise.all(
      repos.map((name) =>
        quay.request("PUT", apiPath`/api/v1/repository/${repo(org, name)}/permissions/user/${`${org}+r1`}`, {
          body: { role: "write" },
        }),
      ),
    );

    const stats = (await control("GET", "/_emulator/stats")) as EmuStats;
    await control("DELETE", "/_emulator/faults");
    // Faults really happened, of every kind.
    expect(stats.faults.reset ?? 0).toBeGreaterThan(0);
    expect((stats.faults["503"] ?? 0) + (stats.faults["502"] ?? 0)).toBeGreaterThan(0);
    expect(quay.stats.snapshot().retries).toBeGreaterThan(0);

    const check = client({ retry: false });
    const orgView = await check.get<{ teams: Record<string, unknown> }>(apiPath`/api/v1/organization/${org}`);
    expect(Object.keys(orgView.data.teams).sort()).toEqual(["owners", ...teams]);
    const robotList = await check.get<{ robots: { name: string }[] }>(
      apiPath`/api/v1/organization/${org}/robots`,
    );
    expect(robotList.data.robots.map((r) => r.name).sort()).toEqual(robots.map((r) => `${org}+${r}`));
    const repoList = await check.get<{ repositories: { name: string; description: string }[] }>(
      "/api/v1/repository",
      {
        query: { namespace: org },
      },
    );
    expect(repoList.data.repositories.map((r) => r.name).sort()).toEqual(repos);
    const members = await check.get<{ members: { name: string }[] }>(
      apiPath`/api/v1/organization/${org}/team/${"t1"}/members`,
    );
    expect(members.data.members.map((m) => m.name).sort()).toEqual(robots.map((r) => `${org}+${r}`));
    const protos = await check.get<{ prototypes: { delegate: { name: string } }[] }>(
      apiPath`/api/v1/organization/${org}/prototypes`,
    );
    expect(protos.data.prototypes.map((p) => p.delegate.name).sort()).toEqual(delegates);
    for (const name of repos) {
      const perms = await check.get<{ permissions: Record<string, { role: string }> }>(
        apiPath`/api/v1/repository/${repo(org, name)}/permissions/user/`,
      );
      expect(perms.data.permissions[`${org}+r1`]?.role).toBe("write");
    }
  });

  it("the counter agrees with the emulator's /_emulator/stats, retries included", async () => {
    await createOrg(client(), "counted");
    await control("POST", "/_emulator/faults", {
      ...FAULTS,
      seed: 7,
      throttle: { rate: 0.05, burst: 2, retryAfterSeconds: 0 },
    });
    await control("POST", "/_emulator/stats/reset");
    const quay = client();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      work.push(
        quay.request("PUT", apiPath`/api/v1/organization/${"counted"}/team/${`team${i}`}`, {
          body: { role: "member" },
        }),
      );
      work.push(quay.get(apiPath`/api/v1/organization/${"counted"}`));
      work.push(quay.get(apiPath`/api/v1/organization/${"counted"}/robots`, { query: { token: false } }));
    }
    await Promise.all(work);
    const theirs = (await control("GET", "/_emulator/stats")) as EmuStats;
    const mine = quay.stats.snapshot();
    expect(mine.retries).toBeGreaterThan(0);
    expect(mine.calls).toBe(36);
    expect(mine.total).toBe(theirs.total);
    expect(mine.reads).toBe(theirs.reads);
    expect(mine.writes).toBe(theirs.writes);
    expect(mine.byRoute).toEqual(theirs.byRoute);
    expect(mine.transportErrors).toBe(theirs.faults.reset ?? 0);
    const { error: _resets, ...myStatuses } = mine.byStatus;
    expect(myStatuses).toEqual(theirs.byStatus);
  });
});

describe("a non-idempotent create whose answer is lost", () => {
  const PROTOTYPES = "/api/v1/organization/{orgname}/prototypes";
  const body = { role: "write", delegate: { kind: "team", name: "owners" } };
  const count = async (org: string) =>
    (
      await client({ retry: false }).get<{ prototypes: unknown[] }>(
        apiPath`/api/v1/organization/${org}/prototypes`,
      )
    ).data.prototypes.length;
  const landedFor = (quay: QuayClient, org: string) => async () =>
    (await quay.get<{ prototypes: unknown[] }>(apiPath`/api/v1/organization/${org}/prototypes`)).data
      .prototypes.length > 0;

  it("fault before processing (fault API failNext 502): landed() says no, sent again, exists once", async () => {
    await createOrg(client(), "lost1");
    await control("POST", "/_emulator/faults", {
      seed: 1,
      failNext: [{ method: "POST", route: PROTOTYPES, count: 1, status: 502 }],
    });
    await control("POST", "/_emulator/stats/reset");
    const quay = client();
    const r = await quay.request("POST", apiPath`/api/v1/organization/${"lost1"}/prototypes`, {
      body,
      retry: { landed: landedFor(quay, "lost1") },
    });
    expect(r).toMatchObject({ landed: false, status: 200, attempts: 2 });
    expect(await count("lost1")).toBe(1);
    const stats = (await control("GET", "/_emulator/stats")) as EmuStats;
    expect(stats.byRoute[`POST ${PROTOTYPES}`]).toBe(2);
    expect(stats.faults["502"]).toBe(1);
  });

  it("connection reset before processing (fault API resets): landed() says no, sent again, exists once", async () => {
    await createOrg(client(), "lost2");
    await control("POST", "/_emulator/faults", {
      seed: 3,
      resets: { method: "POST", route: PROTOTYPES, rate: 1 },
    });
    const quay = client();
    const r = await quay.request("POST", apiPath`/api/v1/organization/${"lost2"}/prototypes`, {
      body,
      retry: {
        landed: async () => {
          const landed = await landedFor(quay, "lost2")();
          // The network heals once the client has looked.
          await control("DELETE", "/_emulator/faults");
          return landed;
        },
      },
    });
    expect(r).toMatchObject({ landed: false, status: 200, attempts: 2 });
    expect(await count("lost2")).toBe(1);
  });

  it("answer lost after Quay processed it: landed() says yes, nothing is sent twice", async () => {
    await createOrg(client(), "lost3");
    let posts = 0;
    relay = await startDroppingRelay(
      emu.url,
      (req) => req.method === "POST" && req.url.endsWith("/prototypes") && ++posts === 1,
    );
    await control("POST", "/_emulator/stats/reset");
    const quay = client({ url: relay.url });
    const r = await quay.request("POST", apiPath`/api/v1/organization/${"lost3"}/prototypes`, {
      body,
      retry: { landed: landedFor(quay, "lost3") },
    });
    expect(r.landed).toBe(true);
    if (r.landed) expect(r.lostResponse).toBeInstanceOf(QuayConnectionError);
    expect(relay.dropped).toBe(1);
    expect(await count("lost3")).toBe(1);
    const stats = (await control("GET", "/_emulator/stats")) as EmuStats;
    expect(stats.byRoute[`POST ${PROTOTYPES}`]).toBe(1);
    expect(quay.stats.snapshot()).toMatchObject({ landedChecks: 1, writes: 1 });
  });

  it("without a landed() check the client does not re-send, and says the call may have landed", async () => {
    await createOrg(client(), "lost4");
    let posts = 0;
    relay = await startDroppingRelay(
      emu.url,
      (req) => req.method === "POST" && req.url.endsWith("/prototypes") && ++posts === 1,
    );
    const quay = client({ url: relay.url });
    const e = await failure(
      quay.request("POST", apiPath`/api/v1/organization/${"lost4"}/prototypes`, { body }),
    );
    expect(e).toBeInstanceOf(QuayConnectionError);
    expect(e).toMatchObject({ mayHaveLanded: true, attempts: 1 });
    expect(await count("lost4")).toBe(1);
  });
});
