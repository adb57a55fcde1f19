import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  REAL,
  emulatorOnly,
  expectAbort,
  expectApiException,
  expectHtml,
  type Harness,
  type Res,
  useEmulator,
} from "./helpers";

// Session sign-in as Quay 3.18.0 does it (endpoints/api/user.py, endpoints/csrf.py,
// endpoints/common.py, data/model/user.py verify_user at v3.18.0).

const CSRF = "CSRF token was invalid or missing.";
const THROTTLED = "Too many login attempts. \nPlease reset your Quay password and try again.";

/** A cookie-keeping client, as a browser is: every Set-Cookie kept, sent back; the CSRF token it learnt. */
class Browser {
  cookie = "";
  csrf = "";
  constructor(private readonly h: Harness) {}

  async req(
    method: string,
    path: string,
    o: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (this.cookie) headers.Cookie = this.cookie;
    const csrf = o.csrf === undefined ? this.csrf : o.csrf;
    if (csrf) headers["X-CSRF-Token"] = csrf;
    // No bearer token: the harness's request, with only this browser's cookie and CSRF token.
    const r = await this.h.req(method, path, {
      token: null,
      headers,
      ...(o.body === undefined ? {} : { body: o.body }),
    });
    const set = r.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0] as string;
    return r;
  }

  async signIn(username: string, password: string): Promise<Res> {
    const t = await this.req("GET", "/csrf_token");
    this.csrf = t.json.csrf_token;
    const r = await this.req("POST", "/api/v1/signin", { body: { username, password } });
    const next = r.headers.get("x-next-csrf-token");
    if (next) this.csrf = next;
    return r;
  }
}

async function createUser(h: Harness, name: string): Promise<string> {
  const r = await h.post("/api/v1/superuser/users/", { username: name, email: `${name}@example.com` });
  expect(r.status).toBe(200);
  return r.json.password as string;
}

