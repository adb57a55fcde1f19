/**
 * The client's session authentication (docs/client.md "Authentication") over real
 * HTTP against the emulator: one lazy sign-in shared by concurrent requests, the CSRF token and
 * its rotation, a lost session signed in again once, a stale login renewed with signin/verify, the
 * login throttle waited out, clear errors, and a password that never shows.
 */
import { inspect } from "node:util";
import { request as undiciRequest } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../../emulator/index";
import { createRunJournal, journalFromEnv, type RunJournal } from "../../../src/quay/api/journal";
import { QuayClient, type QuayClientOptions } from "../../../src/quay/client";
import { connectionSource, resolveConnection } from "../../../src/quay/connection";
import { QuayApiError, QuayConnectionError, QuaySignInError } from "../../../src/quay/errors";
import { apiPath } from "../../../src/quay/paths";

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 10 };
const SIGNIN = "POST /api/v1/signin";
const VERIFY = "POST /api/v1/signin/verify";
const CSRF = "GET /csrf_token";

interface EmuStats {
  total: number;
  reads: number;
  writes: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
}

/** One emulator per describe block, with its config; clients closed after each test. */
function lab(config: EmulatorConfig = {}) {
  let emu: RunningEmulator | undefined;
  const clients: QuayClient[] = [];
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, config });
  });
  afterAll(async () => {
    await emu?.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    expect(emu?.internalErrors).toEqual([]);
    emu?.reset();
    emu?.clearFaults();
    emu?.resetStats();
  });
  const e = () => {
    if (!emu) throw new Error("emulator not started");
    return emu;
  };
  return {
    emu: e,
    client(opts: Partial<QuayClientOptions> = {}): QuayClient {
      const c = new QuayClient({
        url: e().url,
        username: "admin",
        password: e().password,
        env: {},
        retry: FAST_RETRY,
        ...opts,
      });
      clients.push(c);
      return c;
    },
    stats: () => e().stats() as unknown as EmuStats,
    /** A plain HTTP call with the admin token (not through the client under test). */
    async admin(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
      const res = await undiciRequest(`${e().url}${path}`, {
        method: method as "GET",
        headers: {
          authorization: `Bearer ${e().token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, data: text ? JSON.parse(text) : undefined };
    },
    /** A failed sign-in of `username` from elsewhere (to start Quay's login throttle). */
    async failSignIn(username: string): Promise<number> {
      const csrf = await undiciRequest(`${e().url}/csrf_token`);
      const cookie = String(csrf.headers["set-cookie"]).split(";")[0] as string;
      const token = ((await csrf.body.json()) as { csrf_token: string }).csrf_token;
      const res = await undiciRequest(`${e().url}/api/v1/signin`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": token, "content-type": "application/json" },
        body: JSON.stringify({ username, password: "definitely-wrong" }),
      });
      await res.body.text();
      return res.statusCode;
    },
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a failure");
}

/** Every rendering of an object a log line or a report might use. */
function renderings(x: unknown): string {
  const e = x as Error;
  return [
    inspect(x, { depth: 10, showHidden: true, getters: true }),
    JSON.stringify(x),
    String(x),
    e?.message ?? "",
    e?.stack ?? "",
    e?.cause ? inspect(e.cause, { depth: 10, showHidden: true }) : "",
  ].join("\n");
}

describe("session sign-in", () => {
  const l = lab();

  it("signs in lazily, once, for many concurrent requests (even with one connection)", async () => {
    const quay = l.client({ maxConcurrency: 1 });
    expect(l.stats().total).toBe(0);
    const reads = await Promise.all(
      Array.from({ length: 12 }, () => quay.get<{ username: string }>("/api/v1/user/")),
    );
    expect(reads.map((r) => r.data.username)).toEqual(Array(12).fill("admin"));
    const s = l.stats();
    expect(s.byRoute[CSRF]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBe(1);
    expect(s.byRoute["GET /api/v1/user/"]).toBe(12);
    expect(quay.auth).toBe("session");
    expect(quay.username).toBe("admin");
  });

  it("writes carry the CSRF token; Quay logs them as the user, without oauth_token_* metadata", async () => {
    const quay = l.client();
    await quay.request("POST", "/api/v1/organization/", { body: { name: "acme" } });
    await quay.request("PUT", apiPath`/api/v1/organization/${"acme"}/team/${"devs"}`, {
      body: { role: "member" },
    });
    const logs = (await l.admin("GET", "/api/v1/organization/acme/logs")).data as {
      logs: { kind: string; performer: { name: string }; metadata: Record<string, unknown> }[];
    };
    const create = logs.logs.find((e) => e.kind === "org_create");
    expect(create?.performer.name).toBe("admin");
    for (const e of logs.logs) {
      expect(Object.keys(e.metadata).filter((k) => k.startsWith("oauth_token"))).toEqual([]);
    }
  });

  it("the client's counter agrees with the emulator's, sign-in requests included", async () => {
    const quay = l.client();
    await quay.request("POST", "/api/v1/organization/", { body: { name: "counted" } });
    await quay.get(apiPath`/api/v1/organization/${"counted"}`);
    const mine = quay.stats.snapshot();
    const theirs = l.stats();
    expect(mine.total).toBe(theirs.total);
    expect(mine.writes).toBe(theirs.writes);
    expect(mine.byRoute).toEqual(theirs.byRoute);
    expect(mine.byRoute[SIGNIN]).toBe(1);
    expect(mine.calls).toBe(2);
  });

  it("a session that stopped authenticating (signed out elsewhere) is signed in again, once, and the call re-sent", async () => {
    const quay = l.client();
    await quay.request("POST", "/api/v1/organization/", { body: { name: "first" } });
    // Another process signing out as the same account ends every session of it.
    const out = l.client();
    await out.request("POST", "/api/v1/signout");
    l.emu().resetStats();
    // The old cookie still holds its CSRF token, so the write passes the CSRF check and the
    // handler answers 401: nobody is signed in.
    const r = await quay.request("POST", "/api/v1/organization/", { body: { name: "second" } });
    expect(r.status).toBe(201);
    const got = await quay.get<{ username: string }>("/api/v1/user/");
    expect(got.data.username).toBe("admin");
    const s = l.stats();
    expect(s.byRoute[SIGNIN]).toBe(1);
    expect(s.byRoute["POST /api/v1/organization/"]).toBe(2);
    expect(s.byStatus["401"]).toBe(1);
    const orgs = (await l.admin("GET", "/api/v1/superuser/organizations/")).data as {
      organizations: { name: string }[];
    };
    expect(orgs.organizations.filter((o) => o.name === "second")).toHaveLength(1);
  });

  it("repairs once per call: an account disabled meanwhile ends the call with Quay's sign-in refusal", async () => {
    const quay = l.client();
    await quay.get("/api/v1/user/");
    // Disabled: the cookie authenticates nothing, and Quay 3.18.0 refuses the fresh sign-in too.
    const user = l.emu().store.user("admin");
    if (user) user.enabled = false;
    try {
      l.emu().resetStats();
      const e = await failure(quay.get("/api/v1/user/"));
      expect(e).toBeInstanceOf(QuaySignInError);
      expect((e as QuaySignInError).reason).toBe("rejected");
      expect(e.message).toContain("This user has been disabled");
      expect(l.stats().byRoute[SIGNIN]).toBe(1);
      expect(l.stats().byRoute["GET /api/v1/user/"]).toBe(1);
    } finally {
      if (user) user.enabled = true;
    }
  });

  it("GET /api/v1/user/ ('me') answers the signed-in account", async () => {
    const me = await l.client().get<{ username: string; super_user: boolean }>("/api/v1/user/");
    expect(me.data).toMatchObject({ username: "admin", super_user: true });
  });

  it("a create whose answer is lost still uses landed(): nothing is sent twice", async () => {
    const quay = l.client();
    await quay.request("POST", "/api/v1/organization/", { body: { name: "lost" } });
    l.emu().setFaults({ seed: 3, lostResponses: { method: "POST", rate: 1, as: "502" } });
    const body = { role: "write", delegate: { kind: "team", name: "owners" } };
    const path = apiPath`/api/v1/organization/${"lost"}/prototypes`;
    const count = async () =>
      ((await l.admin("GET", path)).data as { prototypes: unknown[] }).prototypes.length;
    const r = await quay.request("POST", path, {
      body,
      retry: {
        landed: async () => (await quay.get<{ prototypes: unknown[] }>(path)).data.prototypes.length > 0,
      },
    });
    l.emu().clearFaults();
    expect(r.landed).toBe(true);
    expect(await count()).toBe(1);
  });

  it("a failing sign-in answer (503) is retried like any idempotent call", async () => {
    l.emu().setFaults({
      seed: 1,
      failNext: [{ method: "POST", route: "/api/v1/signin", count: 2, status: 503 }],
    });
    const me = await l.client().get<{ username: string }>("/api/v1/user/");
    expect(me.data.username).toBe("admin");
    expect(l.stats().byRoute[SIGNIN]).toBe(3);
  });

  it("connects through resolveConnection with QUAY_USERNAME/QUAY_PASSWORD", async () => {
    const conn = resolveConnection(
      connectionSource(() => undefined, {
        QUAY_URL: l.emu().url,
        QUAY_USERNAME: "admin",
        QUAY_PASSWORD: l.emu().password,
        QUAY_TOKEN: l.emu().token,
      }),
    );
    expect(conn.auth).toBe("session");
    const quay = conn.client({ retry: FAST_RETRY });
    try {
      expect((await quay.get<{ username: string }>("/api/v1/user/")).data.username).toBe("admin");
      expect(l.stats().byRoute[SIGNIN]).toBe(1);
    } finally {
      await quay.close();
    }
  });
});

describe("the login throttle", () => {
  const l = lab();

  it("is waited out: Retry-After plus a second, never a burst of sign-ins", async () => {
    expect(await l.failSignIn("admin")).toBe(403);
    const started = Date.now();
    const me = await l.client().get<{ username: string }>("/api/v1/user/");
    expect(me.data.username).toBe("admin");
    const s = l.stats();
    // The failed one, a 429, then the successful one.
    expect(s.byRoute[SIGNIN]).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("waits longer as Quay's window grows (two failures: 1.5 s, Retry-After 1)", async () => {
    expect(await l.failSignIn("admin")).toBe(403);
    await new Promise((r) => setTimeout(r, 600));
    expect(await l.failSignIn("admin")).toBe(403);
    const started = Date.now();
    await l.client().get("/api/v1/user/");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    // 2 failures from elsewhere, one 429, one success.
    expect(l.stats().byRoute[SIGNIN]).toBe(4);
  });
});

describe("session sign-in errors", () => {
  const l = lab();

  it("wrong password: QuaySignInError 'rejected', naming the username, not retried, not repeated", async () => {
    const quay = l.client({ password: "not-the-admin-password" });
    const e = await failure(quay.get("/api/v1/user/"));
    expect(e).toBeInstanceOf(QuaySignInError);
    expect(e).toMatchObject({
      code: "QG_ERR_QUAY_SIGNIN",
      reason: "rejected",
      username: "admin",
      status: 403,
    });
    expect(e.message).toMatch(/Quay rejected the username "admin" with that password/);
    expect(e.message).toMatch(/check the password \(quay-gitops:password or QUAY_PASSWORD\)/);
    // The same client does not try again: each failure grows Quay's login throttle.
    const again = await failure(quay.request("POST", "/api/v1/organization/", { body: { name: "x" } }));
    expect(again).toBe(e);
    expect(l.stats().byRoute[SIGNIN]).toBe(1);
    for (const text of [renderings(e), renderings(quay)])
      expect(text).not.toContain("not-the-admin-password");
  });

  it("the password appears in no error, inspect or JSON of the client, its connection or its failures", async () => {
    const password = l.emu().password;
    const quay = l.client();
    await quay.get("/api/v1/user/");
    const apiError = await failure(quay.get(apiPath`/api/v1/repository/${"nope"}/${"nothing"}`));
    expect(apiError).toBeInstanceOf(QuayApiError);
    const conn = resolveConnection(
      connectionSource(
        (k) =>
          ({
            "quay-gitops:url": l.emu().url,
            "quay-gitops:username": "admin",
            "quay-gitops:password": password,
          })[k],
        {},
      ),
    );
    // No answer at all: a closed port.
    const dead = new QuayClient({
      url: "http://127.0.0.1:9",
      username: "admin",
      password,
      env: {},
      retry: { maxAttempts: 1, baseDelayMs: 1 },
      unreachableTimeoutMs: 0,
    });
    const connError = await failure(dead.get("/api/v1/user/"));
    expect(connError).toBeInstanceOf(QuayConnectionError);
    await dead.close();
    for (const x of [quay, conn, apiError, connError]) expect(renderings(x)).not.toContain(password);
    expect(JSON.parse(JSON.stringify(quay))).toEqual({
      url: l.emu().url,
      auth: "session",
      username: "admin",
      maxConcurrency: 8,
    });
  });
});

describe("where password sign-in is impossible", () => {
  describe("FEATURE_DIRECT_LOGIN false", () => {
    const l = lab({ FEATURE_DIRECT_LOGIN: false });
    it("QuaySignInError 'unavailable': use a token", async () => {
      const e = await failure(l.client().get("/api/v1/user/"));
      expect(e).toMatchObject({ code: "QG_ERR_QUAY_SIGNIN", reason: "unavailable", status: 405 });
      expect(e.message).toMatch(
        /this Quay does not allow signing in with a password .*; use a token instead/,
      );
    });
  });
  describe("AUTHENTICATION_TYPE AppToken", () => {
    const l = lab({ AUTHENTICATION_TYPE: "AppToken" });
    it("QuaySignInError 'unavailable', not 'rejected'", async () => {
      const e = await failure(l.client().get("/api/v1/user/"));
      expect(e).toMatchObject({ reason: "unavailable", status: 403 });
      expect(e.message).toMatch(/An application specific token is required to login/);
    });
  });
});

describe("fresh login: FRESH_LOGIN_TIMEOUT 2s", () => {
  const l = lab({ FRESH_LOGIN_TIMEOUT: "2s" });

  it("a stale login is renewed with signin/verify, once for concurrent requests, and the new CSRF token used", async () => {
    const quay = l.client({ maxConcurrency: 2 });
    await quay.get("/api/v1/superuser/users/");
    await new Promise((r) => setTimeout(r, 2100));
    l.emu().resetStats();
    const lists = await Promise.all(
      Array.from({ length: 6 }, () => quay.get<{ users: unknown[] }>("/api/v1/superuser/users/")),
    );
    expect(lists.every((r) => r.data.users.length >= 1)).toBe(true);
    // A non-idempotent superuser create after the renewal: the new token is accepted.
    const created = await quay.request<{ username: string }>("POST", "/api/v1/superuser/users/", {
      body: { username: "fresh-user", email: "fresh@example.com" },
    });
    expect(created.data.username).toBe("fresh-user");
    const s = l.stats();
    expect(s.byRoute[VERIFY]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBeUndefined();
    expect(s.byStatus["403"]).toBeUndefined();
  });

  it("a create answered 'fresh login required' is sent again after verify and exists once", async () => {
    const quay = l.client();
    await quay.get("/api/v1/user/");
    await new Promise((r) => setTimeout(r, 2100));
    l.emu().resetStats();
    const r = await quay.request<{ username: string }>("POST", "/api/v1/superuser/users/", {
      body: { username: "once", email: "once@example.com" },
    });
    expect(r.status).toBe(200);
    const s = l.stats();
    expect(s.byRoute["POST /api/v1/superuser/users/"]).toBe(2);
    expect(s.byStatus["401"]).toBe(1);
    expect(s.byRoute[VERIFY]).toBe(1);
    const users = (await l.admin("GET", "/api/v1/superuser/users/")).data as {
      users: { username: string }[];
    };
    expect(users.users.filter((u) => u.username === "once")).toHaveLength(1);
  });
});

describe("session expiry: SESSION_TIMEOUT 2s", () => {
  const l = lab({ SESSION_TIMEOUT: "2s" });

  it("an expired session is signed in again, once, for a read and for a write", async () => {
    const quay = l.client();
    await quay.get("/api/v1/user/");
    await new Promise((r) => setTimeout(r, 3100));
    l.emu().resetStats();
    // A write first: the expired cookie holds no CSRF token, so Quay answers 403 before any handler.
    const created = await quay.request("POST", "/api/v1/organization/", { body: { name: "after-expiry" } });
    expect(created.status).toBe(201);
    expect((await quay.get<{ username: string }>("/api/v1/user/")).data.username).toBe("admin");
    let s = l.stats();
    expect(s.byRoute[SIGNIN]).toBe(1);
    expect(s.byStatus["403"]).toBe(1);
    expect(s.byRoute["POST /api/v1/organization/"]).toBe(2);
    await new Promise((r) => setTimeout(r, 3100));
    l.emu().resetStats();
    expect((await quay.get<{ username: string }>("/api/v1/user/")).data.username).toBe("admin");
    s = l.stats();
    expect(s.byStatus["401"]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBe(1);
  });
});

/**
 * One run, several processes: each is a client of its own here, sharing only the run's journal
 * (its sealed session file), as the CLI's preflight and the engine's providers do.
 */
function handOver(config: EmulatorConfig = {}) {
  const l = lab(config);
  let journal: RunJournal | undefined;
  afterEach(() => {
    journal?.dispose();
    journal = undefined;
  });
  return {
    ...l,
    /** A client of a new process of the run (its store read from the environment, as a provider does). */
    process(opts: Partial<QuayClientOptions> = {}): QuayClient {
      journal ??= createRunJournal();
      return l.client({ sessionStore: journalFromEnv(journal.replayEnv).sessionStore, ...opts });
    },
  };
}

describe("a session handed from process to process (the run's journal)", () => {
  const l = handOver();

  it("the second process takes over the first's session for reads and writes: one sign-in in all", async () => {
    const first = l.process();
    expect((await first.get<{ username: string }>("/api/v1/user/")).data.username).toBe("admin");
    const second = l.process();
    const third = l.process();
    // Concurrent first requests of two processes: neither signs in.
    await Promise.all([second.get("/api/v1/user/"), third.get("/api/v1/user/")]);
    await second.request("POST", "/api/v1/organization/", { body: { name: "handed" } });
    await third.request("PUT", "/api/v1/organization/handed", { body: { email: "handed@lab.example" } });
    const s = l.stats();
    expect(s.byRoute[CSRF]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBe(1);
    expect(s.byStatus["401"]).toBeUndefined();
    expect(s.byStatus["403"]).toBeUndefined();
    const logs = (await l.admin("GET", "/api/v1/organization/handed/logs")).data as {
      logs: { kind: string; performer?: { name: string } }[];
    };
    expect(logs.logs.map((e) => `${e.kind} ${e.performer?.name}`)).toContain("org_change_email admin");
  });

  it("a handed session Quay no longer takes is signed in again once, and the new one handed on", async () => {
    const first = l.process();
    await first.get("/api/v1/user/");
    // Signed out (as a password change would): every cookie of the account stops authenticating.
    await first.request("POST", "/api/v1/signout");
    l.emu().resetStats();
    const second = l.process();
    expect((await second.get<{ username: string }>("/api/v1/user/")).data.username).toBe("admin");
    await second.request("POST", "/api/v1/organization/", { body: { name: "after-signout" } });
    let s = l.stats();
    expect(s.byStatus["401"]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBe(1);
    l.emu().resetStats();
    const third = l.process();
    await third.request("DELETE", "/api/v1/organization/after-signout");
    s = l.stats();
    expect(s.byRoute[SIGNIN]).toBeUndefined();
    expect(s.byRoute[CSRF]).toBeUndefined();
  });

  it("is taken over only with the same URL, username and password: a wrong password is still refused", async () => {
    await l.process().get("/api/v1/user/");
    // The same registry by another name is another connection: it signs in itself.
    l.emu().resetStats();
    const other = l.process({ url: l.emu().url.replace("127.0.0.1", "localhost") });
    await other.get("/api/v1/user/");
    expect(l.stats().byRoute[SIGNIN]).toBe(1);
    const wrong = l.process({ password: "not-the-password" });
    const e = await failure(wrong.get("/api/v1/user/"));
    expect(e).toBeInstanceOf(QuaySignInError);
    expect((e as QuaySignInError).reason).toBe("rejected");
  });
});

describe("one session in two processes, as Quay keeps it: FRESH_LOGIN_TIMEOUT 2s", () => {
  const l = handOver({ FRESH_LOGIN_TIMEOUT: "2s" });

  it("a verify in one process rotates its own CSRF token only: the other's copy still writes, and a later process takes the renewed one", async () => {
    const first = l.process();
    await first.get("/api/v1/superuser/users/");
    const second = l.process();
    await second.get("/api/v1/user/");
    await new Promise((r) => setTimeout(r, 2100));
    l.emu().resetStats();
    // The first renews its login (verify: a new cookie and CSRF token, saved for the run)...
    expect(
      (await first.get<{ users: unknown[] }>("/api/v1/superuser/users/")).data.users.length,
    ).toBeGreaterThan(0);
    expect(l.stats().byRoute[VERIFY]).toBe(1);
    // ... and the second still writes with its older copy: Quay keeps nothing of a session on the
    // server (a signed cookie), so no copy invalidates another.
    await second.request("POST", "/api/v1/organization/", { body: { name: "two-copies" } });
    await first.request("DELETE", "/api/v1/organization/two-copies");
    // A later process takes the renewed session over: fresh, no verify, no sign-in.
    const third = l.process();
    await third.get("/api/v1/superuser/users/");
    const s = l.stats();
    expect(s.byRoute[VERIFY]).toBe(1);
    expect(s.byRoute[SIGNIN]).toBeUndefined();
    expect(s.byStatus["403"]).toBeUndefined();
    expect(s.byStatus["401"]).toBe(1);
  });
});
