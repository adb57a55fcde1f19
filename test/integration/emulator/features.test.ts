import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../../emulator/index";
import { ALL, expectApiException, expectHtml, expectMessage, useEmulator, expectAbort } from "./helpers";

describe("feature flags off (docs/quay-api.md#features)", () => {
  const h = useEmulator({
    config: {
      FEATURE_QUOTA_MANAGEMENT: false,
      FEATURE_REPO_MIRROR: false,
      FEATURE_PROXY_CACHE: false,
      FEATURE_AUTO_PRUNE: false,
      FEATURE_USER_INITIALIZE: false,
      FEATURE_AGGREGATED_LOG_COUNT_RETRIEVAL: false,
    },
  });

  it("GET /config (web route, no authentication) tells every flag and TAG_EXPIRATION_OPTIONS", async () => {
    const r = await fetch(`${h.emu().url}/config`);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { config: Record<string, unknown>; features: Record<string, boolean> };
    expect(doc.features).toMatchObject({
      QUOTA_MANAGEMENT: false,
      REPO_MIRROR: false,
      PROXY_CACHE: false,
      AUTO_PRUNE: false,
      SUPER_USERS: true,
      SPARSE_INDEX: false,
      EXTENDED_REPOSITORY_NAMES: true,
    });
    expect(doc.config).toMatchObject({
      TAG_EXPIRATION_OPTIONS: ["0s", "1d", "1w", "2w", "4w"],
      AUTHENTICATION_TYPE: "Database",
      FEATURE_REPO_MIRROR: false,
      SERVER_HOSTNAME: new URL(h.emu().url).host,
    });
  });

  it("docs/quay-api.md#features a disabled endpoint: GET 308 to the slash form, which is an HTML 404", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme/quota");
    expect(r.status).toBe(308);
    expect(r.headers.get("location")).toBe(`${h.url()}/api/v1/organization/acme/quota/`);
    expectHtml(await h.get("/api/v1/organization/acme/quota/"), 404);
  });

  it("docs/quay-api.md#features a disabled endpoint: POST is an HTML 405, never an API JSON error", async () => {
    await h.org("acme");
    expectHtml(await h.post("/api/v1/organization/acme/quota", { limit_bytes: 10 }), 405);
    expectHtml(await h.post("/api/v1/organization/acme/proxycache", { upstream_registry: "quay.io" }), 405);
  });

  it("docs/quay-api.md#features slash-declared disabled endpoints (auto-prune) answer HTML 404 on GET", async () => {
    await h.org("acme");
    expectHtml(await h.get("/api/v1/organization/acme/autoprunepolicy/"), 404);
    expect((await h.get("/api/v1/organization/acme/autoprunepolicy")).status).toBe(308);
  });

  it("docs/quay-api.md#features quota fields disappear from the org view when quota management is off", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme");
    expect(r.json.quotas).toBeUndefined();
    expect(r.json.quota_report).toBeUndefined();
  });

  it("docs/quay-api.md#features with mirroring off a repository sub-path falls to the greedy repository route", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    // Werkzeug matches /repository/<acme/app/mirror>: a lookup of a repository that does not exist.
    expectApiException(await h.get("/api/v1/repository/acme/app/mirror"), 404, "not_found");
    // ...and a method that route lacks is its JSON 405, not the web catch-all's HTML one.
    expectMessage(await h.post("/api/v1/repository/acme/app/mirror", {}), 405);
  });

  it("docs/quay-api.md#features changestate is only registered with FEATURE_REPO_MIRROR", async () => {
    await h.org("acme");
    await h.repo("acme", "app");
    // PUT .../changestate now means "update repository acme/app/changestate" (missing description: 400).
    expectApiException(
      await h.put("/api/v1/repository/acme/app/changestate", { state: "READ_ONLY" }),
      400,
      "invalid_request",
    );
    expectMessage(await h.post("/api/v1/repository/acme/app/changestate", { state: "READ_ONLY" }), 405);
  });

  it("docs/quay-api.md#bootstrap user/initialize with the flag off: 404 {error: Not Found}", async () => {
    const r = await h.post(
      "/api/v1/user/initialize",
      { username: "x", password: "password1" },
      { token: null },
    );
    expectAbort(r, 404, "Not Found");
  });

  it("docs/quay-api.md#audit-logs aggregatelogs is gated by FEATURE_AGGREGATED_LOG_COUNT_RETRIEVAL", async () => {
    await h.org("acme");
    expect((await h.get("/api/v1/organization/acme/aggregatelogs")).status).toBe(308);
  });
});

