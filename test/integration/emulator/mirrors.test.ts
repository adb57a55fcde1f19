import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, expectMessage, type Res, useEmulator, emulatorOnly } from "./helpers";

const h = useEmulator();
const itWorker = emulatorOnly(
  "plays the mirror worker or reads the emulator's store (/_emulator/mirror/sync); the lab's Quay runs no workers",
);
const M = "/api/v1/repository/acme/app/mirror";
const BODY = {
  external_reference: "quay.io/coreos/etcd",
  sync_interval: 3600,
  sync_start_date: "2024-01-01T00:00:00Z",
  root_rule: { rule_kind: "tag_glob_csv", rule_value: ["v3.*"] },
  skopeo_timeout_interval: 300,
  robot_username: "acme+mirror",
};

beforeEach(async () => {
  await h.org("acme");
  await h.repo("acme", "app");
  await h.robot("acme", "mirror");
});

const expectDetail = (r: Res, status: number, detail: string) => {
  expect(r.status).toBe(status);
  expect(r.json).toEqual({ detail });
};

async function sync(body: Record<string, unknown> = {}) {
  return (await h.control("POST", "/_emulator/mirror/sync", body)).json.synced;
}

describe("repository mirroring (docs/quay-api.md#mirrors)", () => {
  it("docs/quay-api.md#mirrors create answers 201 with an empty body", async () => {
    const r = await h.post(M, BODY);
    expect(r.status).toBe(201);
    expect(r.json).toBe("");
  });

  it("docs/quay-api.md#mirrors docs/quay-api.md#emulator-gotchas create sets the repository state to MIRROR and grants the robot write", async () => {
    await h.post(M, BODY);
    expect((await h.get("/api/v1/repository/acme/app")).json.state).toBe("MIRROR");
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/acme+mirror")).json.role).toBe("write");
  });

  it("docs/quay-api.md#mirrors a read permission is upgraded to write; an admin permission is kept", async () => {
    await h.put("/api/v1/repository/acme/app/permissions/user/acme+mirror", { role: "read" });
    await h.post(M, BODY);
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/acme+mirror")).json.role).toBe("write");
    await h.repo("acme", "other");
    await h.put("/api/v1/repository/acme/other/permissions/user/acme+mirror", { role: "admin" });
    await h.post("/api/v1/repository/acme/other/mirror", BODY);
    expect((await h.get("/api/v1/repository/acme/other/permissions/user/acme+mirror")).json.role).toBe(
      "admin",
    );
  });

  it("docs/quay-api.md#mirrors docs/quay-api.md#emulator-gotchas the view has Quay's keys; status NEVER_RUN, 3 retries; the password never appears", async () => {
    await h.post(M, {
      ...BODY,
      external_registry_username: "u",
      external_registry_password: "secret",
      external_registry_config: { verify_tls: false, proxy: { http_proxy: "http://p:3128" } },
    });
    const r = await h.get(M);
    expect(r.json).toEqual({
      is_enabled: true,
      mirror_type: "PULL",
      external_reference: "quay.io/coreos/etcd",
      external_registry_username: "u",
      external_registry_config: { verify_tls: false, proxy: { http_proxy: "http://p:3128" } },
      sync_interval: 3600,
      sync_start_date: "2024-01-01T00:00:00Z",
      sync_expiration_date: null,
      sync_retries_remaining: 3,
      sync_status: "NEVER_RUN",
      root_rule: { rule_kind: "tag_glob_csv", rule_value: ["v3.*"] },
      robot_username: "acme+mirror",
      skopeo_timeout_interval: 300,
      architecture_filter: [],
    });
    expect(r.text).not.toContain("secret");
  });

  it("docs/quay-api.md#mirrors a second create is a 409 {detail} (sic 'exits')", async () => {
    await h.post(M, BODY);
    expectDetail(await h.post(M, BODY), 409, "Mirror configuration already exits for repository acme/app");
  });

  it("docs/quay-api.md#mirrors docs/quay-api.md#mirrors a missing repository or config is 404", async () => {
    expectApiException(await h.get(M), 404, "not_found");
    expectApiException(await h.post("/api/v1/repository/acme/nope/mirror", BODY), 404, "not_found");
    expectApiException(await h.put(M, { sync_interval: 60 }), 404, "not_found");
  });

  it("docs/quay-api.md#mirrors required fields and schema limits (skopeo ≥ 300, rule_kind enum)", async () => {
    for (const key of [
      "external_reference",
      "sync_interval",
      "sync_start_date",
      "root_rule",
      "skopeo_timeout_interval",
    ]) {
      const body: Record<string, unknown> = { ...BODY };
      delete body[key];
      expectApiException(await h.post(M, body), 400, "invalid_request");
    }
    expectApiException(await h.post(M, { ...BODY, skopeo_timeout_interval: 299 }), 400, "invalid_request");
    expectApiException(
      await h.post(M, { ...BODY, root_rule: { rule_kind: "regex", rule_value: ["x"] } }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#mirrors external_reference is stored as given on create (3.18.0 checks no syntax); PUT refuses only an empty one", async () => {
    expect((await h.post(M, { ...BODY, external_reference: "example.com" })).status).toBe(201);
    expect((await h.get(M)).json.external_reference).toBe("example.com");
    expect((await h.put(M, { external_reference: "https://quay.io/a/b" })).status).toBe(201);
    expect((await h.get(M)).json.external_reference).toBe("https://quay.io/a/b");
    expectDetail(
      await h.put(M, { external_reference: "" }),
      400,
      "Empty string is an invalid repository location.",
    );
    expect((await h.get(M)).json.external_reference).toBe("https://quay.io/a/b");
  });

  it("docs/quay-api.md#mirrors a non-empty architecture_filter needs FEATURE_SPARSE_INDEX: 400 {detail} after the mirror was stored", async () => {
    expectDetail(
      await h.post(M, { ...BODY, architecture_filter: ["amd64"] }),
      400,
      "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled.",
    );
    // Quay 3.18.0 stores the mirror first: it is there (no filter, state MIRROR), unlogged, and a retry
    // is the 409 of an existing configuration.
    expect((await h.get(M)).json.architecture_filter).toEqual([]);
    expect((await h.get("/api/v1/repository/acme/app")).json.state).toBe("MIRROR");
    const kinds = (await h.get("/api/v1/repository/acme/app/logs")).json.logs.map(
      (l: { kind: string }) => l.kind,
    );
    expect(kinds).not.toContain("repo_mirror_config_changed");
    expect((await h.post(M, { ...BODY, architecture_filter: [] })).status).toBe(409);
  });

  it("docs/quay-api.md#mirrors an empty architecture_filter is accepted without FEATURE_SPARSE_INDEX", async () => {
    expect((await h.post(M, { ...BODY, architecture_filter: [] })).status).toBe(201);
    expect((await h.get(M)).json.architecture_filter).toEqual([]);
  });

  it("docs/quay-api.md#mirrors live 3.18.0: a malformed sync_start_date on create is an HTML 500 and nothing is stored", async () => {
    for (const date of ["2024-01-01", "2024-01-01T00:00:00.000Z", "Mon, 01 Jan 2024 00:00:00 -0000"]) {
      const r = await h.post(M, { ...BODY, sync_start_date: date });
      expect(r.status).toBe(500);
      expect(r.contentType).toMatch(/^text\/html/);
    }
    expectApiException(await h.get(M), 404, "not_found");
    expect((await h.get("/api/v1/repository/acme/app")).json.state).toBe("NORMAL");
  });

  it("docs/quay-api.md#mirrors docs/quay-api.md#emulator-gotchas a missing robot_username is a KeyError: HTML 500, state stays NORMAL", async () => {
    const { robot_username: _r, ...body } = BODY;
    expect((await h.post(M, body)).status).toBe(500);
    expect((await h.get("/api/v1/repository/acme/app")).json.state).toBe("NORMAL");
  });

  it("docs/quay-api.md#mirrors robots: unknown → 400 'Could not find robot...', other namespace → 400 'Invalid robot'", async () => {
    expectMessage(
      await h.post(M, { ...BODY, robot_username: "acme+nope" }),
      400,
      "Could not find robot with specified username",
    );
    await h.org("other");
    await h.robot("other", "bot");
    expectMessage(await h.post(M, { ...BODY, robot_username: "other+bot" }), 400, "Invalid robot");
  });

  it("docs/quay-api.md#mirrors an empty rule_value is a 400 ApiException", async () => {
    expectApiException(
      await h.post(M, { ...BODY, root_rule: { rule_kind: "tag_glob_csv", rule_value: [] } }),
      400,
      "invalid_request",
    );
  });

  it("docs/quay-api.md#mirrors create logs repo_mirror_config_changed with request metadata", async () => {
    await h.post(M, BODY, { headers: { "User-Agent": "quay-gitops-test" } });
    const log = (await h.get("/api/v1/repository/acme/app/logs")).json.logs[0];
    expect(log).toMatchObject({
      kind: "repo_mirror_config_changed",
      metadata: {
        repo: "app",
        namespace: "acme",
        "user-agent": "quay-gitops-test",
        changed: "external_reference",
        to: "quay.io/coreos/etcd",
        username: "admin",
        oauth_token_application: h.adminTokenApplication().name,
      },
    });
  });

  it("docs/quay-api.md#mirrors PUT answers 201 with an empty body (not 200)", async () => {
    await h.post(M, BODY);
    const r = await h.put(M, { sync_interval: 60 });
    expect(r.status).toBe(201);
    expect(r.json).toBe("");
    expect((await h.get(M)).json.sync_interval).toBe(60);
  });

  it("docs/quay-api.md#mirrors test-confirmed PUT validations", async () => {
    await h.post(M, BODY);
    expect((await h.put(M, { is_enabled: null })).status).toBe(400);
    expect((await h.put(M, { external_reference: "example.com/foo" })).status).toBe(201);
    expect((await h.put(M, { external_reference: "" })).status).toBe(400);
    expect((await h.put(M, { sync_interval: -5 })).status).toBe(400);
    expect((await h.put(M, { external_registry_config: { verify_tls: null } })).status).toBe(400);
    expect((await h.put(M, { architecture_filter: [] })).status).toBe(201);
    expect((await h.put(M, { architecture_filter: null })).status).toBe(201);
  });

  it("docs/quay-api.md#mirrors a malformed date on PUT is a 400 {detail}; nothing is changed", async () => {
    await h.post(M, BODY);
    expectDetail(
      await h.put(M, { sync_interval: 5, sync_start_date: "2024-01-01" }),
      400,
      "Incorrect DateTime format for sync_start_date.",
    );
    expect((await h.get(M)).json.sync_interval).toBe(3600);
  });

  itWorker(
    "docs/quay-api.md#mirrors credentials: a password needs a username; a username alone keeps the password",
    async () => {
      await h.post(M, { ...BODY, external_registry_username: "u", external_registry_password: "p1" });
      expectDetail(
        await h.put(M, { external_registry_password: "p2" }),
        400,
        "Unable to set a new password without also specifying a username.",
      );
      expectDetail(
        await h.put(M, { external_registry_username: null, external_registry_password: "p2" }),
        400,
        "Unable to delete username while setting a password.",
      );
      await h.put(M, { external_registry_username: "u2" });
      const mirror = [...h.emu().store.mirrors.values()][0];
      expect(mirror).toMatchObject({ username: "u2", password: "p1" });
      await h.put(M, { external_registry_username: null, external_registry_password: null });
      expect((await h.get(M)).json.external_registry_username).toBeNull();
    },
  );

  it("docs/quay-api.md#mirrors external_registry_config is merged, with Quay's proxy quirk", async () => {
    await h.post(M, { ...BODY, external_registry_config: { verify_tls: true } });
    await h.put(M, {
      external_registry_config: {
        unsigned_images: true,
        proxy: { http_proxy: "http://a", https_proxy: "http://b" },
      },
    });
    // No `proxy` key stored yet: the first proxy key only creates it and its value is dropped.
    expect((await h.get(M)).json.external_registry_config).toEqual({
      verify_tls: true,
      unsigned_images: true,
      proxy: { https_proxy: "http://b" },
    });
  });

  it("docs/quay-api.md#mirrors each changed field logs its own repo_mirror_config_changed entry", async () => {
    await h.post(M, { ...BODY, external_registry_username: "u", external_registry_password: "p" });
    await h.put(M, {
      is_enabled: false,
      sync_interval: 60,
      external_registry_username: "v",
      external_registry_password: "q",
    });
    const changed = (await h.get("/api/v1/repository/acme/app/logs")).json.logs
      .slice(0, 4)
      .map((l: { metadata: { changed: string; to: unknown } }) => [l.metadata.changed, l.metadata.to]);
    expect(changed).toEqual([
      ["external_registry_password", "********"],
      ["external_registry_username", "v"],
      ["sync_interval", 60],
      ["is_enabled", false],
    ]);
  });

  it("docs/quay-api.md#mirrors docs/quay-api.md#emulator-gotchas changing robot_username re-validates and grants write", async () => {
    await h.post(M, BODY);
    await h.robot("acme", "second");
    expect((await h.put(M, { robot_username: "acme+second" })).status).toBe(201);
    expect((await h.get(M)).json.robot_username).toBe("acme+second");
    expect((await h.get("/api/v1/repository/acme/app/permissions/user/acme+second")).json.role).toBe("write");
    expectMessage(
      await h.put(M, { robot_username: "acme+nope" }),
      400,
      "Could not find robot with specified username",
    );
  });

  it("docs/quay-api.md#mirrors there is no DELETE on the mirror config: it falls to the repository route (204, nothing deleted)", async () => {
    await h.post(M, BODY);
    // DELETE /repository/<acme/app/mirror> deletes a repository that does not exist: 204 (docs/quay-api.md#repositories).
    expect((await h.del(M)).status).toBe(204);
    expect((await h.get(M)).status).toBe(200);
  });

  it("docs/quay-api.md#mirrors sync-now: 204 and SYNC_NOW; logs to SYNC_NOW", async () => {
    await h.post(M, BODY);
    expect((await h.post(`${M}/sync-now`)).status).toBe(204);
    expect((await h.get(M)).json).toMatchObject({ sync_status: "SYNC_NOW", sync_expiration_date: null });
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].metadata).toMatchObject({
      changed: "sync_status",
      to: "SYNC_NOW",
    });
  });

  it("docs/quay-api.md#mirrors sync-cancel only while SYNCING or SYNC_NOW (else 404); sets CANCEL and 0 retries", async () => {
    await h.post(M, BODY);
    expectApiException(await h.post(`${M}/sync-cancel`), 404, "not_found");
    await h.post(`${M}/sync-now`);
    expect((await h.post(`${M}/sync-cancel`)).status).toBe(204);
    expect((await h.get(M)).json).toMatchObject({ sync_status: "CANCEL", sync_retries_remaining: 0 });
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].metadata.to).toBe("SYNC_CANCEL");
  });

  itWorker("docs/quay-api.md#mirrors sync-now while SYNCING is a 404", async () => {
    await h.post(M, BODY);
    expect(await sync({ phase: "start" })).toMatchObject([
      { repository: "acme/app", action: "claimed", sync_status: "SYNCING" },
    ]);
    expectApiException(await h.post(`${M}/sync-now`), 404, "not_found");
  });

  itWorker(
    "docs/quay-api.md#mirrors the worker: success moves sync_start_date to the next interval boundary, with microseconds",
    async () => {
      await h.post(M, { ...BODY, sync_start_date: "2024-01-01T00:00:00Z", sync_interval: 3600 });
      const [result] = await sync({ now: "2024-01-01T05:30:00.123Z" });
      expect(result).toMatchObject({
        action: "succeeded",
        sync_status: "SUCCESS",
        sync_retries_remaining: 3,
      });
      const view = (await h.get(M)).json;
      expect(view.sync_start_date).toBe("2024-01-01T06:00:00.123000Z");
      expect(view.sync_status).toBe("SUCCESS");
      const kinds = (
        await h.get("/api/v1/repository/acme/app/logs?starttime=01/01/2024&endtime=01/02/2024")
      ).json.logs.map((l: { kind: string }) => l.kind);
      expect(kinds).toEqual(["repo_mirror_sync_success", "repo_mirror_sync_started"]);
    },
  );

  itWorker(
    "docs/quay-api.md#mirrors the worker only picks enabled configs in MIRROR state, but SYNC_NOW ignores is_enabled",
    async () => {
      await h.post(M, BODY);
      await h.put("/api/v1/repository/acme/app/changestate", { state: "NORMAL" });
      expect(await sync()).toEqual([]);
      await h.put("/api/v1/repository/acme/app/changestate", { state: "MIRROR" });
      await h.put(M, { is_enabled: false });
      expect(await sync()).toEqual([]);
      await h.post(`${M}/sync-now`);
      expect(await sync()).toMatchObject([{ action: "succeeded" }]);
    },
  );

  itWorker(
    "docs/quay-api.md#mirrors failures use up retries; when exhausted the start date moves on and retries reset",
    async () => {
      await h.post(M, { ...BODY, sync_interval: 60 });
      for (const expected of [2, 1]) {
        const [r] = await sync({ outcome: "fail" });
        expect(r).toMatchObject({
          action: "failed",
          sync_status: "FAIL",
          sync_retries_remaining: expected,
          sync_start_date: "2024-01-01T00:00:00Z",
        });
      }
      const [last] = await sync({ outcome: "fail" });
      expect(last.sync_retries_remaining).toBe(3);
      expect(last.sync_start_date).not.toBe("2024-01-01T00:00:00Z");
    },
  );

  itWorker(
    "docs/quay-api.md#mirrors a run cancelled while in progress ends with sync_start_date null and 0 retries",
    async () => {
      await h.post(M, BODY);
      await sync({ phase: "start" });
      expect((await h.post(`${M}/sync-cancel`)).status).toBe(204);
      expect(await sync({ phase: "finish" })).toMatchObject([
        { action: "cancelled", sync_start_date: null, sync_retries_remaining: 0 },
      ]);
      expect(await sync()).toEqual([]);
    },
  );

  it("docs/quay-api.md#mirrors mirror endpoints need repo admin", async () => {
    await h.post(M, BODY);
    const t = await h.user("bob");
    await h.put("/api/v1/repository/acme/app/permissions/user/bob", { role: "write" });
    expect((await h.get(M, { token: t })).status).toBe(403);
    expect((await h.post(`${M}/sync-now`, undefined, { token: t })).status).toBe(403);
  });
});