describe("session sign-in", () => {
  const h = useEmulator();
  const itStore = emulatorOnly(
    "reads or edits the emulator's store (an unverified user needs Quay's mailing)",
  );
  const itEmpty = emulatorOnly("needs a Quay without any user (the emulator's reset)");
  const browser = () => new Browser(h);

  it("GET /csrf_token: a token and the session cookie _csrf_token (HttpOnly, Lax, not yet permanent)", async () => {
    const b = browser();
    const r = await b.req("GET", "/csrf_token");
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.json.csrf_token).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const cookie = r.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^_csrf_token=[^;]+; HttpOnly; Path=\/; SameSite=Lax$/);
    // The same session keeps its token; no cookie is re-sent for an unchanged, non-permanent session.
    const again = await b.req("GET", "/csrf_token");
    expect(again.json.csrf_token).toBe(r.json.csrf_token);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("signin: 200 {success}, a new CSRF token in X-Next-CSRF-Token, a permanent cookie (31 days)", async () => {
    const b = browser();
    const t0 = (await b.req("GET", "/csrf_token")).json.csrf_token;
    b.csrf = t0;
    const r = await b.req("POST", "/api/v1/signin", {
      body: { username: "admin", password: h.adminPassword() },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true });
    const t1 = r.headers.get("x-next-csrf-token");
    expect(t1).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(t1).not.toBe(t0);
    const expires = /Expires=([^;]+)/.exec(r.headers.get("set-cookie") ?? "")?.[1];
    const days = (Date.parse(expires ?? "") - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(30.9);
    expect(days).toBeLessThan(31.1);
  });

  it("signin without the CSRF token: 403, as every API write without one", async () => {
    const b = browser();
    await b.req("GET", "/csrf_token");
    const r = await b.req("POST", "/api/v1/signin", {
      body: { username: "admin", password: h.adminPassword() },
      csrf: null,
    });
    expectAbort(r, 403, CSRF);
  });

  it("GETs need only the cookie; writes the current CSRF token (the pre-sign-in one is refused)", async () => {
    const b = browser();
    const t0 = (await b.req("GET", "/csrf_token")).json.csrf_token as string;
    b.csrf = t0;
    await b.signIn("admin", h.adminPassword());
    const me = await b.req("GET", "/api/v1/user/", { csrf: null });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: "admin", super_user: true });
    // util.http.abort adds who was authenticated: here the signed-in session's user.
    expectAbort(
      await b.req("POST", "/api/v1/organization/", { body: { name: "acme" }, csrf: t0 }),
      403,
      `${CSRF} (authorized: user admin)`,
    );
    expect(
      (await b.req("POST", "/api/v1/organization/", { body: { name: "acme" }, csrf: null })).status,
    ).toBe(403);
    expect((await b.req("POST", "/api/v1/organization/", { body: { name: "acme" } })).status).toBe(201);
    // Later writes of the session keep the same token: their answers carry no new one.
    const team = await b.req("PUT", "/api/v1/organization/acme/team/devs", { body: { role: "member" } });
    expect(team.status).toBe(200);
    expect(team.headers.get("x-next-csrf-token")).toBeNull();
    // request.values: the token may also come as the _csrf_token query argument.
    const viaQuery = await b.req("DELETE", `/api/v1/organization/acme/team/devs?_csrf_token=${b.csrf}`, {
      csrf: null,
    });
    expect(viaQuery.status).toBe(204);
  });

  it("a permanent session's cookie is issued again with every response (Flask refreshes it)", async () => {
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    const r = await b.req("GET", "/api/v1/user/");
    expect(r.headers.get("set-cookie")).toMatch(/^_csrf_token=[^;]+; Expires=/);
    expect(r.headers.get("vary")).toBe("Cookie");
  });

  it("session writes are logged with the user as performer and no oauth_token_* metadata", async () => {
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    expect((await b.req("POST", "/api/v1/organization/", { body: { name: "viasession" } })).status).toBe(201);
    expect((await h.post("/api/v1/organization/", { name: "viatoken" })).status).toBe(201);
    const logs = (await h.get("/api/v1/superuser/logs")).json.logs as {
      kind: string;
      metadata: Record<string, unknown>;
      performer?: { name: string };
      namespace?: { name: string };
    }[];
    const bySession = logs.find((l) => l.kind === "org_create" && l.metadata.namespace === "viasession");
    const byToken = logs.find((l) => l.kind === "org_create" && l.metadata.namespace === "viatoken");
    expect(bySession?.performer?.name).toBe("admin");
    expect(Object.keys(bySession?.metadata ?? {}).filter((k) => k.startsWith("oauth_token"))).toEqual([]);
    expect(byToken?.metadata).toMatchObject({
      oauth_token_id: expect.any(Number),
      oauth_token_application_id: h.adminTokenApplication().clientId,
      oauth_token_application: h.adminTokenApplication().name,
    });
    // ACTION_LOG_AUDIT_LOGINS (on by default): the sign-in itself, in the user's namespace.
    // The newest sign-in of admin (a shared Quay logs others' sign-ins too).
    const login = logs.find((l) => l.kind === "login_success" && l.namespace?.name === "admin");
    expect(login?.namespace?.name).toBe("admin");
    expect(login?.metadata).toEqual({ type: "quayauth", useragent: expect.any(String) });
  });

  it("wrong password: 403 invalidCredentials; unknown user the same; sign-in by e-mail works", async () => {
    const b = browser();
    const r = await b.signIn("admin", "not-the-password");
    expect(r.status).toBe(403);
    expect(r.json).toEqual({
      needsEmailVerification: false,
      invalidCredentials: true,
      message: "Invalid Username or Password",
    });
    expect(r.headers.get("x-next-csrf-token")).toBeNull();
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(401);
    expect((await browser().signIn("nobody", "whatever-pw")).json.message).toBe(
      "Invalid Username or Password",
    );
    const password = await createUser(h, "mail-user");
    expect((await browser().signIn("mail-user@example.com", password)).status).toBe(200);
  });

  // Timing: the windows start when Quay began checking the failed attempt. A loaded real Quay can take
  // most of the first 0.5 s answering it, so there the test may run again (with new names).
  it("login throttle: 429 plain text with Retry-After after a failure, growing 0.5 s · (2^n − 1)", {
    retry: REAL ? 2 : 0,
  }, async () => {
    const password = await createUser(h, "throttled");
    const b = browser();
    expect((await b.signIn("throttled", "wrong-password-1")).status).toBe(403);
    // Within 0.5 s of one failure even the right password is refused, before it is checked.
    const r = await b.req("POST", "/api/v1/signin", { body: { username: "throttled", password } });
    expect(r.status).toBe(429);
    expect(r.contentType).toMatch(/^text\/html/);
    expect(r.text).toBe(THROTTLED);
    expect(r.headers.get("retry-after")).toBe("0");
    await sleep(600);
    // A second failure: the window is 1.5 s, so Retry-After (whole seconds, truncated) says 1.
    expect(
      (await b.req("POST", "/api/v1/signin", { body: { username: "throttled", password: "wrong-2" } }))
        .status,
    ).toBe(403);
    const second = await b.req("POST", "/api/v1/signin", { body: { username: "throttled", password } });
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("1");
    await sleep(1600);
    const ok = await b.req("POST", "/api/v1/signin", { body: { username: "throttled", password } });
    expect(ok.status).toBe(200);
    // A good sign-in clears the count: the next failure starts from 0.5 s again (Retry-After 0).
    expect((await b.signIn("throttled", "wrong-3")).status).toBe(403);
    const third = await b.req("POST", "/api/v1/signin", { body: { username: "throttled", password } });
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toBe("0");
  });

  itStore("an unverified user may not sign in: 403 needsEmailVerification", async () => {
    const password = await createUser(h, "unverified");
    const user = h.emu().store.user("unverified");
    if (user) user.verified = false;
    const r = await browser().signIn("unverified", password);
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ needsEmailVerification: true, invalidCredentials: false, message: null });
  });

  it("a disabled user may not sign in (403 with its own message); a session of a user disabled later authenticates nothing", async () => {
    const password = await createUser(h, "disabled");
    const earlier = browser();
    expect((await earlier.signIn("disabled", password)).status).toBe(200);
    expect((await h.put("/api/v1/superuser/users/disabled", { enabled: false })).status).toBe(200);
    const r = await browser().signIn("disabled", password);
    expect(r.status).toBe(403);
    expect(r.json).toEqual({
      needsEmailVerification: false,
      invalidCredentials: true,
      message: "This user has been disabled. Please contact your administrator.",
    });
    expectApiException(
      await earlier.req("GET", "/api/v1/user/"),
      401,
      "invalid_token",
      "Requires authentication",
    );
  });

  it("signout ends every session of the user (a new uuid), and is logged", async () => {
    const password = await createUser(h, "leaver");
    const one = browser();
    const two = browser();
    await one.signIn("leaver", password);
    await two.signIn("leaver", password);
    const r = await one.req("POST", "/api/v1/signout");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ success: true });
    expect((await one.req("GET", "/api/v1/user/")).status).toBe(401);
    expect((await two.req("GET", "/api/v1/user/")).status).toBe(401);
    const logs = (await h.get("/api/v1/superuser/logs")).json.logs as {
      kind: string;
      performer?: { name: string };
    }[];
    expect(logs.find((l) => l.kind === "logout_success")?.performer?.name).toBe("leaver");
  });

  it("a password change by a superuser ends the user's sessions; the new password signs in", async () => {
    const password = await createUser(h, "changer");
    const b = browser();
    await b.signIn("changer", password);
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(200);
    expect((await h.put("/api/v1/superuser/users/changer", { password: "brand-new-password" })).status).toBe(
      200,
    );
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(401);
    expect((await browser().signIn("changer", password)).status).toBe(403);
    // That failure throttles the account for 0.5 s.
    await sleep(600);
    expect((await browser().signIn("changer", "brand-new-password")).status).toBe(200);
  });

  itStore("the state keeps only password hashes", async () => {
    const password = await createUser(h, "hashed");
    const state = JSON.stringify(h.emu().store.snapshot({ redact: false }));
    expect(state).not.toContain(password);
    expect(state).not.toContain(h.adminPassword());
    expect(h.emu().store.user("hashed")?.passwordHash).toMatch(/^scrypt\$/);
  });

  it("an invalid bearer token wins over the cookie (anonymous); a Basic header lets the cookie speak", async () => {
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    expect((await b.req("GET", "/api/v1/user/", { headers: { Authorization: "Bearer nope" } })).status).toBe(
      401,
    );
    expect((await b.req("GET", "/api/v1/user/", { headers: { Authorization: "Basic YTpi" } })).status).toBe(
      200,
    );
  });

  it("an older cookie of the session stays valid until it expires (the server keeps nothing)", async () => {
    const b = browser();
    await b.req("GET", "/csrf_token");
    const before = b.cookie;
    await b.signIn("admin", h.adminPassword());
    const after = b.cookie;
    b.cookie = before;
    // The pre-sign-in cookie is still a valid (anonymous) session with its own token.
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(401);
    b.cookie = after;
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(200);
  });

  itEmpty(
    "user/initialize signs the caller's session in as the new user (common_login), with its password",
    async () => {
      h.emu().reset({ empty: true });
      const b = browser();
      const r = await b.req("POST", "/api/v1/user/initialize", {
        body: { username: "first", password: "first-password", email: "first@example.com" },
        csrf: null,
      });
      expect(r.status).toBe(200);
      expect(r.headers.get("x-next-csrf-token")).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect((await b.req("GET", "/api/v1/user/")).json.username).toBe("first");
      expect((await browser().signIn("first", "first-password")).status).toBe(200);
    },
  );

  it("signin, verify and signout are internal: left out of discovery unless ?internal=true", async () => {
    const plain = (await h.get("/api/v1/discovery")).json.paths;
    expect(plain["/api/v1/signin"]).toBeUndefined();
    const all = (await h.get("/api/v1/discovery?internal=true")).json.paths;
    const operations = (path: string) => Object.keys(all[path]).filter((k) => !k.startsWith("x-"));
    expect(operations("/api/v1/signin")).toEqual(["post"]);
    expect(all["/api/v1/signin"]["x-path"]).toBe("/api/v1/signin");
    expect(all["/api/v1/signin/verify"]).toBeDefined();
    expect(all["/api/v1/signout"]).toBeDefined();
  });
});