describe("FEATURE_SUPER_USERS off (docs/quay-api.md#features)", () => {
  const h = useEmulator({ config: { FEATURE_SUPER_USERS: false } });

  it("docs/quay-api.md#features the superuser panel and the quota endpoints are not registered", async () => {
    expect((await h.get("/api/v1/superuser/users")).status).toBe(308);
    expectHtml(await h.get("/api/v1/superuser/users/"), 404);
    await h.org("acme");
    expect((await h.get("/api/v1/organization/acme/quota")).status).toBe(308);
  });
});

describe("FEATURE_SUPERUSERS_FULL_ACCESS off (docs/quay-api.md#authentication, docs/quay-api.md#quotas)", () => {
  const h = useEmulator({ config: { FEATURE_SUPERUSERS_FULL_ACCESS: false } });

  it("docs/quay-api.md#authentication a superuser has no special rights on others' orgs, but keeps the panel", async () => {
    const alice = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    expect((await h.get("/api/v1/organization/alices/members")).status).toBe(403);
    const view = await h.get("/api/v1/organization/alices");
    expect(view.json.is_admin).toBe(false);
    expect((await h.get("/api/v1/superuser/users/")).status).toBe(200);
  });

  it("docs/quay-api.md#quotas org quota writes need FULL_ACCESS (3.16+); the superuser panel quota does not", async () => {
    await h.org("acme");
    expect((await h.post("/api/v1/organization/acme/quota", { limit_bytes: 1000 })).status).toBe(403);
    expect((await h.post("/api/v1/superuser/organization/acme/quota", { limit_bytes: 1000 })).status).toBe(
      201,
    );
  });
});

describe("FEATURE_MAILING on (docs/quay-api.md#teams, docs/quay-api.md#users)", () => {
  const h = useEmulator({ config: { FEATURE_MAILING: true } });

  it("docs/quay-api.md#teams a user in no team of the org is invited, not added", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    await h.user("bob");
    const r = await h.put("/api/v1/organization/acme/team/devs/members/bob");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "bob", invited: true, is_robot: false });
    const members = await h.get("/api/v1/organization/acme/team/devs/members");
    expect(members.json.members).toEqual([]);
    const pending = await h.get("/api/v1/organization/acme/team/devs/members?includePending=true");
    expect(pending.json.members).toMatchObject([{ name: "bob", invited: true }]);
  });

  it("docs/quay-api.md#teams a user already in some team of the org is added directly", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    // admin is in owners: direct add.
    const r = await h.put("/api/v1/organization/acme/team/devs/members/admin");
    expect(r.json.invited).toBe(false);
  });

  it("docs/quay-api.md#teams a robot of another namespace is refused on the invite path", async () => {
    await h.org("acme");
    await h.org("other");
    await h.team("acme", "devs");
    await h.robot("other", "bot");
    expectMessage(
      await h.put("/api/v1/organization/acme/team/devs/members/other+bot"),
      400,
      "Cannot add the specified robot to this team, as it is not a member of the organization",
    );
  });

  it("docs/quay-api.md#teams email invites: duplicates allowed, DELETE removes one at a time, then 404", async () => {
    await h.org("acme");
    await h.team("acme", "devs");
    const a = await h.put("/api/v1/organization/acme/team/devs/invite/x@example.com");
    expect(a.json).toMatchObject({ email: "x@example.com", kind: "invite", invited: true });
    await h.put("/api/v1/organization/acme/team/devs/invite/x@example.com");
    expect((await h.del("/api/v1/organization/acme/team/devs/invite/x@example.com")).status).toBe(204);
    expect((await h.del("/api/v1/organization/acme/team/devs/invite/x@example.com")).status).toBe(204);
    expectApiException(
      await h.del("/api/v1/organization/acme/team/devs/invite/x@example.com"),
      404,
      "not_found",
    );
  });

  it("docs/quay-api.md#users superuser user create requires a valid email with mailing on", async () => {
    expectMessage(
      await h.post("/api/v1/superuser/users/", { username: "bob" }),
      400,
      "Invalid email address: None",
    );
    const r = await h.post("/api/v1/superuser/users/", { username: "bob", email: "bob@example.com" });
    expect(r.status).toBe(200);
    expect((await h.get("/api/v1/superuser/users/bob")).json.verified).toBe(false);
  });

  it("docs/quay-api.md#users the recovery-mail endpoint (plural superusers) exists with mailing on", async () => {
    await h.user("bob");
    const r = await h.post("/api/v1/superusers/users/bob/sendrecovery");
    expect(r.json).toEqual({ email: "bob@example.com" });
    expectApiException(await h.post("/api/v1/superusers/users/admin/sendrecovery"), 400, "invalid_request");
  });
});

