import { beforeEach, describe, expect, it } from "vitest";
import { expectApiException, expectMessage, useEmulator } from "./helpers";

const h = useEmulator();
const L = "/api/v1/organization/acme/logs";

beforeEach(async () => {
  await h.org("acme");
});

describe("audit logs (docs/quay-api.md#audit-logs)", () => {
  it("docs/quay-api.md#audit-logs an entry has kind, metadata, ip, RFC 2822 datetime and the performer", async () => {
    const r = await h.get(L);
    expect(r.json.start_time).toMatch(/-0000$/);
    expect(r.json.end_time).toMatch(/-0000$/);
    const e = r.json.logs[0];
    expect(Object.keys(e).sort()).toEqual(["datetime", "ip", "kind", "metadata", "performer"]);
    expect(e.ip).toBe("127.0.0.1");
    expect(e.datetime).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} -0000$/);
    expect(e.performer).toMatchObject({ kind: "user", name: "admin", is_robot: false });
    expect(e.performer.avatar.kind).toBe("user");
  });

  it("docs/quay-api.md#audit-logs OAuth-token writes carry the token id, client id and application name", async () => {
    const t = await h.token("admin", ["org:admin", "user:admin"]);
    await h.put("/api/v1/organization/acme", { email: "a@example.com" }, { token: t });
    const md = (await h.get(L)).json.logs[0].metadata;
    expect(md).toMatchObject({
      oauth_token_application_id: h.tokenApplication("admin").clientId,
      oauth_token_application: h.tokenApplication("admin").name,
    });
    expect(md.oauth_token_id).toEqual(expect.any(Number));
  });

  it("docs/quay-api.md#pagination docs/quay-api.md#emulator-gotchas 20 entries a page, newest first, next_page until the end; then an empty page", async () => {
    for (let i = 0; i < 24; i++) await h.put(`/api/v1/organization/acme/team/t${i}`, { role: "member" });
    const p1 = await h.get(L);
    expect(p1.json.logs).toHaveLength(20);
    expect(p1.json.logs[0].metadata.team).toBe("t23");
    expect(p1.json.next_page).toBeTruthy();
    const p2 = await h.get(`${L}?next_page=${p1.json.next_page}`);
    expect(p2.json.logs).toHaveLength(5);
    expect(p2.json.logs[4].kind).toBe("org_create");
    // The short last page still carries a next_page (the table fallback); following it gives nothing.
    expect(p2.json.next_page).toBeTruthy();
    const p3 = await h.get(`${L}?next_page=${p2.json.next_page}`);
    expect(p3.json.logs).toEqual([]);
    expect(p3.json.next_page).toBeUndefined();
  });

  it("docs/quay-api.md#audit-logs starttime/endtime are MM/DD/YYYY days; bad dates fall back to the defaults; end < start is 400", async () => {
    const today = new Date();
    const fmt = (d: Date) =>
      `${String(d.getUTCMonth() + 1).padStart(2, "0")}/${String(d.getUTCDate()).padStart(2, "0")}/${d.getUTCFullYear()}`;
    expect((await h.get(`${L}?starttime=${fmt(today)}&endtime=${fmt(today)}`)).json.logs).toHaveLength(1);
    expect((await h.get(`${L}?starttime=01/01/2000&endtime=01/02/2000`)).json.logs).toEqual([]);
    expect((await h.get(`${L}?starttime=garbage`)).json.logs).toHaveLength(1);
    expectMessage(await h.get(`${L}?starttime=01/10/2000&endtime=01/01/2000`), 400);
  });

  it("docs/quay-api.md#audit-logs performer filter; a robot's full name is accepted; an unknown performer is a 500", async () => {
    const t = await h.user("bob");
    await h.team("acme", "devs", "admin");
    await h.member("acme", "devs", "bob");
    await h.put("/api/v1/organization/acme/team/other", { role: "member" }, { token: t });
    const bobs = (await h.get(`${L}?performer=bob`)).json.logs;
    expect(bobs.map((l: { kind: string }) => l.kind)).toEqual(["org_create_team"]);
    await h.robot("acme", "ci");
    expect((await h.get(`${L}?performer=acme%2Bci`)).json.logs).toEqual([]);
    const r = await h.get(`${L}?performer=nobody`);
    expect(r.status).toBe(500);
    expect(r.contentType).toMatch(/^text\/html/);
  });

  it("docs/quay-api.md#audit-logs org logs need org admin; a missing org is a 400 {message} for superusers", async () => {
    const t = await h.user("bob");
    expect((await h.get(L, { token: t })).status).toBe(403);
    expectMessage(
      await h.get("/api/v1/organization/nosuch/logs"),
      400,
      "Invalid namespace requested: nosuch",
    );
  });

  it("docs/quay-api.md#audit-logs repository logs: repo admin; 404 for a missing repository", async () => {
    await h.repo("acme", "app");
    const r = await h.get("/api/v1/repository/acme/app/logs");
    expect(r.json.logs.map((l: { kind: string }) => l.kind)).toEqual(["create_repo"]);
    expectApiException(await h.get("/api/v1/repository/acme/nope/logs"), 404, "not_found");
  });

  it("docs/quay-api.md#audit-logs superuser logs cover every namespace and add `namespace` to entries", async () => {
    const r = await h.get("/api/v1/superuser/logs");
    // A shared Quay logs others' writes too: the test's own entry, not the newest.
    const entry = r.json.logs.find(
      (l: { kind: string; metadata: { namespace?: string } }) =>
        l.kind === "org_create" && l.metadata.namespace === "acme",
    );
    expect(entry).toMatchObject({ kind: "org_create", namespace: { kind: "org", name: "acme" } });
    const t = await h.user("bob");
    expect((await h.get("/api/v1/superuser/logs", { token: t })).status).toBe(403);
  });

  it("docs/quay-api.md#audit-logs user logs are the caller's own namespace", async () => {
    const t = await h.user("bob");
    await h.put("/api/v1/user/robots/ci", undefined, { token: t });
    const r = await h.get("/api/v1/user/logs", { token: t });
    const kinds = r.json.logs.map((l: { kind: string }) => l.kind);
    expect(kinds.filter((k: string) => !h.mintLogKinds.includes(k))).toEqual(["create_robot", "user_create"]);
  });

  it("docs/quay-api.md#emulator-gotchas aggregatelogs: {kind, count, datetime at midnight}; an unknown performer is ignored", async () => {
    await h.put("/api/v1/organization/acme/team/a1", { role: "member" });
    await h.put("/api/v1/organization/acme/team/a2", { role: "member" });
    const r = await h.get("/api/v1/organization/acme/aggregatelogs?performer=nobody");
    expect(r.json.aggregated).toEqual(
      expect.arrayContaining([
        { kind: "org_create_team", count: 2, datetime: expect.stringMatching(/ 00:00:00 -0000$/) },
        { kind: "org_create", count: 1, datetime: expect.any(String) },
      ]),
    );
    expectMessage(
      await h.get("/api/v1/organization/acme/aggregatelogs?starttime=01/01/2020&endtime=03/01/2020"),
      400,
      "Invalid date range for logs",
    );
  });

  it("docs/quay-api.md#audit-logs every mutation writes an audit entry (spot check across kinds)", async () => {
    await h.repo("acme", "app");
    await h.robot("acme", "ci");
    await h.team("acme", "devs");
    await h.member("acme", "devs", "acme+ci");
    await h.put("/api/v1/repository/acme/app/permissions/team/devs", { role: "read" });
    await h.post("/api/v1/repository/acme/app/changevisibility", { visibility: "public" });
    const kinds = (await h.get(L)).json.logs.map((l: { kind: string }) => l.kind);
    expect(kinds).toEqual([
      "change_repo_visibility",
      "change_repo_permission",
      "org_add_team_member",
      "org_create_team",
      "create_robot",
      "create_repo",
      "org_create",
    ]);
  });
});
