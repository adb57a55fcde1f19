/**
 * The Team provider with `syncFrom` against the emulator over HTTP (docs/quay-api.md#team-sync):
 * creates, reads that ignore the directory's users and cost one extra GET per synced team, the order
 * of changing, adopting and dropping a sync (Quay has no update of a sync and refuses user changes on
 * a synced team), and the errors a registry without the feature gives.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorConfig, type RunningEmulator, startEmulator } from "../../../emulator/index";
import type { Context } from "../../../providers/base";
import { type TeamInputs, team } from "../../../providers/team";
import { QuaySession } from "../../../src/quay/api/session";
import { QuayClient } from "../../../src/quay/client";

const LDAP: EmulatorConfig = {
  FEATURE_TEAM_SYNCING: true,
  AUTHENTICATION_TYPE: "LDAP",
  LDAP_BASE_DN: ["dc=lab", "dc=example"],
  EMULATOR_DIRECTORY_GROUPS: { "cn=devs,ou=groups": ["alice", "bob"], "cn=ops,ou=groups": ["carol"] },
};

const DEVS = { directory: "ldap", group: "cn=devs,ou=groups" } as const;
const OPS = { directory: "ldap", group: "cn=ops,ou=groups" } as const;

let emu: RunningEmulator | undefined;
const clients: QuayClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  expect(emu?.internalErrors ?? []).toEqual([]);
  await emu?.close();
  emu = undefined;
});

async function lab(config: EmulatorConfig = LDAP) {
  emu = await startEmulator({ port: 0, config });
  const e = emu;
  const call = async (method: string, path: string, body?: unknown, token = e.token) => {
    const res = await fetch(`${e.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text}`).toBeLessThan(300);
    return text ? JSON.parse(text) : undefined;
  };
  // Directory users exist in Quay once they logged in.
  for (const u of ["alice", "bob", "carol", "dave"])
    await call("POST", "/_emulator/team-sync", { login: { user: u } }, "");
  await call("POST", "/api/v1/organization/", { name: "acme" });
  await call("PUT", "/api/v1/organization/acme/robots/ci", {});
  /** A provider context on a new session (a new run: nothing cached). */
  const ctx = (token = e.token): Context => {
    const client = new QuayClient({ url: e.url, token });
    clients.push(client);
    return {
      session: new QuaySession(client),
      settings: { url: e.url, forceDelete: false },
      log: { info: () => {}, warn: () => {} },
    };
  };
  const members = async () =>
    ((await call("GET", "/api/v1/organization/acme/team/devs/members")).members as { name: string }[])
      .map((m) => m.name)
      .sort();
  const synced = async () => (await call("GET", "/api/v1/organization/acme/team/devs/members")).synced;
  const logKinds = async () =>
    ((await call("GET", "/api/v1/organization/acme/logs")).logs as { kind: string }[]).map((l) => l.kind);
  return {
    e,
    call,
    ctx,
    members,
    synced,
    logKinds,
    worker: () => call("POST", "/_emulator/team-sync", {}, ""),
  };
}

const devs = (over: Partial<TeamInputs> = {}): TeamInputs => ({
  organization: "acme",
  name: "devs",
  role: "member",
  description: "",
  members: [{ kind: "robot", name: "acme+ci" }],
  syncFrom: DEVS,
  ...over,
});

