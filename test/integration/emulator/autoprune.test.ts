import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, useEmulator } from "./helpers";

const h = useEmulator();
const O = "/api/v1/organization/acme/autoprunepolicy/";
const R = "/api/v1/repository/acme/app/autoprunepolicy/";

beforeEach(async () => {
  await h.org("acme");
  await h.repo("acme", "app");
});

describe("auto-prune policies (docs/quay-api.md#auto-prune)", () => {
  it("docs/quay-api.md#auto-prune org POST answers 201 {uuid}; the list holds exactly Quay's keys with defaults", async () => {
    const r = await h.post(O, { method: "number_of_tags", value: 10 });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(["uuid"]);
    const list = (await h.get(O)).json.policies;
    expect(list).toEqual([
      { uuid: r.json.uuid, method: "number_of_tags", value: 10, tagPattern: null, tagPatternMatches: true },
    ]);
  });

  it("docs/quay-api.md#auto-prune the collection path needs its trailing slash (308)", async () => {
    expect(
      (await h.post("/api/v1/organization/acme/autoprunepolicy", { method: "number_of_tags", value: 1 }))
        .status,
    ).toBe(308);
  });

  it("docs/quay-api.md#auto-prune creation_date values <int><unit>; tagPattern stripped; tagPatternMatches kept", async () => {
    const r = await h.post(O, {
      method: "creation_date",
      value: "2w",
      tagPattern: "  ^v1  ",
      tagPatternMatches: false,
    });
    expect((await h.get(`${O}${r.json.uuid}`)).json).toEqual({
      uuid: r.json.uuid,
      method: "creation_date",
      value: "2w",
      tagPattern: "^v1",
      tagPatternMatches: false,
    });
  });

  it("docs/quay-api.md#auto-prune invalid method or value is a 400 ApiException", async () => {
    expectApiException(
      await h.post(O, { method: "size", value: 1 }),
      400,
      "invalid_request",
      "Invalid method provided",
    );
    expectApiException(
      await h.post(O, { method: "number_of_tags", value: "10" }),
      400,
      "invalid_request",
      "Invalid value given for method type",
    );
    expectApiException(
      await h.post(O, { method: "number_of_tags", value: 0 }),
      400,
      "invalid_request",
      "Invalid value given for method type",
    );
    expectApiException(
      await h.post(O, { method: "creation_date", value: "7x" }),
      400,
      "invalid_request",
      "Invalid value given for method type",
    );
    expectApiException(
      await h.post(O, { method: "creation_date", value: 7 }),
      400,
      "invalid_request",
      "Invalid value given for method type",
    );
    expectApiException(await h.post(O, { method: "number_of_tags" }), 400, "invalid_request");
    expectApiException(await h.post(O, { method: "number_of_tags", value: true }), 400, "invalid_request");
  });

  it("docs/quay-api.md#auto-prune an empty tagPattern is refused", async () => {
    expectApiException(
      await h.post(O, { method: "number_of_tags", value: 5, tagPattern: "  " }),
      400,
      "invalid_request",
      "tag_pattern cannot be empty",
    );
  });

  it("docs/quay-api.md#auto-prune duplicates are refused; different policies are allowed", async () => {
    await h.post(O, { method: "number_of_tags", value: 10 });
    expectApiException(
      await h.post(O, { method: "number_of_tags", value: 10, tagPatternMatches: true }),
      400,
      "invalid_request",
      "Existing policy with same values for this namespace, duplicate policies are not permitted",
    );
    expect((await h.post(O, { method: "number_of_tags", value: 10, tagPattern: "x" })).status).toBe(201);
    expect((await h.get(O)).json.policies).toHaveLength(2);
  });

  it("docs/quay-api.md#auto-prune PUT is a full replace answering 204 without a body; unknown uuid 404", async () => {
    const { uuid } = (await h.post(O, { method: "number_of_tags", value: 10, tagPattern: "x" })).json;
    const r = await h.put(`${O}${uuid}`, { method: "creation_date", value: "1d" });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect((await h.get(`${O}${uuid}`)).json).toMatchObject({
      method: "creation_date",
      value: "1d",
      tagPattern: null,
      tagPatternMatches: true,
    });
    expectApiException(await h.put(`${O}nope`, { method: "creation_date", value: "1d" }), 404, "not_found");
  });

  it("docs/quay-api.md#auto-prune DELETE answers 200 {uuid}; unknown uuid 404", async () => {
    const { uuid } = (await h.post(O, { method: "number_of_tags", value: 10 })).json;
    const r = await h.del(`${O}${uuid}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ uuid });
    expectApiException(await h.del(`${O}${uuid}`), 404, "not_found");
    expectApiException(await h.get(`${O}${uuid}`), 404, "not_found");
  });

  it("docs/quay-api.md#auto-prune logs create/update/delete_namespace_autoprune_policy", async () => {
    const { uuid } = (await h.post(O, { method: "number_of_tags", value: 10 })).json;
    await h.put(`${O}${uuid}`, { method: "number_of_tags", value: 5 });
    await h.del(`${O}${uuid}`);
    const logs = (await h.get("/api/v1/organization/acme/logs")).json.logs;
    expect(logs.slice(0, 3).map((l: { kind: string }) => l.kind)).toEqual([
      "delete_namespace_autoprune_policy",
      "update_namespace_autoprune_policy",
      "create_namespace_autoprune_policy",
    ]);
    expect(logs[2].metadata).toMatchObject({
      method: "number_of_tags",
      value: 10,
      tag_pattern: null,
      tag_pattern_matches: true,
      namespace: "acme",
    });
    expect(logs[0].metadata).toMatchObject({ policy_uuid: uuid, namespace: "acme" });
  });

  it("docs/quay-api.md#auto-prune a missing org is 404 on create", async () => {
    expectApiException(
      await h.post("/api/v1/organization/nosuch/autoprunepolicy/", { method: "number_of_tags", value: 1 }),
      404,
      "not_found",
    );
  });

  it("docs/quay-api.md#auto-prune org policies need org admin", async () => {
    const t = await h.user("bob");
    expect((await h.get(O, { token: t })).status).toBe(403);
    expect((await h.post(O, { method: "number_of_tags", value: 1 }, { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#auto-prune repository policies: 201 {uuid}, GET, PUT 204, DELETE 200; logs with repo", async () => {
    const { uuid } = (await h.post(R, { method: "number_of_tags", value: 3 })).json;
    expect((await h.get(R)).json.policies).toHaveLength(1);
    expect((await h.get(`${R}${uuid}`)).json.value).toBe(3);
    expect((await h.put(`${R}${uuid}`, { method: "number_of_tags", value: 4 })).status).toBe(204);
    expect((await h.del(`${R}${uuid}`)).json).toEqual({ uuid });
    const logs = (await h.get("/api/v1/repository/acme/app/logs")).json.logs;
    expect(logs[2]).toMatchObject({
      kind: "create_repository_autoprune_policy",
      metadata: { repo: "app", value: 3 },
    });
  });

  it("docs/quay-api.md#auto-prune repository policy on a missing repository: 404", async () => {
    expectApiException(await h.get("/api/v1/repository/acme/nope/autoprunepolicy/"), 404, "not_found");
    expectApiException(
      await h.post("/api/v1/repository/acme/nope/autoprunepolicy/", { method: "number_of_tags", value: 1 }),
      404,
      "not_found",
    );
  });

  it("docs/quay-api.md#auto-prune repository duplicates are refused", async () => {
    await h.post(R, { method: "number_of_tags", value: 3 });
    expectApiException(
      await h.post(R, { method: "number_of_tags", value: 3 }),
      400,
      "invalid_request",
      "Existing policy with same values for this repository, duplicate policies are not permitted",
    );
  });

  it("docs/quay-api.md#auto-prune repo policy GET by uuid looks up repository name + uuid only, not the namespace", async () => {
    await h.org("other");
    await h.repo("other", "app");
    const { uuid } = (await h.post(R, { method: "number_of_tags", value: 3 })).json;
    expect((await h.get(`/api/v1/repository/other/app/autoprunepolicy/${uuid}`)).status).toBe(200);
  });

  it("docs/quay-api.md#auto-prune user-namespace policies under /user/autoprunepolicy/", async () => {
    const t = await h.user("bob");
    const { uuid } = (
      await h.post("/api/v1/user/autoprunepolicy/", { method: "creation_date", value: "30d" }, { token: t })
    ).json;
    expect((await h.get("/api/v1/user/autoprunepolicy/", { token: t })).json.policies[0].uuid).toBe(uuid);
    expect((await h.get(`/api/v1/user/autoprunepolicy/${uuid}`, { token: t })).json.value).toBe("30d");
    expect((await h.del(`/api/v1/user/autoprunepolicy/${uuid}`, { token: t })).status).toBe(200);
  });
});
