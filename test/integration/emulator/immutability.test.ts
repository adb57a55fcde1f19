import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, useEmulator } from "./helpers";

// docs/quay-api.md#immutability, from quay v3.18.0 endpoints/api/immutability_policy.py and
// data/model/immutability.py.
const O = "/api/v1/organization/acme/immutabilitypolicy/";
const R = "/api/v1/repository/acme/app/immutabilitypolicy/";

describe("without FEATURE_IMMUTABLE_TAGS (Quay's default)", () => {
  const h = useEmulator({ config: { FEATURE_IMMUTABLE_TAGS: false } });
  it("the endpoints are not registered: unrouted HTML, absent from discovery", async () => {
    await h.org("acme");
    const r = await h.post(O, { tagPattern: "v.*" });
    expect(r.status).toBe(405);
    expect(r.contentType).toMatch(/^text\/html/);
    const paths = Object.keys((await h.get("/api/v1/discovery")).json.paths);
    expect(paths.filter((p) => p.includes("immutabilitypolicy"))).toEqual([]);
  });
});

describe("immutability policies", () => {
  const h = useEmulator({ config: { FEATURE_IMMUTABLE_TAGS: true } });
  beforeEach(async () => {
    await h.org("acme");
    await h.repo("acme", "app");
  });

  it("discovery lists the four routes", async () => {
    const paths = Object.keys((await h.get("/api/v1/discovery")).json.paths).filter((p) =>
      p.includes("immutabilitypolicy"),
    );
    expect(paths.sort()).toEqual([
      "/api/v1/organization/{orgname}/immutabilitypolicy/",
      "/api/v1/organization/{orgname}/immutabilitypolicy/{policy_uuid}",
      "/api/v1/repository/{repository}/immutabilitypolicy/",
      "/api/v1/repository/{repository}/immutabilitypolicy/{policy_uuid}",
    ]);
  });

  it("org POST answers 201 {uuid}; items are exactly {uuid, tagPattern, tagPatternMatches}, default true", async () => {
    const r = await h.post(O, { tagPattern: "  v[0-9]+  " });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await h.get(O)).json).toEqual({
      policies: [{ uuid: r.json.uuid, tagPattern: "v[0-9]+", tagPatternMatches: true }],
    });
    expect((await h.get(`${O}${r.json.uuid}`)).json).toEqual({
      uuid: r.json.uuid,
      tagPattern: "v[0-9]+",
      tagPatternMatches: true,
    });
  });

  it("the collection path needs its trailing slash (308)", async () => {
    expect((await h.post("/api/v1/organization/acme/immutabilitypolicy", { tagPattern: "x" })).status).toBe(
      308,
    );
  });

  it("the schema: tagPattern required, tagPatternMatches a boolean", async () => {
    expectApiException(await h.post(O, {}), 400, "invalid_request");
    expectApiException(await h.post(O, { tagPattern: 1 }), 400, "invalid_request");
    expectApiException(
      await h.post(O, { tagPattern: "x", tagPatternMatches: "false" }),
      400,
      "invalid_request",
    );
  });

  it("_validate_policy: empty after strip, over 256 characters, a bad regular expression", async () => {
    expectApiException(
      await h.post(O, { tagPattern: "   " }),
      400,
      "invalid_request",
      "tag_pattern is required and must be a non-empty string",
    );
    expectApiException(
      await h.post(O, { tagPattern: "a".repeat(257) }),
      400,
      "invalid_request",
      "tag_pattern must be 256 characters or less",
    );
    expect((await h.post(O, { tagPattern: "a".repeat(256) })).status).toBe(201);
    const bad = await h.post(O, { tagPattern: "v[0-9" });
    expectApiException(bad, 400, "invalid_request");
    expect(bad.json.error_message).toMatch(/^Invalid regex pattern: /);
    // Python's named groups are fine.
    expect((await h.post(O, { tagPattern: "(?P<major>[0-9]+)\\.(?P=major)" })).status).toBe(201);
  });

  it("one policy per pattern, whatever tagPatternMatches; also on PUT", async () => {
    const a = (await h.post(O, { tagPattern: "release-.*" })).json.uuid;
    expectApiException(
      await h.post(O, { tagPattern: "release-.*", tagPatternMatches: false }),
      400,
      "invalid_request",
      "A policy with the same tag_pattern already exists",
    );
    const b = (await h.post(O, { tagPattern: "stable" })).json.uuid;
    expectApiException(
      await h.put(`${O}${b}`, { tagPattern: "release-.*" }),
      400,
      "invalid_request",
      "A policy with the same tag_pattern already exists",
    );
    // Its own pattern is no duplicate.
    expect((await h.put(`${O}${a}`, { tagPattern: "release-.*", tagPatternMatches: false })).status).toBe(
      204,
    );
    // The same pattern in a repository is another scope.
    expect((await h.post(R, { tagPattern: "release-.*" })).status).toBe(201);
  });

  it("PUT replaces the policy and answers 204 without a body; DELETE answers 200 {uuid}", async () => {
    const uuid = (await h.post(O, { tagPattern: "v.*", tagPatternMatches: false })).json.uuid;
    const put = await h.put(`${O}${uuid}`, { tagPattern: "v2.*" });
    expect(put.status).toBe(204);
    expect(put.text).toBe("");
    expect((await h.get(`${O}${uuid}`)).json).toEqual({ uuid, tagPattern: "v2.*", tagPatternMatches: true });
    const del = await h.del(`${O}${uuid}`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ uuid });
    expectApiException(await h.del(`${O}${uuid}`), 404, "not_found");
    expectApiException(await h.get(`${O}${uuid}`), 404, "not_found");
    expectApiException(await h.put(`${O}${uuid}`, { tagPattern: "x" }), 404, "not_found");
  });

  it("repository policies: their own list; a missing repository is 404", async () => {
    const r = await h.post(R, { tagPattern: "v.*" });
    expect(r.status).toBe(201);
    expect((await h.get(R)).json.policies).toEqual([
      { uuid: r.json.uuid, tagPattern: "v.*", tagPatternMatches: true },
    ]);
    expect((await h.get(O)).json.policies).toEqual([]);
    expectApiException(await h.get(`${O}${r.json.uuid}`), 404, "not_found");
    const missing = "/api/v1/repository/acme/nope/immutabilitypolicy/";
    expectApiException(await h.get(missing), 404, "not_found");
    expectApiException(await h.post(missing, { tagPattern: "v.*" }), 404, "not_found");
    expectApiException(await h.put(`${missing}${r.json.uuid}`, { tagPattern: "v.*" }), 404, "not_found");
    expect((await h.put(`${R}${r.json.uuid}`, { tagPattern: "w.*", tagPatternMatches: false })).status).toBe(
      204,
    );
    expect((await h.del(`${R}${r.json.uuid}`)).json).toEqual({ uuid: r.json.uuid });
    expect((await h.get(R)).json.policies).toEqual([]);
  });

  it("the organization and each repository are scopes of their own (live 3.18.0)", async () => {
    await h.repo("acme", "other");
    const org = (await h.post(O, { tagPattern: "v.*" })).json.uuid;
    const repo = await h.post(R, { tagPattern: "v.*" });
    expect(repo.status).toBe(201);
    for (const path of [
      `${R}${org}`,
      `${O}${repo.json.uuid}`,
      `/api/v1/repository/acme/other/immutabilitypolicy/${repo.json.uuid}`,
    ])
      expectApiException(await h.get(path), 404, "not_found");
    expectApiException(await h.put(`${R}${org}`, { tagPattern: "w.*" }), 404, "not_found");
    expectApiException(await h.del(`${O}${repo.json.uuid}`), 404, "not_found");
  });

  it("a PUT without tagPatternMatches sets it true; the pattern is stored stripped; other keys are ignored", async () => {
    const { uuid } = (await h.post(O, { tagPattern: "  v.*  ", tagPatternMatches: false, extra: 1 })).json;
    expect((await h.get(O)).json.policies).toEqual([{ uuid, tagPattern: "v.*", tagPatternMatches: false }]);
    expect((await h.put(`${O}${uuid}`, { tagPattern: "w.*" })).status).toBe(204);
    expect((await h.get(`${O}${uuid}`)).json).toEqual({ uuid, tagPattern: "w.*", tagPatternMatches: true });
  });

  it("a user's namespace takes policies through the organization path (a FULL_ACCESS superuser)", async () => {
    await h.user("alice");
    const r = await h.post("/api/v1/organization/alice/immutabilitypolicy/", { tagPattern: "v.*" });
    expect(r.status).toBe(201);
    expect((await h.get("/api/v1/organization/alice/immutabilitypolicy/")).json.policies).toEqual([
      { uuid: r.json.uuid, tagPattern: "v.*", tagPatternMatches: true },
    ]);
  });

  it("a missing organization: an empty list for a superuser, {message} on writes", async () => {
    expect((await h.get("/api/v1/organization/ghost/immutabilitypolicy/")).json).toEqual({ policies: [] });
    const r = await h.post("/api/v1/organization/ghost/immutabilitypolicy/", { tagPattern: "v.*" });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ message: "Username does not exist: ghost" });
  });

  it("needs an organization or repository admin", async () => {
    const t = await h.user("bob");
    expect((await h.get(O, { token: t })).status).toBe(403);
    expect((await h.post(O, { tagPattern: "v.*" }, { token: t })).status).toBe(403);
    expect((await h.get(R, { token: t })).status).toBe(403);
    expect((await h.post(R, { tagPattern: "v.*" }, { token: t })).status).toBe(403);
  });

  it("audit log: create/update/delete_immutability_policy with Quay's metadata", async () => {
    const org = (await h.post(O, { tagPattern: "v.*" })).json.uuid;
    await h.put(`${O}${org}`, { tagPattern: "v.*", tagPatternMatches: false });
    await h.del(`${O}${org}`);
    const repo = (await h.post(R, { tagPattern: "rc.*" })).json.uuid;
    await h.del(`${R}${repo}`);
    const logs = (await h.get("/api/v1/organization/acme/logs")).json.logs
      .filter((e: { kind: string }) => e.kind.endsWith("immutability_policy"))
      .map((e: { kind: string; metadata: Record<string, unknown> }) => {
        const {
          oauth_token_id: _i,
          oauth_token_application_id: _a,
          oauth_token_application: _n,
          ...md
        } = e.metadata;
        return [e.kind, md];
      });
    expect(logs).toEqual([
      ["delete_immutability_policy", { namespace: "acme", repo: "app", policy_uuid: repo }],
      [
        "create_immutability_policy",
        { namespace: "acme", repo: "app", tag_pattern: "rc.*", tag_pattern_matches: true },
      ],
      ["delete_immutability_policy", { namespace: "acme", policy_uuid: org }],
      ["update_immutability_policy", { namespace: "acme", tag_pattern: "v.*", tag_pattern_matches: false }],
      ["create_immutability_policy", { namespace: "acme", tag_pattern: "v.*", tag_pattern_matches: true }],
    ]);
  });

  it("deleting the repository or the organization takes their policies along (the name made again has none)", async () => {
    await h.post(R, { tagPattern: "v.*" });
    await h.post(O, { tagPattern: "w.*" });
    expect((await h.del("/api/v1/repository/acme/app")).status).toBe(204);
    await h.repo("acme", "app");
    expect((await h.get(R)).json).toEqual({ policies: [] });
    expect((await h.get(O)).json.policies.map((p: { tagPattern: string }) => p.tagPattern)).toEqual(["w.*"]);
    expect((await h.del("/api/v1/organization/acme")).status).toBe(204);
    await h.org("acme");
    expect((await h.get(O)).json).toEqual({ policies: [] });
  });
});