describe("fresh login (@require_fresh_login): FRESH_LOGIN_TIMEOUT 1s", () => {
  const h = useEmulator({ config: { FRESH_LOGIN_TIMEOUT: "1s" } });
  const browser = () => new Browser(h);

  it("after the timeout: 401 fresh_login_required on superuser endpoints; verify renews it and rotates the token", async () => {
    await h.org("keep");
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    expect((await b.req("GET", "/api/v1/superuser/users/")).status).toBe(200);
    await sleep(1100);
    expectApiException(
      await b.req("GET", "/api/v1/superuser/users/"),
      401,
      "fresh_login_required",
      "Requires fresh login",
    );
    expect(
      (await b.req("POST", "/api/v1/superuser/users/", { body: { username: "late" } })).json.error_type,
    ).toBe("fresh_login_required");
    // Other endpoints do not care.
    expect((await b.req("GET", "/api/v1/organization/keep")).status).toBe(200);
    const t1 = b.csrf;
    const v = await b.req("POST", "/api/v1/signin/verify", { body: { password: h.adminPassword() } });
    expect(v.status).toBe(200);
    expect(v.json).toEqual({ success: true });
    const t2 = v.headers.get("x-next-csrf-token");
    expect(t2).toBeTruthy();
    expect(t2).not.toBe(t1);
    expect((await b.req("GET", "/api/v1/superuser/users/")).status).toBe(200);
    // The old token no longer writes.
    expectAbort(
      await b.req("POST", "/api/v1/organization/", { body: { name: "neworg" }, csrf: t1 }),
      403,
      `${CSRF} (authorized: user admin)`,
    );
    b.csrf = t2 as string;
    expect((await b.req("POST", "/api/v1/organization/", { body: { name: "neworg" } })).status).toBe(201);
  });

  it("organization delete, superuser quota writes and logs need it; quota delete does not; tokens never do", async () => {
    await h.org("doomed");
    const quota = await h.post("/api/v1/superuser/organization/doomed/quota", { limit_bytes: 1024 ** 3 });
    expect(quota.status).toBe(201);
    const quotaId = (await h.get("/api/v1/superuser/organization/doomed/quota")).json[0].id;
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    await sleep(1100);
    const stale = async (method: string, path: string, body?: unknown) =>
      (await b.req(method, path, body === undefined ? {} : { body })).json?.error_type;
    expect(await stale("GET", "/api/v1/superuser/logs")).toBe("fresh_login_required");
    expect(await stale("GET", "/api/v1/superuser/organization/doomed/quota")).toBe("fresh_login_required");
    expect(
      await stale("PUT", `/api/v1/superuser/organization/doomed/quota/${quotaId}`, { limit_bytes: 2 }),
    ).toBe("fresh_login_required");
    expect(await stale("DELETE", "/api/v1/organization/doomed")).toBe("fresh_login_required");
    expect((await b.req("DELETE", `/api/v1/superuser/organization/doomed/quota/${quotaId}`)).status).toBe(
      204,
    );
    // The bearer token is exempt, whenever it was minted.
    expect((await h.get("/api/v1/superuser/users/")).status).toBe(200);
    expect((await h.del("/api/v1/organization/doomed")).status).toBe(204);
  });

  it("signin/verify: wrong password 403 invalidCredentials; without a session 401", async () => {
    const b = browser();
    await b.signIn("admin", h.adminPassword());
    const wrong = await b.req("POST", "/api/v1/signin/verify", { body: { password: "nope-nope" } });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toEqual({ message: "Invalid Username or Password", invalidCredentials: true });
    const anon = browser();
    anon.csrf = (await anon.req("GET", "/csrf_token")).json.csrf_token;
    expectApiException(
      await anon.req("POST", "/api/v1/signin/verify", { body: { password: "whatever" } }),
      401,
      "invalid_token",
    );
  });
});

