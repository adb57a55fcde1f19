import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { type NotificationInputs, notification } from "../../../providers/notification";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

// The RepositoryNotification provider against the emulator over HTTP (docs/quay-api.md#notifications).

let emu: RunningEmulator;
let client: QuayClient;
const warnings: string[] = [];
const infos: string[] = [];

const ctx = (): Context => ({
  session: new QuaySession(client),
  settings: { url: emu.url, forceDelete: false },
  log: { info: (m) => infos.push(m), warn: (m) => warnings.push(m) },
});

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const listed = async (repo = "app") =>
  ((await call("GET", `/api/v1/repository/acme/${repo}/notification/`)) as { notifications: unknown[] })
    .notifications;

const SLACK: NotificationInputs = {
  namespace: "acme",
  repository: "app",
  event: "repo_mirror_sync_failed",
  method: "slack",
  config: {},
  eventConfig: {},
  title: "Mirror failed",
  url: "https://hooks.slack.com/services/T000/B000/SECRET",
  urlRef: "env:ACME_SLACK",
};
const VULN: NotificationInputs = {
  namespace: "acme",
  repository: "app",
  event: "vulnerability_found",
  method: "quay_notification",
  config: { target: { kind: "team", name: "owners" } },
  eventConfig: { level: 1 },
};

beforeAll(async () => {
  emu = await startEmulator({ port: 0, config: { FEATURE_MAILING: true } });
  client = new QuayClient({ url: emu.url, token: emu.token });
});
afterAll(async () => {
  await client.close();
  await emu.close();
});
beforeEach(async () => {
  emu.reset();
  warnings.length = 0;
  infos.length = 0;
  await call("POST", "/api/v1/organization/", { name: "acme" });
  for (const r of ["app", "other"])
    await call("POST", "/api/v1/repository", {
      namespace: "acme",
      repository: r,
      visibility: "private",
      description: "",
    });
});
afterEach(() => {
  expect(emu.internalErrors).toEqual([]);
});

