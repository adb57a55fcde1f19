import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();
const Q = "/api/v1/organization/acme/quota";

beforeEach(async () => {
  await h.org("acme");
});

async function quotaId(): Promise<number> {
  return (await h.get(Q)).json[0].id;
}

describe("quotas and quota limits (docs/quay-api.md#quotas)", () => {
  it("docs/quay-api.md#quotas no quota: the list is a bare empty array", async () => {
    expect((await h.get(Q)).json).toEqual([]);
  });

  it('docs/quay-api.md#quotas create: 201 "Created" without an id; list returns the full view', async () => {
    const r = await h.post(Q, { limit_bytes: 10737418240 });
    expect(r.status).toBe(201);
    expect(r.json).toBe("Created");
    const list = (await h.get(Q)).json;
    expect(list).toEqual([
      {
        id: expect.any(Number),
        limit_bytes: 10737418240,
        limit: "10.0 GiB",
        default_config: false,
        limits: [],
        default_config_exists: false,
      },
    ]);
  });

  it("docs/quay-api.md#quotas create with a human-readable limit (bitmath units)", async () => {
    await h.post(Q, { limit: "2 GiB" });
    expect((await h.get(Q)).json[0].limit_bytes).toBe(2147483648);
    await h.del(`${Q}/${await quotaId()}`);
    await h.post(Q, { limit: "500MB" });
    expect((await h.get(Q)).json[0]).toMatchObject({ limit_bytes: 500000000, limit: "476.8 MiB" });
  });

  it("docs/quay-api.md#quotas both limit and limit_bytes, or a bad pattern, fail the schema", async () => {
    expectApiException(await h.post(Q, { limit: "1 GiB", limit_bytes: 5 }), 400, "invalid_request");
    expectApiException(await h.post(Q, { limit: "lots" }), 400, "invalid_request");
    expectApiException(await h.post(Q, {}), 400, "invalid_request");
  });

  it("docs/quay-api.md#quotas a second quota is refused (one per org)", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    expectApiException(
      await h.post(Q, { limit_bytes: 2000 }),
      400,
      "invalid_request",
      "Organization quota for 'acme' already exists",
    );
  });

  it("docs/quay-api.md#quotas limit_bytes ≤ 0 is refused", async () => {
    expectApiException(
      await h.post(Q, { limit_bytes: 0 }),
      400,
      "invalid_request",
      "Invalid quota size limit value: '0'",
    );
    expectApiException(
      await h.post(Q, { limit_bytes: -5 }),
      400,
      "invalid_request",
      "Invalid quota size limit value: '-5'",
    );
  });

  it("docs/quay-api.md#quotas a missing org is 404", async () => {
    expectApiException(
      await h.post("/api/v1/organization/nosuch/quota", { limit_bytes: 1000 }),
      404,
      "not_found",
    );
    expectApiException(await h.get("/api/v1/organization/nosuch/quota"), 404, "not_found");
  });

  it("docs/quay-api.md#quotas org admins cannot write their own quota; members may read", async () => {
    const t = await h.user("alice");
    await h.post("/api/v1/organization/", { name: "alices" }, { token: t });
    expect(
      (await h.post("/api/v1/organization/alices/quota", { limit_bytes: 1000 }, { token: t })).status,
    ).toBe(403);
    expect((await h.get("/api/v1/organization/alices/quota", { token: t })).status).toBe(200);
    const stranger = await h.user("bob");
    expect((await h.get("/api/v1/organization/alices/quota", { token: stranger })).status).toBe(403);
  });

  it("docs/quay-api.md#quotas create logs org_create_quota", async () => {
    await h.post(Q, { limit_bytes: 1073741824 });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_create_quota",
      metadata: { namespace: "acme", limit_bytes: 1073741824, limit: "1.0 GiB" },
    });
  });

  it("docs/quay-api.md#emulator-gotchas GET by id equals the list item; an id of nothing is 404", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    expect((await h.get(`${Q}/${id}`)).json).toEqual((await h.get(Q)).json[0]);
    expectApiException(await h.get(`${Q}/999999`), 404, "not_found");
  });

  it("docs/quay-api.md#quotas PUT changes the size, logs org_change_quota with previous values; {} is a no-op", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    const r = await h.put(`${Q}/${id}`, { limit_bytes: 2048 });
    expect(r.json).toMatchObject({ id, limit_bytes: 2048, limit: "2.0 KiB" });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_change_quota",
      metadata: { limit_bytes: 2048, previous_limit_bytes: 1000, previous_limit: "1000.0 Byte" },
    });
    expect((await h.put(`${Q}/${id}`, {})).json.limit_bytes).toBe(2048);
    expectApiException(await h.put(`${Q}/999999`, { limit_bytes: 5 }), 404, "not_found");
  });

  it("docs/quay-api.md#quotas the org view embeds the short quota view and the quota_report", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    await h.post(`${Q}/${await quotaId()}/limit`, { type: "Warning", threshold_percent: 80 });
    const org = (await h.get("/api/v1/organization/acme")).json;
    expect(org.quotas).toEqual([
      {
        id: expect.any(Number),
        limit_bytes: 1000,
        limits: [{ id: expect.any(Number), type: "Warning", limit_percent: 80 }],
      },
    ]);
    expect(org.quota_report).toEqual({
      quota_bytes: 0,
      configured_quota: 1000,
      running_backfill: "waiting",
      backfill_status: "waiting",
    });
  });

  it('docs/quay-api.md#quotas docs/quay-api.md#emulator-gotchas limits: create 201 "Created"; type normalised; threshold returned as limit_percent', async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    expect((await h.post(`${Q}/${id}/limit`, { type: "warning", threshold_percent: 80 })).json).toBe(
      "Created",
    );
    const limits = (await h.get(`${Q}/${id}/limit`)).json;
    expect(limits).toEqual([{ id: expect.any(Number), type: "Warning", limit_percent: 80 }]);
    expect((await h.get(`${Q}/${id}/limit/${limits[0].id}`)).json).toEqual(limits[0]);
  });

  it("docs/quay-api.md#quotas several Reject limits with different thresholds are allowed; the same type+threshold is not", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    expect((await h.post(`${Q}/${id}/limit`, { type: "Reject", threshold_percent: 90 })).status).toBe(201);
    expect((await h.post(`${Q}/${id}/limit`, { type: "Reject", threshold_percent: 95 })).status).toBe(201);
    expectApiException(
      await h.post(`${Q}/${id}/limit`, { type: "reject", threshold_percent: 95 }),
      400,
      "invalid_request",
      "Quota limit already exists",
    );
  });

  it("docs/quay-api.md#quotas a bad type or threshold is a DataModelException 400 {message}; threshold 0 an ApiException", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    expectMessage(
      await h.post(`${Q}/${id}/limit`, { type: "Soft", threshold_percent: 50 }),
      400,
      "Quota type must be one of [Warning, Reject]",
    );
    expectMessage(
      await h.post(`${Q}/${id}/limit`, { type: "Warning", threshold_percent: 101 }),
      400,
      "Quota limit threshold must be between 1 and 100",
    );
    expectApiException(
      await h.post(`${Q}/${id}/limit`, { type: "Warning", threshold_percent: 0 }),
      400,
      "invalid_request",
      "Quota limit threshold must be between 1 and 100",
    );
    expectApiException(await h.post(`${Q}/${id}/limit`, { type: "Warning" }), 400, "invalid_request");
  });

  it("docs/quay-api.md#quotas limit PUT returns the parent quota view; logs previous values", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    await h.post(`${Q}/${id}/limit`, { type: "Warning", threshold_percent: 80 });
    const limitId = (await h.get(`${Q}/${id}/limit`)).json[0].id;
    const r = await h.put(`${Q}/${id}/limit/${limitId}`, { type: "Reject", threshold_percent: 90 });
    expect(r.json).toMatchObject({
      id,
      limit_bytes: 1000,
      limits: [{ id: limitId, type: "Reject", limit_percent: 90 }],
    });
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0]).toMatchObject({
      kind: "org_change_quota_limit",
      metadata: {
        type: "Reject",
        threshold_percent: 90,
        previous_type: "Warning",
        previous_threshold_percent: 80,
      },
    });
    expectApiException(await h.put(`${Q}/${id}/limit/999999`, { type: "Reject" }), 404, "not_found");
  });

  it("docs/quay-api.md#quotas limit DELETE: 204, logs org_delete_quota_limit", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    await h.post(`${Q}/${id}/limit`, { type: "Warning", threshold_percent: 80 });
    const limitId = (await h.get(`${Q}/${id}/limit`)).json[0].id;
    expect((await h.del(`${Q}/${id}/limit/${limitId}`)).status).toBe(204);
    expect((await h.get(`${Q}/${id}/limit`)).json).toEqual([]);
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0].kind).toBe("org_delete_quota_limit");
  });

  it("docs/quay-api.md#quotas docs/quay-api.md#emulator-gotchas deleting a quota deletes its limits; logs org_delete_quota", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    const id = await quotaId();
    await h.post(`${Q}/${id}/limit`, { type: "Warning", threshold_percent: 80 });
    expect((await h.del(`${Q}/${id}`)).status).toBe(204);
    expect((await h.get(Q)).json).toEqual([]);
    expectApiException(await h.get(`${Q}/${id}/limit`), 404, "not_found");
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs[0].kind).toBe("org_delete_quota");
  });

  it("docs/quay-api.md#quotas docs/quay-api.md#emulator-gotchas superuser quota: GET full view; POST 201; duplicate 400; no audit log", async () => {
    const su = "/api/v1/superuser/organization/acme/quota";
    expect((await h.get(su)).json).toEqual([]);
    const before = (await h.get("/api/v1/organization/acme/logs")).json.logs.length;
    expect((await h.post(su, { limit: "1 GiB" })).status).toBe(201);
    expect((await h.get(su)).json[0]).toMatchObject({
      limit_bytes: 1073741824,
      limit: "1.0 GiB",
      default_config: false,
    });
    expectApiException(
      await h.post(su, { limit_bytes: 5 }),
      400,
      "invalid_request",
      "Quota for 'acme' already exists",
    );
    expect((await h.get("/api/v1/organization/acme/logs")).json.logs.length).toBe(before);
  });

  it("docs/quay-api.md#quotas superuser quota PUT and DELETE; the users/ variant works for users", async () => {
    await h.post("/api/v1/superuser/organization/acme/quota", { limit_bytes: 1000 });
    const id = await quotaId();
    expect(
      (await h.put(`/api/v1/superuser/organization/acme/quota/${id}`, { limit_bytes: 4096 })).json
        .limit_bytes,
    ).toBe(4096);
    expect((await h.del(`/api/v1/superuser/organization/acme/quota/${id}`)).status).toBe(204);
    const t = await h.user("bob");
    expect((await h.post("/api/v1/superuser/users/bob/quota", { limit_bytes: 5000 })).status).toBe(201);
    // docs/quay-api.md#quotas: the user's own read-only view.
    const own = await h.get("/api/v1/user/quota", { token: t });
    expect(own.json).toMatchObject([{ limit_bytes: 5000 }]);
    expect((await h.get(`/api/v1/user/quota/${own.json[0].id}`, { token: t })).json.limit_bytes).toBe(5000);
  });

  it("docs/quay-api.md#emulator-gotchas superuser quota: unknown namespace → GET 404, POST HTML 500", async () => {
    expectApiException(await h.get("/api/v1/superuser/organization/nosuch/quota"), 404, "not_found");
    const r = await h.post("/api/v1/superuser/organization/nosuch/quota", { limit_bytes: 5 });
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
  });

  it("docs/quay-api.md#quotas superuser quota needs the superuser role (FULL_ACCESS not required)", async () => {
    const t = await h.user("bob");
    expect(
      (await h.post("/api/v1/superuser/organization/acme/quota", { limit_bytes: 5 }, { token: t })).status,
    ).toBe(403);
  });

  it("docs/quay-api.md#quotas repository list items report the org's configured quota", async () => {
    await h.post(Q, { limit_bytes: 1000 });
    await h.repo("acme", "app");
    expect((await h.get("/api/v1/repository?namespace=acme")).json.repositories[0].quota_report).toEqual({
      quota_bytes: 0,
      configured_quota: 1000,
    });
  });
});
