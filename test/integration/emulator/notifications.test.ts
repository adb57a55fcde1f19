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

const acmeApp = async () => {
  await h.org("acme");
  await h.repo("acme", "app");
};

describe("repository notifications (docs/quay-api.md#notifications)", () => {
  beforeEach(acmeApp);
  it("docs/quay-api.md#notifications create answers 201 with the view; eventConfig comes back as event_config", async () => {
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

  it("docs/quay-api.md#notifications all four fields are required; title defaults to null", async () => {
    const { eventConfig: _e, ...missing } = WEBHOOK;
    expectApiException(await h.post(N, missing), 400, "invalid_request");
    expect((await h.post(N, WEBHOOK)).json.title).toBeNull();
  });

  it("docs/quay-api.md#notifications no duplicate detection", async () => {
    await h.post(N, WEBHOOK);
    await h.post(N, WEBHOOK);
    expect((await h.get(N)).json.notifications).toHaveLength(2);
  });

  it("docs/quay-api.md#notifications method validation errors are 400 ApiExceptions", async () => {
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

  it("webhook: urlparse's scheme and hostname; no host is a 500", async () => {
    const hook = (url: string) => h.post(N, { ...WEBHOOK, config: { url } });
    expect((await hook("HTTPS://Hooks.Example.com:8443/x?token=1")).status).toBe(201);
    expectApiException(
      await hook("ftp://hooks.example.com/x"),
      400,
      "invalid_request",
      "Invalid webhook URL",
    );
    expectApiException(await hook("hooks.example.com/x"), 400, "invalid_request", "Invalid webhook URL");
    expectApiException(
      await hook("https://user:pw@LOCALHOST:80/x"),
      400,
      "invalid_request",
      "Invalid webhook URL",
    );
    const r = await hook("https:///x");
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
    expect((await h.get(N)).json.notifications).toHaveLength(1);
  });

  it("webhook: no DNS lookup and no address rule, only the names localhost and 127.0.0.1 (live 3.18.0)", async () => {
    const hook = (url: string) => h.post(N, { ...WEBHOOK, config: { url } });
    for (const url of [
      "https://hooks.nowhere.invalid/x",
      "http://[::1]/x",
      "http://127.0.0.2/x",
      "http://localhost./x",
      "http://0.0.0.0/x",
      "http://10.0.0.1/x",
      "http://169.254.169.254/latest/meta-data",
    ])
      expect((await hook(url)).status, url).toBe(201);
    expectApiException(await hook("HTTP://LocalHost/x"), 400, "invalid_request", "Invalid webhook URL");
    expectApiException(await hook("http://127.0.0.1:9/x"), 400, "invalid_request", "Invalid webhook URL");
  });

  it("webhook template: JSON text with jsonpath placeholders, checked at create", async () => {
    const hook = (template: unknown) =>
      h.post(N, { ...WEBHOOK, config: { url: "https://hooks.example.com/x", template } });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Quay's own placeholder syntax
    expect((await hook('{"text": "${repository} pushed ${updated_tags}"}')).status).toBe(201);
    const bad = await hook("{not json");
    expectApiException(bad, 400, "invalid_request");
    expect(bad.json.error_message).toMatch(/^Could not parse template: /);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Quay's own placeholder syntax
    expectApiException(await hook('{"a": "${}"}'), 400, "invalid_request", "Empty expression found");
    // json.loads of an object raises TypeError outside the handler's try.
    expect((await hook({ text: "x" })).status).toBe(500);
  });

  it("quay_notification: a robot is no user, an unknown target kind is a 500", async () => {
    await h.robot("acme", "ci");
    const target = (t: unknown) =>
      h.post(N, { ...WEBHOOK, method: "quay_notification", config: { target: t } });
    expectApiException(
      await target({ kind: "user", name: "acme+ci" }),
      400,
      "invalid_request",
      "Unknown user acme+ci",
    );
    expectApiException(
      await target({ kind: "user", name: "acme" }),
      400,
      "invalid_request",
      "Unknown user acme",
    );
    expectApiException(
      await target({ kind: "team", name: "nope" }),
      400,
      "invalid_request",
      "Unknown team nope",
    );
    expectApiException(await target({ name: "admin" }), 400, "invalid_request", "Missing target");
    expect((await target({ kind: "robot", name: "acme+ci" })).status).toBe(500);
    expect((await target({ kind: "org", name: "acme" })).status).toBe(201);
    expect((await target({ kind: "user", name: "admin", is_robot: false, avatar: {} })).status).toBe(201);
    expect((await h.get(N)).json.notifications.map((n: { config: unknown }) => n.config)).toEqual([
      { target: { kind: "org", name: "acme" } },
      { target: { kind: "user", name: "admin", is_robot: false, avatar: {} } },
    ]);
  });

  it("event configs are stored as sent: level and days", async () => {
    const vuln = await h.post(N, { ...WEBHOOK, event: "vulnerability_found", eventConfig: { level: 1 } });
    const expiry = await h.post(N, { ...WEBHOOK, event: "repo_image_expiry", eventConfig: { days: 7 } });
    expect(vuln.json.event_config).toEqual({ level: 1 });
    expect(expiry.json.event_config).toEqual({ days: 7 });
  });

  it("docs/quay-api.md#notifications quay_notification to a team of the org is accepted", async () => {
    const r = await h.post(N, {
      ...WEBHOOK,
      method: "quay_notification",
      config: { target: { kind: "team", name: "owners" } },
    });
    expect(r.status).toBe(201);
  });

  it("docs/quay-api.md#emulator-gotchas an unknown event or method is an HTML 500 and nothing is stored", async () => {
    expect((await h.post(N, { ...WEBHOOK, event: "repo_pull" })).status).toBe(500);
    expect((await h.post(N, { ...WEBHOOK, method: "pager" })).status).toBe(500);
    expect((await h.get(N)).json.notifications).toEqual([]);
  });

  it("docs/quay-api.md#notifications create logs add_repo_notification", async () => {
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

  it("docs/quay-api.md#emulator-gotchas GET by uuid does not check the repository in the path; unknown uuid 404", async () => {
    await h.repo("acme", "other");
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expect((await h.get(`/api/v1/repository/acme/other/notification/${uuid}`)).json.uuid).toBe(uuid);
    expectApiException(await h.get(`${N}nope`), 404, "not_found");
  });

  it("docs/quay-api.md#notifications DELETE: 204 in the right repository; elsewhere or unknown: 400 ApiException", async () => {
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

  it("docs/quay-api.md#notifications POST on the uuid resets the failure counter (204); unknown 400; another repository's {message}", async () => {
    await h.repo("acme", "other");
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    expect((await h.post(`${N}${uuid}`)).status).toBe(204);
    expect((await h.get("/api/v1/repository/acme/app/logs")).json.logs[0].kind).toBe(
      "reset_repo_notification",
    );
    expectApiException(await h.post(`${N}nope`), 400, "invalid_request");
    const other = await h.post(`/api/v1/repository/acme/other/notification/${uuid}`);
    expect(other.status).toBe(400);
    expect(other.json).toEqual({ message: `No repository notification found with uuid: ${uuid}` });
  });

  it("docs/quay-api.md#notifications test queues a test: 200 {}", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    const r = await h.post(`${N}${uuid}/test`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expectApiException(await h.post(`${N}nope/test`), 400, "invalid_request");
  });

  it("docs/quay-api.md#emulator-gotchas the list on a missing repository is 200 {notifications: []}", async () => {
    expect((await h.get("/api/v1/repository/acme/nope/notification/")).json).toEqual({ notifications: [] });
  });

  it("docs/quay-api.md#notifications notifications need repo admin", async () => {
    const t = await h.user("bob");
    expect((await h.get(N, { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#notifications no update endpoint: a PUT falls to the greedy repository route (docs/quay-api.md#routing)", async () => {
    const { uuid } = (await h.post(N, WEBHOOK)).json;
    // PUT /repository/<acme/app/notification/uuid> is a description update: its schema fails first.
    expectApiException(await h.put(`${N}${uuid}`, WEBHOOK), 400, "invalid_request");
    expect((await h.get(`${N}${uuid}`)).json.event).toBe("repo_push");
  });
});

describe("WEBHOOK_HOSTNAME_BLACKLIST", () => {
  const b = useEmulator({ config: { WEBHOOK_HOSTNAME_BLACKLIST: ["hooks.internal"] } });
  it("refuses its hosts besides localhost and 127.0.0.1", async () => {
    await b.org("acme");
    await b.repo("acme", "app");
    const hook = (url: string) => b.post(N, { ...WEBHOOK, config: { url } });
    expectApiException(await hook("https://hooks.internal/x"), 400, "invalid_request", "Invalid webhook URL");
    expectApiException(
      await hook("https://HOOKS.internal:8443/x"),
      400,
      "invalid_request",
      "Invalid webhook URL",
    );
    expect((await hook("https://sub.hooks.internal/x")).status).toBe(201);
  });
});

describe("e-mail notifications need an address confirmed for the repository", () => {
  beforeEach(acmeApp);
  it("without FEATURE_MAILING the authorization endpoints are not registered", async () => {
    // The greedy repository route takes the path: a repository has no POST (docs/quay-api.md#routing).
    const r = await h.post("/api/v1/repository/acme/app/authorizedemail/ops@acme.example");
    expect(r.status).toBe(405);
    const discovery = (await h.get("/api/v1/discovery?internal=true")).json.paths;
    expect(Object.keys(discovery).filter((p) => p.includes("authorizedemail"))).toEqual([]);
    expectApiException(
      await h.post(N, { ...WEBHOOK, method: "email", config: { email: "ops@acme.example" } }),
      400,
      "invalid_request",
      "The specified e-mail address is not authorized to receive notifications for this repository",
    );
  });
});

describe("with FEATURE_MAILING", () => {
  const m = useEmulator({ config: { FEATURE_MAILING: true } });
  const E = "/api/v1/repository/acme/app/authorizedemail/ops@acme.example";

  it("authorizedemail: 404 until asked, then unconfirmed until the mailed link is followed", async () => {
    await m.org("acme");
    await m.repo("acme", "app");
    const email = { ...WEBHOOK, method: "email", config: { email: "ops@acme.example" } };
    const r404 = await m.get(E);
    expect(r404.status).toBe(404);
    expect(r404.json).toHaveProperty("message");
    const asked = await m.post(E);
    expect(asked.status).toBe(200);
    expect(asked.json).toEqual({
      email: "ops@acme.example",
      repository: "app",
      namespace: "acme",
      confirmed: false,
    });
    expectApiException(await m.post(N, email), 400, "invalid_request");
    expect(
      (
        await m.control("POST", "/_emulator/email/confirm", {
          repository: "acme/app",
          email: "ops@acme.example",
        })
      ).status,
    ).toBe(200);
    expect((await m.get(E)).json.confirmed).toBe(true);
    expect((await m.post(N, email)).status).toBe(201);
    // Confirmed for this repository only.
    await m.repo("acme", "other");
    expectApiException(
      await m.post("/api/v1/repository/acme/other/notification/", email),
      400,
      "invalid_request",
    );
  });
});