describe("RepositoryNotification provider", () => {
  it("creates with the secret URL in Quay's config; reads back clean, without taking the URL from Quay", async () => {
    const live = await notification.create(ctx(), SLACK);
    expect(live.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const [n] = (await listed()) as { config: unknown; title: string; event_config: unknown }[];
    expect(n).toMatchObject({
      config: { url: SLACK.url },
      title: "Mirror failed",
      event_config: {},
    });
    const read = await notification.read(ctx(), live.uuid, live);
    expect(read).toEqual({ ...SLACK, uuid: live.uuid, numberOfFailures: 0 });
    // A state that holds another secret value keeps it: the read never copies Quay's URL into it.
    const other = await notification.read(ctx(), live.uuid, { ...live, url: "https://hooks.slack.com/x" });
    expect(other?.url).toBe("https://hooks.slack.com/x");
    expect(other?.config).toEqual({});
  });

  it("a refresh of several notifications reads the repository's list once", async () => {
    const a = await notification.create(ctx(), SLACK);
    const b = await notification.create(ctx(), VULN);
    const c = await notification.create(ctx(), { ...VULN, repository: "other" });
    emu.resetStats();
    const session = ctx();
    for (const s of [a, b, c]) expect(await notification.read(session, s.uuid, s)).toBeDefined();
    const stats = emu.stats();
    expect(stats.writes).toBe(0);
    expect(stats.byRoute).toEqual({ "GET /api/v1/repository/{repository:repo}/notification/": 2 });
  });

  it("adopts an identical notification instead of making a second (Quay would)", async () => {
    await call("POST", "/api/v1/repository/acme/app/notification/", {
      event: "vulnerability_found",
      method: "quay_notification",
      // What Quay's UI stores: the whole entity it picked, and the level as text.
      config: { target: { kind: "team", name: "owners", is_robot: false, avatar: { name: "owners" } } },
      eventConfig: { level: "1" },
    });
    const live = await notification.create(ctx(), VULN);
    expect(await listed()).toHaveLength(1);
    expect(infos.join("\n")).toMatch(/adopted existing notification/);
    expect(await notification.read(ctx(), live.uuid, live)).toEqual({
      ...VULN,
      uuid: live.uuid,
      numberOfFailures: 0,
    });
    // Another level is another notification.
    await notification.create(ctx(), { ...VULN, eventConfig: { level: 0 } });
    expect(await listed()).toHaveLength(2);
  });

  it("gone when deleted by hand; delete tolerates a notification that is gone", async () => {
    const live = await notification.create(ctx(), SLACK);
    await call("DELETE", `/api/v1/repository/acme/app/notification/${live.uuid}`);
    expect(await notification.read(ctx(), live.uuid, live)).toBeUndefined();
    await notification.delete(ctx(), live.uuid, live);
    expect(infos.join("\n")).toMatch(/gone already/);
  });

  it("a notification Quay stopped sending (3 failed deliveries) is reported on read", async () => {
    const live = await notification.create(ctx(), SLACK);
    for (const n of emu.store.notifications.values()) n.failures = 3;
    await notification.read(ctx(), live.uuid, live);
    expect(warnings.join("\n")).toMatch(/failed 3 deliveries: Quay sends it no more/);
  });

  it("email: an unconfirmed address gets Quay's confirmation mail and a clear stop; once confirmed it is created", async () => {
    const email: NotificationInputs = {
      namespace: "acme",
      repository: "app",
      event: "repo_image_expiry",
      method: "email",
      config: { email: "ops@acme.example" },
      eventConfig: { days: 7 },
    };
    await expect(notification.create(ctx(), email)).rejects.toThrow(/has now mailed it a confirmation link/);
    await expect(notification.create(ctx(), email)).rejects.toThrow(/mailed it earlier/);
    expect(await listed()).toEqual([]);
    const confirm = await fetch(`${emu.url}/_emulator/email/confirm`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ repository: "acme/app", email: "ops@acme.example" }),
    });
    expect(confirm.status).toBe(200);
    const live = await notification.create(ctx(), email);
    expect(await notification.read(ctx(), live.uuid, live)).toEqual({
      ...email,
      uuid: live.uuid,
      numberOfFailures: 0,
    });
  });

  it("validate refuses what Quay would refuse or answer with a 500", () => {
    expect(notification.validate({ ...SLACK, url: undefined })).toEqual([
      ["config", "slack needs a URL (docs/quay-api.md#notifications)"],
    ]);
    expect(notification.validate({ ...VULN, event: "repo_pull" }).map(([p]) => p)).toEqual(["event"]);
    expect(
      notification.validate({ ...VULN, config: { target: { kind: "org", name: "other" } } }),
    ).toHaveLength(1);
    expect(notification.validate({ ...VULN, eventConfig: { level: 6 } })).toHaveLength(1);
    expect(notification.validate(VULN)).toEqual([]);
  });

  it("validate refuses the webhook hosts Quay refuses, also from a secret URL, without naming the URL", () => {
    const hook: NotificationInputs = {
      namespace: "acme",
      repository: "app",
      event: "repo_push",
      method: "webhook",
      config: {},
      eventConfig: {},
      url: "https://bot:s3cret@LocalHost:8443/hook",
    };
    const refused = notification.validate(hook);
    expect(refused).toEqual([["url", 'Quay refuses webhooks to localhost ("Invalid webhook URL")']]);
    expect(JSON.stringify(refused)).not.toContain("s3cret");
    expect(
      notification.validate({ ...hook, url: undefined, config: { url: "http://127.0.0.1/hook" } }),
    ).toEqual([["config", 'Quay refuses webhooks to 127.0.0.1 ("Invalid webhook URL")']]);
    // Quay resolves nothing and refuses no other address (observed on Quay 3.18.0).
    for (const url of ["http://[::1]/x", "http://127.0.0.2/x", "http://localhost./x", "https://x.invalid/"])
      expect(notification.validate({ ...hook, url })).toEqual([]);
  });

  it("every field but the secret's reference replaces; the reference alone updates without a request", async () => {
    expect(Object.keys(notification.replaceOn).sort()).toEqual(
      ["config", "event", "eventConfig", "method", "namespace", "repository", "title", "url"].sort(),
    );
    const live = await notification.create(ctx(), SLACK);
    emu.resetStats();
    const next = await notification.update(
      ctx(),
      live.uuid,
      live,
      { ...SLACK, urlRef: "config:acmeSlack" },
      new Set(["urlRef"]),
    );
    expect(next).toMatchObject({ uuid: live.uuid, urlRef: "config:acmeSlack" });
    expect(emu.stats().total).toBe(0);
  });
});