describe("session expiry: SESSION_TIMEOUT 3s (PERMANENT_SESSION_LIFETIME)", () => {
  const h = useEmulator({ config: { SESSION_TIMEOUT: "3s" } });

  it("a used session lives on; an idle one expires: GETs 401, writes 403 (no CSRF token any more)", async () => {
    const b = new Browser(h);
    await b.signIn("admin", h.adminPassword());
    await sleep(1500);
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(200);
    await sleep(1500);
    // Refreshed by the previous answer's cookie: 3 s after the sign-in, still valid.
    expect((await b.req("GET", "/api/v1/user/")).status).toBe(200);
    await sleep(4100);
    expectApiException(await b.req("GET", "/api/v1/user/"), 401, "invalid_token");
    expectAbort(await b.req("POST", "/api/v1/organization/", { body: { name: "late" } }), 403, CSRF);
  });
});

describe("where password sign-in is impossible", () => {
  describe("FEATURE_DIRECT_LOGIN false: the signin route is not registered", () => {
    const h = useEmulator({ config: { FEATURE_DIRECT_LOGIN: false } });
    it("POST /api/v1/signin is the web UI's HTML 405; /csrf_token still answers", async () => {
      const b = new Browser(h);
      const r = await b.signIn("admin", h.adminPassword());
      expectHtml(r, 405);
    });
  });

  describe("AUTHENTICATION_TYPE AppToken", () => {
    const h = useEmulator({ config: { AUTHENTICATION_TYPE: "AppToken" } });
    it("403 invalidCredentials with the backend's message, whatever the password", async () => {
      const r = await new Browser(h).signIn("admin", h.adminPassword());
      expect(r.status).toBe(403);
      expect(r.json).toEqual({
        needsEmailVerification: false,
        invalidCredentials: true,
        message: "An application specific token is required to login",
      });
    });
  });
});