describe("Team with syncFrom", () => {
  it("creates the team, its robots and the sync; a read ignores the directory's users and costs one GET more", async () => {
    const l = await lab();
    const d = devs();
    expect(team.validate(d)).toEqual([]);
    expect(await team.create(l.ctx(), d)).toEqual(d);
    expect(await l.synced()).toEqual({
      service: "ldap",
      last_updated: null,
      config: { group_dn: DEVS.group },
    });
    await l.worker();
    expect(await l.members()).toEqual(["acme+ci", "alice", "bob"]);

    l.e.resetStats();
    const live = await team.read(l.ctx(), "acme/devs", d);
    expect(live).toEqual(d);
    // Who-am-I, the organization view and the synced team's own member list.
    expect(l.e.stats().byRoute).toEqual({
      "GET /api/v1/user/": 1,
      "GET /api/v1/organization/{orgname}": 1,
      "GET /api/v1/organization/{orgname}/team/{teamname}/members": 1,
    });
  });

  it("a robot added by hand is drift, a user the sync brought is not", async () => {
    const l = await lab();
    await team.create(l.ctx(), devs({ members: [] }));
    await l.worker();
    await l.call("PUT", "/api/v1/organization/acme/team/devs/members/acme+ci");
    const live = await team.read(l.ctx(), "acme/devs", devs({ members: [] }));
    expect(live?.members).toEqual([{ kind: "robot", name: "acme+ci" }]);
    expect(live?.syncFrom).toEqual(DEVS);
  });

  it("another group: the sync is dropped and set up again, never enabled twice", async () => {
    const l = await lab();
    const d = devs();
    await team.create(l.ctx(), d);
    await team.update(l.ctx(), "acme/devs", d, devs({ syncFrom: OPS }), new Set(["syncFrom"]));
    expect((await l.synced()).config).toEqual({ group_dn: OPS.group });
    expect((await l.logKinds()).slice(0, 2)).toEqual(["enable_team_sync", "disable_team_sync"]);
    await l.worker();
    expect(await l.members()).toEqual(["acme+ci", "carol"]);
    expect(await team.read(l.ctx(), "acme/devs", devs({ syncFrom: OPS }))).toEqual(devs({ syncFrom: OPS }));
  });

  it("turning the sync on keeps the users until the directory's sync; off, the file's members apply", async () => {
    const l = await lab();
    const plain = devs({
      syncFrom: undefined,
      members: [
        { kind: "robot", name: "acme+ci" },
        { kind: "user", name: "alice" },
        { kind: "user", name: "carol" },
      ],
    });
    const { syncFrom: _, ...unsynced } = plain;
    await team.create(l.ctx(), unsynced);
    expect(await l.members()).toEqual(["acme+ci", "alice", "carol"]);

    // On: nobody is removed by us (Quay refuses user changes once synced, and its sync decides).
    await team.update(l.ctx(), "acme/devs", unsynced, devs(), new Set(["members", "syncFrom"]));
    expect(await l.members()).toEqual(["acme+ci", "alice", "carol"]);
    await l.worker();
    expect(await l.members()).toEqual(["acme+ci", "alice", "bob"]);

    // Off, with users listed again: the sync goes first, or Quay would refuse the user changes.
    const back = devs({
      syncFrom: undefined,
      members: [
        { kind: "robot", name: "acme+ci" },
        { kind: "user", name: "dave" },
      ],
    });
    const { syncFrom: __, ...off } = back;
    const out = await team.update(l.ctx(), "acme/devs", devs(), off, new Set(["members", "syncFrom"]));
    expect(out).toEqual(off);
    expect(await l.synced()).toBeUndefined();
    expect(await l.members()).toEqual(["acme+ci", "dave"]);
    expect(await team.read(l.ctx(), "acme/devs", off)).toEqual(off);
  });

  it("adopts a sync set up by hand with the same group without enabling it again", async () => {
    const l = await lab();
    await l.call("PUT", "/api/v1/organization/acme/team/devs", { role: "member" });
    await l.call("POST", "/api/v1/organization/acme/team/devs/syncing", { group_dn: DEVS.group });
    const before = (await l.logKinds()).length;
    await team.create(l.ctx(), devs());
    // Only the robot was added: no disable, no enable.
    expect((await l.logKinds()).slice(0, (await l.logKinds()).length - before)).toEqual([
      "org_add_team_member",
    ]);
    expect(await team.read(l.ctx(), "acme/devs", devs())).toEqual(devs());
  });

  it("a sync set up by hand on a team the file does not sync is drift", async () => {
    const l = await lab();
    const { syncFrom: _, ...plain } = devs();
    await team.create(l.ctx(), plain);
    await l.call("POST", "/api/v1/organization/acme/team/devs/syncing", { group_dn: OPS.group });
    expect((await team.read(l.ctx(), "acme/devs", plain))?.syncFrom).toEqual(OPS);
    // Dropped from the state when it goes again.
    await l.call("DELETE", "/api/v1/organization/acme/team/devs/syncing");
    expect(await team.read(l.ctx(), "acme/devs", devs())).toEqual(plain);
  });

  it("a caller who may not see the group keeps the state's", async () => {
    const l = await lab();
    await team.create(l.ctx(), devs());
    await l.call("PUT", "/api/v1/organization/acme/team/owners/members/dave");
    const dave = l.e.mintToken("dave", ["org:admin", "user:read"]);
    expect(
      (await l.call("GET", "/api/v1/organization/acme/team/devs/members", undefined, dave)).synced,
    ).toEqual({
      service: "ldap",
    });
    expect(await team.read(l.ctx(dave), "acme/devs", devs())).toEqual(devs());
  });

  it("with OIDC, enabling removes the users at once; the read stays clean", async () => {
    const l = await lab({ FEATURE_TEAM_SYNCING: true, AUTHENTICATION_TYPE: "OIDC" });
    const { syncFrom: _, ...plain } = devs({ members: [{ kind: "user", name: "alice" }] });
    await team.create(l.ctx(), plain);
    const d = devs({ syncFrom: { directory: "oidc", group: "acme-devs" } });
    await team.update(l.ctx(), "acme/devs", plain, d, new Set(["members", "syncFrom"]));
    expect(await l.members()).toEqual(["acme+ci"]);
    await l.call("POST", "/_emulator/team-sync", { login: { user: "bob", groups: ["acme-devs"] } }, "");
    expect(await l.members()).toEqual(["acme+ci", "bob"]);
    expect(await team.read(l.ctx(), "acme/devs", d)).toEqual(d);
  });

  it("without FEATURE_TEAM_SYNCING the error names the flag", async () => {
    const l = await lab({ AUTHENTICATION_TYPE: "LDAP" });
    await expect(team.create(l.ctx(), devs())).rejects.toMatchObject({
      code: "QG_ERR_CAPABILITY",
      message: expect.stringContaining("FEATURE_TEAM_SYNCING looks disabled"),
    });
  });

  it("validate refuses user members and a sync without a group", () => {
    expect(team.validate(devs({ members: [{ kind: "user", name: "alice" }] }))).toEqual([
      ["members[0]", "a synced team's users come from its directory group: list robots only"],
    ]);
    expect(team.validate(devs({ syncFrom: { directory: "ldap", group: "" } }))).toEqual([
      ["syncFrom.group", "must be a non-empty string"],
    ]);
  });
});