describe("TAG_EXPIRATION_OPTIONS and DEFAULT_TAG_EXPIRATION (docs/quay-api.md#organizations, docs/quay-api.md#emulator-gotchas)", () => {
  const h = useEmulator({ config: { TAG_EXPIRATION_OPTIONS: ["1d", "3d"], DEFAULT_TAG_EXPIRATION: "3d" } });

  it("docs/quay-api.md#organizations new orgs start with DEFAULT_TAG_EXPIRATION", async () => {
    await h.org("acme");
    expect((await h.get("/api/v1/organization/acme")).json.tag_expiration_s).toBe(259200);
  });

  it("docs/quay-api.md#organizations tag_expiration_s must be one of the configured options", async () => {
    await h.org("acme");
    expect((await h.put("/api/v1/organization/acme", { tag_expiration_s: 86400 })).status).toBe(200);
    expectMessage(
      await h.put("/api/v1/organization/acme", { tag_expiration_s: 1209600 }),
      400,
      "Invalid tag expiration option",
    );
  });
});

describe("FEATURE_CHANGE_TAG_EXPIRATION off (docs/quay-api.md#organizations)", () => {
  const h = useEmulator({ config: { FEATURE_CHANGE_TAG_EXPIRATION: false } });

  it("docs/quay-api.md#organizations tag_expiration_s is silently ignored", async () => {
    await h.org("acme");
    const r = await h.put("/api/v1/organization/acme", { tag_expiration_s: 100 });
    expect(r.status).toBe(200);
    expect(r.json.tag_expiration_s).toBe(1209600);
  });
});

describe("REGISTRY_STATE readonly (docs/quay-api.md#authentication)", () => {
  const h = useEmulator({ config: { REGISTRY_STATE: "readonly" } });

  it("docs/quay-api.md#authentication every non-GET API call returns 503 with is_readonly", async () => {
    const r = await h.post("/api/v1/organization/", { name: "acme" });
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ is_readonly: true });
    expect(r.json.message).toMatch(/^System is currently read-only/);
    expect((await h.get("/api/v1/user/")).status).toBe(200);
  });
});

describe("FEATURE_ANONYMOUS_ACCESS off (docs/quay-api.md#authentication)", () => {
  const h = useEmulator({ config: { FEATURE_ANONYMOUS_ACCESS: false } });

  it("docs/quay-api.md#authentication anonymous calls get 401 {error: Anonymous access is not allowed}", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme", { token: null });
    expectAbort(r, 401, "Anonymous access is not allowed");
  });

  it("docs/quay-api.md#authentication GET /user/ stays anon-allowed (its own 401 invalid_token)", async () => {
    expectApiException(await h.get("/api/v1/user/", { token: null }), 401, "invalid_token");
  });
});