describe("read-only registry and extended logging", () => {
  describe("REGISTRY_STATE readonly", () => {
    const h = useEmulator({ config: { REGISTRY_STATE: "readonly" } });
    it("signin and verify are allowed (@readonly_call_allowed), signout is not", async () => {
      const b = new Browser(h);
      expect((await b.signIn("admin", h.adminPassword())).status).toBe(200);
      const v = await b.req("POST", "/api/v1/signin/verify", { body: { password: h.adminPassword() } });
      expect(v.status).toBe(200);
      b.csrf = v.headers.get("x-next-csrf-token") as string;
      const out = await b.req("POST", "/api/v1/signout");
      expect(out.status).toBe(503);
      expect(out.json).toMatchObject({ is_readonly: true });
    });
  });

  describe("FEATURE_EXTENDED_ACTION_LOGGING", () => {
    const h = useEmulator({ config: { FEATURE_EXTENDED_ACTION_LOGGING: true } });
    it("a session write is recorded with auth_type session", async () => {
      const b = new Browser(h);
      await b.signIn("admin", h.adminPassword());
      expect((await b.req("POST", "/api/v1/organization/", { body: { name: "ext" } })).status).toBe(201);
      const entry = h.emu().store.logs.find((l) => l.kind === "org_create");
      expect(entry?.extended).toMatchObject({ auth_type: "session", performer_kind: "user" });
    });
  });
});
