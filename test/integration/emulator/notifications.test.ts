import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, useEmulator } from "./helpers";

const h = useEmulator();
const N = "/api/v1/repository/acme/app/notification/";
const WEBHOOK = {
  event: "repo_push",
  method: "webhook",
  config: { url: "https://hooks.example.com/x" },
  eventConfig: {},
};

beforeEach(async () => {
  await h.org("acme");
  await h.repo("acme", "app");
});

describe("repository notifications (QUAY-API.md §15, §21)", () => {
  it("§15 create answers 201 with the view; eventConfig comes back as event_config", async () => {
    const r = await h.post(N, { ...WEBHOOK, eventConfig: { a: 1 }, title: "hook" });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: "hook",
      event: "repo_push",
      method: "webhook",
      config: { url: "https://hooks.example.com/x" },
      event_config: { a: 1 },
      number_of_failures: 0,
    });
  });

  it("§15 all four fields are required; title defaults to null", async () => {
    const { eventConfig: _e, ...missing } = WEBHOOK;
    expectApiException(await h.post(N, missing), 400, "invalid_request");
    expect((await h.post(N, WEBHOOK)).json.title).toBeNull();
  });

  it("§15 no duplicate detection", async () => {
    await h.post(N, WEBHOOK);
    await h.post(N, WEBHOOK);
    expect((await h.get(N)).json.notifications).toHaveLength(2);
  });

  it("§15 method validation errors are 400 ApiExceptions", async () => {
    expectApiException(
      await h.post(N, { ...WEBHOOK, config: {} }),
      400,
      "invalid_request",
      "Missing webhook URL",
    );
    expectApiException(
      await h.post(N, { ...WEBHOOK, config: { url: "http://localhost/x" } }),
      400,
      "invalid_request",
      "Invalid webhook URL",
    );
    expectApiException(
      await h.post(N, { ...WEBHOOK, method: "slack", config: {} }),
      400,
      "invalid_request",
      "Missing Slack Callback URL",
    );
    expectApiException(
      await h.post(N, {
        ...WEBHOOK,
        method: "quay_notification",
        config: { target: { kind: "user", name: "nobody" } },
      }),
      400,
      "invalid_request",
      "Unknown user nobody",
    );
  });

  it("§15 quay_notification to a team of the org is accepted", async () => {
    const r = await h.post(N, {
      ...WEBHOOK,
      method: "quay_notification",
      config: { target: { kind: "team", name: "owners" } },
    });
    expect(r.status).toBe(201);
  });

  it("§21 an unknown event or method is an HTML 500 and nothing is stored", async () => {
    expect((await h.post(N, { ...WEBHOOK, event: "repo_pull" })).status).toBe(500);
    expect((await h.post(N, { ...WEBHOOK, method: "pager" })).status).toBe(500);
    expect((await h.get(N)).json.notifications).toEqual([]);
  });

  it("§15 create logs add_repo_notification", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0]).toMatchObject({
      kind: "add_repo_notification",
      metadata: {
        repo: "app",
        namespace: "acme",
        notification_id: uuid,
        event: "repo_push",
        method: "webhook",
      },
    });
  });

  it("§19 GET by uuid does not check the repository in the path; unknown uuid 404", async () => {
    await h.repo("acme", "other");
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expect((await h.get(`/api/v1/repository/acme/other/notification/${uuid}`)).json.uuid).toBe(uuid);
    expectApiException(await h.get(`${N}nope`), 404, "not_found");
  });

  it("§15 DELETE: 204 in the right repository; elsewhere or unknown: 400 ApiException", async () => {
    await h.repo("acme", "other");
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expectApiException(
      await h.del(`/api/v1/repository/acme/other/notification/${uuid}`),
      400,
      "invalid_request",
      `No repository notification found for: acme, other, ${uuid}`,
    );
    const r = await h.del(`${N}${uuid}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].kind).toBe(
      "delete_repo_notification",
    );
  });

  it("§15 POST on the uuid resets the failure counter (204); unknown 400", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expect((await h.post(`${N}${uuid}`)).status).toBe(204);
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].kind).toBe(
      "reset_repo_notification",
    );
    expectApiException(await h.post(`${N}nope`), 400, "invalid_request");
  });

  it("§15 test queues a test: 200 {}", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    const r = await h.post(`${N}${uuid}/test`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expectApiException(await h.post(`${N}nope/test`), 400, "invalid_request");
  });

  it("§21 the list on a missing repository is 200 {notifications: []}", async () => {
    expect((await h.get("/api/v1/repository/acme/nope/notification/")).json).toEqual({ notifications: [] });
  });

  it("§15 notifications need repo admin", async () => {
    const t = await h.user("bob");
    expect((await h.get(N, { token: t })).status).toBe(403);
  });

  it("§15 no update endpoint: a PUT falls to the greedy repository route (§1.2)", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    // PUT /repository/<acme/app/notification/uuid> is a description update: its schema fails first.
    expectApiException(await h.put(`${N}${uuid}`, WEBHOOK), 400, "invalid_request");
    expect((await h.get(`${N}${uuid}`)).json.event).toBe("repo_push");
  });
});