describe("GLOBAL_READONLY_SUPER_USERS (docs/quay-api.md#authentication)", () => {
  const h = useEmulator({ config: { GLOBAL_READONLY_SUPER_USERS: ["auditor"] } });

  it("docs/quay-api.md#authentication a global read-only superuser may read others' orgs and repos, never write", async () => {
    const alice = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: alice });
    await h.repo("alices", "app", "private", alice);
    const auditor = await h.user("auditor", ["user:read", "org:admin", "repo:read"]);
    expect((await h.get("/api/v1/organization/alices/members", { token: auditor })).status).toBe(200);
    expect((await h.get("/api/v1/repository/alices/app/permissions/user/", { token: auditor })).status).toBe(
      200,
    );
    expect((await h.get("/api/v1/repository/alices/app", { token: auditor })).json.can_admin).toBe(true);
    expect(
      (await h.put("/api/v1/organization/alices", { email: "a@example.com" }, { token: auditor })).status,
    ).toBe(403);
    expect((await h.get("/api/v1/superuser/users/", { token: auditor })).status).toBe(200);
    expect((await h.get("/api/v1/user/", { token: auditor })).json.global_readonly_super_user).toBe(true);
  });
});

describe("FEATURE_SUPERUSERS_ORG_CREATION_ONLY and AUTHENTICATION_TYPE (docs/quay-api.md#features, docs/quay-api.md#users)", () => {
  const h = useEmulator({
    config: { FEATURE_SUPERUSERS_ORG_CREATION_ONLY: true, AUTHENTICATION_TYPE: "LDAP" },
  });

  it("docs/quay-api.md#features only superusers may create organizations", async () => {
    expect((await h.post("/api/v1/organization/", { name: "acme" })).status).toBe(201);
  });

  it("docs/quay-api.md#users superuser user creation needs Database auth", async () => {
    expectApiException(
      await h.post("/api/v1/superuser/users/", { username: "bob" }),
      400,
      "invalid_request",
      "Cannot create a user in a non-database auth system",
    );
  });
});

describe("DEFAULT_SYSTEM_REJECT_QUOTA_BYTES (docs/quay-api.md#quotas)", () => {
  const h = useEmulator({ config: { DEFAULT_SYSTEM_REJECT_QUOTA_BYTES: 1073741824 } });

  it("docs/quay-api.md#quotas an org without quota lists one synthetic default entry with id null", async () => {
    await h.org("acme");
    const r = await h.get("/api/v1/organization/acme/quota");
    expect(r.json).toEqual([
      {
        id: null,
        limit_bytes: 1073741824,
        limit: "1.0 GiB",
        default_config: true,
        limits: [],
        default_config_exists: true,
      },
    ]);
    expect((await h.get("/api/v1/organization/acme")).json.quota_report.configured_quota).toBe(1073741824);
  });
});

describe("config file in Quay's key names", () => {
  it("a YAML config file sets flags and SUPER_USERS", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "emu-config-"));
    const file = path.join(dir, "config.yaml");
    fs.writeFileSync(file, "FEATURE_PROXY_CACHE: false\nSUPER_USERS: [admin, root]\n");
    const emu = await startEmulator({ port: 0, config: file });
    try {
      expect(emu.config.feature("FEATURE_PROXY_CACHE")).toBe(false);
      expect(emu.config.feature("FEATURE_REPO_MIRROR")).toBe(true);
      expect([...emu.config.superUsers]).toEqual(["admin", "root"]);
      const res = await fetch(`${emu.url}/api/v1/organization/x/proxycache`, {
        headers: { Authorization: `Bearer ${emu.token}` },
        redirect: "manual",
      });
      expect(res.status).toBe(308);
    } finally {
      await emu.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a malformed flag value is refused with a config error", async () => {
    await expect(
      startEmulator({ port: 0, config: { FEATURE_MAILING: "yes" as unknown as boolean } }),
    ).rejects.toMatchObject({
      code: "QG_EMU_CONFIG",
    });
  });

  it("the lab defaults: superusers full access, quotas, mirror, proxy cache, auto-prune, initialize on; mailing off", async () => {
    const emu = await startEmulator({ port: 0 });
    try {
      for (const f of [
        "FEATURE_SUPER_USERS",
        "FEATURE_SUPERUSERS_FULL_ACCESS",
        "FEATURE_QUOTA_MANAGEMENT",
        "FEATURE_EDIT_QUOTA",
        "FEATURE_REPO_MIRROR",
        "FEATURE_PROXY_CACHE",
        "FEATURE_AUTO_PRUNE",
        "FEATURE_USER_INITIALIZE",
      ]) {
        expect(emu.config.feature(f)).toBe(true);
      }
      expect(emu.config.feature("FEATURE_MAILING")).toBe(false);
      expect(ALL.length).toBe(8);
    } finally {
      await emu.close();
    }
  });
});

describe("FEATURE_EXTENDED_ACTION_LOGGING and EMULATOR_EXTENDED_LOG_FIELDS_IN_VIEW (docs/quay-api.md#audit-logs, unconfirmed)", () => {
  const hidden = useEmulator({ config: { FEATURE_EXTENDED_ACTION_LOGGING: true } });

  it("docs/quay-api.md#audit-logs extended columns are recorded but, by default, not shown in log views", async () => {
    await hidden.org("acme");
    const entry = (await hidden.get("/api/v1/organization/acme/logs")).json.logs[0];
    expect(entry.http_method).toBeUndefined();
    const stored = hidden.emu().store.logs.at(-1);
    expect(stored?.extended).toMatchObject({
      http_method: "POST",
      auth_type: "oauth",
      performer_kind: "user",
    });
  });
});

describe("EMULATOR_EXTENDED_LOG_FIELDS_IN_VIEW on (docs/quay-api.md#audit-logs switch)", () => {
  const shown = useEmulator({
    config: { FEATURE_EXTENDED_ACTION_LOGGING: true, EMULATOR_EXTENDED_LOG_FIELDS_IN_VIEW: true },
  });

  it("docs/quay-api.md#audit-logs the switch shows the extended columns in log entries", async () => {
    await shown.req("POST", "/api/v1/organization/", {
      body: { name: "acme" },
      headers: { "X-Forwarded-For": "10.0.0.9", "User-Agent": "bench" },
    });
    const entry = (await shown.get("/api/v1/organization/acme/logs")).json.logs[0];
    expect(entry).toMatchObject({
      http_method: "POST",
      request_url: `${shown.url()}/api/v1/organization/`,
      x_forwarded_for: "10.0.0.9",
      user_agent: "bench",
    });
  });
});

describe("emulator switches for choices docs/quay-api.md#sources leaves open", () => {
  const h = useEmulator({
    config: { EMULATOR_QUOTA_BACKFILL_STATUS: "complete", EMULATOR_INITIALIZE_TOKEN_TTL_S: 60 },
  });

  it("EMULATOR_QUOTA_BACKFILL_STATUS sets running_backfill/backfill_status of quota reports", async () => {
    await h.org("acme");
    expect((await h.get("/api/v1/organization/acme")).json.quota_report).toMatchObject({
      running_backfill: "complete",
      backfill_status: "complete",
    });
  });

  it("EMULATOR_INITIALIZE_TOKEN_TTL_S shortens the user/initialize token lifetime (default 9000 s)", async () => {
    h.emu().reset({ empty: true });
    const r = await h.post(
      "/api/v1/user/initialize",
      { username: "admin", password: "password123", access_token: true },
      { token: null },
    );
    const token = h.emu().store.tokens.get(r.json.access_token);
    expect(((token?.expiresAtMs ?? 0) - Date.now()) / 1000).toBeLessThanOrEqual(60);
  });
});
